"""Which questions a change to the rules router moves, and where to.

    python -m research.benchmarks.route_changes --base HEAD~1
    python -m research.benchmarks.route_changes --base 2481369 \
        --task jsonl:research/studies/open_puzzles/questions.jsonl

Routes every item of every built-in eval task (and of each --task given) twice: with
the rules router as it is in the working tree, and as it was at --base (its
``reasoner/routing/rules.py`` read from git). Prints each question whose route changed,
then a count per task. A new cue meant for one kind of question should move those and
nothing in the benchmarks it was not meant for; this shows both. No model is needed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
from rich.console import Console
from rich.table import Table

from evals.tasks import get_task, task_names
from reasoner.routing import RulesRouter

RULES_PATH = "reasoner/routing/rules.py"
console = Console(width=None if sys.stdout.isatty() else 120)


def rules_at(revision: str) -> ModuleType:
    """The rules router module as it was at a git revision."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{RULES_PATH}"], cwd=Path(__file__).resolve().parent,
        capture_output=True, text=True, check=True,
    ).stdout
    name = "research.benchmarks.rules_at_base"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    exec(compile(source, f"{revision}:{RULES_PATH}", "exec"), module.__dict__)
    return module


@click.command()
@click.option("--base", required=True, help="The git revision to compare the working tree's rules with.")
@click.option("--task", "tasks", multiple=True, help="Also route this task (e.g. jsonl:PATH); repeatable.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="The shared datasets directory (default: $REASONER_DATA_DIR).")
def main(base: str, tasks: tuple[str, ...], data_dir: Path | None) -> None:
    before = rules_at(base).RulesRouter()
    after = RulesRouter()
    table = Table(title=f"rules router: {base} -> working tree")
    for column in ("task", "questions", "moved"):
        table.add_column(column, justify="left" if column == "task" else "right")
    total = moved_total = 0
    for name in [*task_names(), *tasks]:
        items = get_task(name).load(data_dir, progress=False).items
        moved = 0
        for item in items:
            old = before.route(item.question, item.choices).backend
            new = after.route(item.question, item.choices).backend
            if old != new:
                moved += 1
                console.print(f"{name} {item.id}: {old} -> {new}: {item.question[:100]!r}", markup=False)
        table.add_row(name, str(len(items)), str(moved))
        total += len(items)
        moved_total += moved
    table.add_section()
    table.add_row("all", str(total), str(moved_total))
    console.print(table)


if __name__ == "__main__":
    main()
