"""How often a program's value names none of the question's options.

    python -m research.benchmarks.option_values research/results/tool-rerun [--strategy tool]

For every multiple-choice sample of the strategy, each program that ran is checked with
``match_choice(value, choices, guess=False)``: the option matching a vote uses (letter,
exact text or containment). A value that matches none is one a vote now counts as no vote,
where the nearest-looking option used to get it. Prints, per task, the values that ran,
how many named no option, and those values.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evals.run import load_run
from reasoner.options import match_choice


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strategy", default="tool", show_default=True, help="The tool strategy whose programs to read.")
def cli(run_dir: Path, strategy: str) -> None:
    _, records = load_run(run_dir)
    values: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for record in records:
        if record.strategy == strategy and record.choices:
            values[record.task] += [(a.result.value, record.choices) for a in record.attempts
                                    if a.result.ok and a.result.value]
    table = Table(title=f"{strategy} in {run_dir}: program values that name no option")
    for column in ("task", "values that ran", "naming no option", "those values"):
        table.add_column(column, justify="right" if column.startswith(("values", "naming")) else "left")
    for task, ran in values.items():
        unnamed = [value for value, choices in ran if match_choice(value, choices, guess=False) is None]
        table.add_row(task, str(len(ran)), str(len(unnamed)), escape("; ".join(v[:40] for v in unnamed)))
    Console().print(table)


if __name__ == "__main__":
    cli()
