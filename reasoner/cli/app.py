"""The ``reasoner`` command group; each command module adds itself to it."""

from __future__ import annotations

import click

from reasoner import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="reasoner")
def main() -> None:
    """Answer math and logic questions by having a language model write programs
    for the right symbolic engine (Python, SymPy, Prolog, SAT, SMT) and running them
    isolated."""
