"""``reasoner models list|pull|states``: the catalog, fetching its models, and saved prefix states."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.table import Table

from reasoner import catalog, paths
from reasoner.cli.app import main
from reasoner.cli.common import sigterm_as_interrupt
from reasoner.models import state_store
from reasoner.models.base import ModelError


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@main.group("models")
def models() -> None:
    """List the catalog's models, pull them into the cache, see saved prefix states."""


@models.command("list")
def list_models() -> None:
    """Show every catalog model, its size, and whether it is in the cache."""
    table = Table(title="reasoner model catalog")
    table.add_column("name", no_wrap=True)
    table.add_column("description")
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("present", no_wrap=True)
    table.add_column("path", overflow="fold")
    for name in catalog.names():
        entry = catalog.get_entry(name)
        present = catalog.is_present(name)
        table.add_row(
            f"{name} (default)" if name == catalog.DEFAULT_MODEL else name,
            entry.description,
            _human(entry.size),
            "[green]yes[/]" if present else "[red]no[/]",
            str(catalog.model_path(name)),
        )
    Console().print(table)


@models.command("pull")
@click.argument("name")
@click.option("--verify", is_flag=True, help="Re-hash a model already present (re-fetch if bad).")
@click.option("--progress/--no-progress", default=True, help="Show progress bars on stderr.")
def pull(name: str, verify: bool, progress: bool) -> None:
    """Fetch NAME, check its sha256, and cache it; a present model is left alone."""
    try:
        with sigterm_as_interrupt():
            report = catalog.pull_entry(catalog.get_entry(name), progress=progress, verify=verify)
    except ModelError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no partial file was left in the cache", code=130)
    except OSError as exc:
        _fail(f"{type(exc).__name__}: {exc}")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for label, reason in report.tried:
        click.echo(f"{label}: {reason}", err=True)
    if report.action == "present":
        click.echo(f"{name} already present at {report.path}")
    elif report.action == "verified":
        click.echo(f"{name} verified (sha256 matches) at {report.path}")
    else:
        rate = report.size / report.seconds / 1e6 if report.seconds > 0 else 0.0
        click.echo(
            f"{name} pulled from {report.source} in {report.seconds:.1f} s "
            f"({_human(report.size)}, {rate:.0f} MB/s), sha256 verified: {report.path}"
        )


@models.command("states")
@click.option("--clear", is_flag=True, help="Delete every saved state (they are made again as needed).")
def states(clear: bool) -> None:
    """Show the llama.cpp prefix states saved on disk, per model build, or delete them.

    Each state spares a new process from re-reading one backend's k-shot examples; the
    store is bounded by -M prefix_cache_disk_mb (least recently used states go first).
    """
    root = paths.state_store()
    if clear:
        freed = state_store.clear(root)
        click.echo(f"deleted {root} ({_human(freed)} freed)")
        return
    builds = state_store.survey(root)
    if not builds:
        click.echo(f"no prefix states saved ({root})")
        return
    table = Table(title=f"prefix states in {root}")
    table.add_column("model", overflow="fold", min_width=20)
    table.add_column("llama.cpp", no_wrap=True)
    for column in ("states", "size"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("last used", no_wrap=True)
    for build in builds:
        model = build.about.get("model")
        used = build.last_used
        table.add_row(
            Path(str(model)).name if model else f"(unknown: {build.folder.name})",
            str(build.about.get("llama_cpp", "?")),
            str(build.states),
            _human(build.size),
            datetime.fromtimestamp(used).strftime("%Y-%m-%d %H:%M") if used else "-",
        )
    Console().print(table)
