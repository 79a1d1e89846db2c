"""Repairs of sampled vote candidates, replayed: would the votes answer the same without them?

    python -m research.benchmarks.vote_repairs research/results/votes-math [--strategy tool@5]

A sampled candidate (every one after the greedy program) gets ``VOTE_REPAIRS`` repairs:
one when ``votes-math`` and ``votes-logic`` ran, none since this replay. For each
``tool@N`` sample of the run directory this counts the sampled candidates, how many needed
a repair and how many of those then answered, and votes again with every repaired sampled
candidate abstaining instead: what zero repairs would have answered from the same draws.
No model is run. The replay keeps the recorded candidates; with zero repairs the vote
might have drawn others (a settled vote stops), so it is a guide to whether repairs change
answers, not an exact rerun. "repair share" is the part of all program text written in
those repairs: a guide to their decoding cost (each repair is a call of its own, where the
first programs share a batch).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from evals.records import SampleRecord
from evals.run import load_run
from research.benchmarks.pooled_votes import voted


def without_repairs(record: SampleRecord) -> list[str | None]:
    """The candidates' answers with every repaired sampled candidate abstaining."""
    return [c.answer if number == 0 or len(c.attempts) <= 1 else None for number, c in enumerate(record.candidates)]


def repair_share(records: list[SampleRecord]) -> float:
    """The share of all program characters that sampled candidates' repairs wrote."""
    written = sum(len(attempt.program) for record in records for attempt in record.attempts)
    repairs = sum(len(record.attempts[index].program) for record in records
                  for candidate in record.candidates[1:] for index in candidate.attempts[1:])
    return repairs / written if written else 0.0


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strategy", default="tool@5", show_default=True, help="The voting tool strategy to replay.")
def cli(run_dir: Path, strategy: str) -> None:
    _, records = load_run(run_dir)
    by_task: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in records:
        if record.strategy == strategy:
            by_task[record.task].append(record)
    table = Table(title=f"{strategy} in {run_dir}: sampled candidates' repairs, replayed without them")
    for column in ("task", "items", "sampled candidates", "repaired", "answered after repair", "right",
                   "right without repairs", "repair share"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task, items in by_task.items():
        sampled = [c for r in items for c in r.candidates[1:]]
        repaired = [c for c in sampled if len(c.attempts) > 1]
        table.add_row(task, str(len(items)), str(len(sampled)), str(len(repaired)),
                      str(sum(c.answer is not None for c in repaired)),
                      str(sum(voted([c.answer for c in r.candidates], r) for r in items)),
                      str(sum(voted(without_repairs(r), r) for r in items)), f"{repair_share(items):.0%}")
    Console(width=120).print(table)


if __name__ == "__main__":
    cli()
