"""Would votes change if LaTeX answers were grouped by value? Replayed from recorded candidates.

    python -m research.benchmarks.latex_votes research/results/votes-math500

``reasoner.votes.vote_key`` groups numbers by value and other text by its normalised
spelling, so ``\\frac{1}{2}`` and ``0.5``, or ``$1$`` and ``1``, are different votes.
The eval's scorer compares LaTeX by value (``evals.latex.latex_equal``). This replays every
voting sample of a run with each answer joining the first earlier answer that the scorer
calls equal, and counts the votes whose agreement or rightness would change: whether
grouping by value is worth carrying into the product. No model is run.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from evals.latex import latex_equal
from evals.records import SampleRecord
from evals.run import load_run
from evals.scoring import score
from reasoner.votes import Tally, vote_key


def by_spelling(record: SampleRecord) -> Tally:
    tally = Tally()
    for candidate in record.candidates:
        tally.add(vote_key(candidate.answer, record.choices))
    return tally


def by_value(record: SampleRecord) -> tuple[Tally, list[str]]:
    """The tally with each answer counted for the first earlier answer of equal value, and
    the answers that stand for each group."""
    tally, groups = Tally(), []
    for candidate in record.candidates:
        answer = candidate.answer
        if answer is None or not answer.strip():
            tally.add(None)
            continue
        same = next((g for g in groups if vote_key(g, record.choices) == vote_key(answer, record.choices)
                     or latex_equal(answer, g)), None)
        if same is None:
            groups.append(answer)
        tally.add(same or answer)
    return tally, groups


def right(record: SampleRecord, tally: Tally) -> bool:
    winner = tally.winner()
    chosen = next((c.answer for c in record.candidates
                   if winner is not None and c.answer is not None
                   and winner in (vote_key(c.answer, record.choices), c.answer)), None)
    return chosen is not None and score(record.format, chosen, record.gold, record.choices or [])


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def cli(run_dir: Path) -> None:
    _, records = load_run(run_dir)
    voting = [r for r in records if r.candidates and len(r.candidates) > 1]
    table = Table(title=f"Votes in {run_dir}: answers grouped by spelling (today) and by value (replayed)")
    for column in ("strategy", "votes", "agreement changed", "right, by spelling", "right, by value"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for strategy in sorted({r.strategy for r in voting}):
        mine = [r for r in voting if r.strategy == strategy]
        spelled = [by_spelling(r) for r in mine]
        valued = [by_value(r)[0] for r in mine]
        table.add_row(strategy, str(len(mine)),
                      str(sum(a.agreement() != b.agreement() for a, b in zip(spelled, valued, strict=True))),
                      str(sum(right(r, t) for r, t in zip(mine, spelled, strict=True))),
                      str(sum(right(r, t) for r, t in zip(mine, valued, strict=True))))
    Console().print(table)


if __name__ == "__main__":
    cli()
