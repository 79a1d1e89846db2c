"""Options and error handling shared by the commands."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Literal, TypeVar

import click
from rich.console import Console

from backends.registry import UnknownNameError
from reasoner.models import ModelError

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def parse_model_options(pairs: tuple[str, ...]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="-M")
        options[key.strip()] = value
    return options


def model_options(command: F) -> F:
    """``--model`` and ``-M key=value``, as every model-using command takes them."""
    command = click.option(
        "-M", "--model-option", "model_option", multiple=True, metavar="KEY=VALUE",
        help="Engine option, e.g. -M n_ctx=8192 or -M base_url=http://127.0.0.1:8000/v1.",
    )(command)
    return click.option(
        "-m", "--model", envvar="REASONER_MODEL", show_envvar=True, default=None,
        help="provider/name (llamacpp/..., hf/..., openai/..., mock/...) or a catalog name. "
        "Default: the catalog default, qwen2.5-coder-1.5b.",
    )(command)


def vote_backends_option(command: F) -> F:
    """``--vote-backends``, shared by ``ask`` and ``eval``."""
    return click.option(
        "--vote-backends", default=None, metavar="auto|NAME,NAME",
        help="Backends the candidates of a vote come from: 'auto' adds the router's runner-up when it was "
        "close; default: the routed backend only.",
    )(command)


def parse_vote_backends(text: str | None) -> list[str] | Literal["auto"] | None:
    """``auto``, or backend names separated by commas (checked when the Reasoner loads them)."""
    if text is None:
        return None
    if text.strip() == "auto":
        return "auto"
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        fail("--vote-backends takes 'auto' or backend names separated by commas")
    return names


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, then exit non-zero: how every command reports a failure."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can act on into one line and a non-zero exit."""
    try:
        yield
    except (ModelError, UnknownNameError, ValueError, FileNotFoundError) as exc:
        fail(str(exc))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so the command's own cleanup runs.

    ``kill`` sends SIGTERM, and a job started with ``&`` from a script ignores SIGINT;
    either way the command should stop as cleanly as on Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
