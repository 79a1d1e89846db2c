"""The ``reasoner`` command line. Each command group lives in its own module."""

from __future__ import annotations

import click

from reasoner import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="reasoner")
def main() -> None:
    """Answer math and logic questions by having a language model write programs
    for the right symbolic engine (Python, SymPy, Prolog, SAT, SMT) and running them
    isolated."""


def _register_commands() -> None:
    # Imported for their side effect of adding commands to ``main``.
    from reasoner.cli import ask, evaluate, exec, models, route  # noqa: F401

_register_commands()
