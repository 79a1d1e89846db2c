"""``reasoner exec`` runs a program in a backend's sandbox; ``reasoner backends`` lists them.

``exec`` is the CLI face of ``Backend.run``: the same limits, the same ExecResult, so a
program a model wrote can be replayed by hand. A one-shot command runs cold (a fresh
sandboxed process) unless ``--warm`` is given or ``REASONER_POOL`` is set, since starting
a warm supervisor only pays off over many programs. Each invocation owns one
``Sandbox`` and closes it.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from typing import TextIO

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from backends import Backend, ExecResult, Limits, Sandbox, backend_names, load_backend
from backends.registry import UnknownNameError
from backends.result import ErrorKind
from backends.sandbox import POOL_ENV, detect
from reasoner.cli.app import main

console = Console(highlight=False)


def _fail(message: str, code: int = 2) -> None:
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {escape(message)}")
    sys.exit(code)


def _load(name: str, sandbox: Sandbox) -> Backend:
    try:
        return load_backend(name, sandbox)
    except UnknownNameError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


@main.command("exec")
@click.argument("backend")
@click.argument("source", type=click.File("r", encoding="utf-8"), metavar="FILE|-")
@click.option("--json", "as_json", is_flag=True, help="Print the ExecResult as JSON.")
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
    help="Wall-clock and CPU limit in seconds (default: 10).",
)
@click.option(
    "--memory", type=click.IntRange(min=16), default=None,
    help="Address-space limit in MB, interpreter included (default: 1024).",
)
@click.option(
    "--warm/--cold", default=None,
    help=f"Run in a warm pool worker or a fresh process (default: cold, or ${POOL_ENV}).",
)
def exec_command(
    backend: str, source: TextIO, as_json: bool, timeout: float | None,
    memory: int | None, warm: bool | None,
) -> None:
    """Run FILE (or - for stdin) in BACKEND's sandbox and print the result.

    Exits 0 when the program produced an answer, 1 when it did not.
    """
    program = source.read()
    limits = Limits()
    if timeout is not None:
        limits = limits.model_copy(update={"wall_seconds": timeout, "cpu_seconds": timeout})
    if memory is not None:
        limits = limits.model_copy(update={"memory_mb": memory})
    if warm is None and POOL_ENV not in os.environ:
        warm = False
    with ExitStack() as stack:
        sandbox = stack.enter_context(Sandbox(warm=warm))
        engine = _load(backend, sandbox)
        stack.callback(engine.close)
        missing = engine.availability()
        if missing:
            result = ExecResult.failure(
                ErrorKind.unavailable, f"{engine.name}: unavailable — {missing}"
            )
        else:
            result = engine.run(program, limits)
    if as_json:
        click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
    else:
        _print_result(engine.name, result)
    sys.exit(0 if result.ok else 1)


def _print_result(name: str, result: ExecResult) -> None:
    timing = f"[dim]({name}, {result.elapsed_ms:.1f} ms)[/]"
    if result.ok:
        console.print(f"[bold green]answer:[/] {escape(result.value or '')} {timing}")
        for key, value in result.extra.items():
            console.print(f"[bold]{escape(key)}:[/] {escape(value)}")
    else:
        assert result.error is not None
        kind = result.error.kind
        tag = "terminal" if not kind.recoverable else "program error"
        console.print(f"[bold red]{kind.value}[/] [dim]({tag})[/] {timing}")
        console.print(escape(result.error.message))
    for label, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text:
            console.rule(f"[dim]{label}[/]", align="left")
            console.print(escape(text.rstrip("\n")))


@main.command("backends")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per backend.")
def backends_command(as_json: bool) -> None:
    """List the execution backends: description, availability and isolation."""
    iso = detect()
    refusal = iso.refusal()
    with Sandbox(warm=False) as sandbox:
        rows = [_row(name, sandbox, iso.level, refusal) for name in backend_names()]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title="reasoner backends", show_lines=False)
    table.add_column("backend", style="bold")
    table.add_column("status")
    table.add_column("isolation")
    table.add_column("description")
    for row in rows:
        style = "green" if row["available"] else "red"
        table.add_row(
            str(row["name"]), f"[{style}]{escape(str(row['status']))}[/]",
            str(row["isolation"]), escape(str(row["description"])),
        )
    console.print(table)
    console.print(f"sandbox: {escape(iso.describe())} (mode: {iso.mode})")
    if refusal:
        console.print(f"[bold red]refusing to run programs:[/] {escape(refusal)}")


def _row(name: str, sandbox: Sandbox, isolation: str, refusal: str | None) -> dict[str, object]:
    """One backend's line: loaded to ask its availability, then closed."""
    try:
        engine = load_backend(name, sandbox)
    except Exception as exc:  # a broken plugin must not hide the others
        return {"name": name, "description": "", "available": False,
                "status": f"unavailable — failed to load: {exc}", "isolation": isolation}
    try:
        missing = engine.availability()
    finally:
        engine.close()
    if missing:
        status = f"unavailable — {missing}"
    elif refusal:
        status = "unavailable — no sandbox (see below)"
    else:
        status = "available"
    return {"name": name, "description": engine.description,
            "available": not missing and not refusal, "status": status, "isolation": isolation}
