"""Votes pooled across sources, replayed from the candidates an eval recorded.

    python -m research.benchmarks.pooled_votes research/results/votes-math

For every item answered by both ``cot@N`` and ``tool@N`` in the run directory, the
recorded candidates' answers are voted again (``reasoner.votes``: the same keys and the
same tie rule as the pipeline): programs alone, chains of thought alone, both pooled
(programs first, so a tie goes to the greedy program), three programs plus two chains
(five votes, the cost of either alone), and the oracle (some candidate was right). No
model is run: it shows what ``Reasoner(votes=N, vote_cot=M)`` would have answered from
the same draws, before paying for a live run.

A run of the pooled strategy (``tool@N+cot@M``, e.g. ``research/results/votes-pooled``)
gets a table of its own: its recorded votes, with every chain counted, replayed as the
pipeline now draws them (chains only when the programs left the vote open, and counted
until it is settled), with how many items drew chains at all.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from evals.records import SampleRecord
from evals.run import load_run
from evals.scoring import score
from reasoner.votes import Tally, vote_key

STOPS = (2, 3)
"""Agreement runs compared by the stopping replay."""
MIXES = ("programs", "chains", "pooled", "3 programs + 2 chains", "oracle")


def voted(answers: list[str | None], record: SampleRecord) -> bool:
    """Whether the vote over ``answers`` picks a right one."""
    tally = Tally()
    for answer in answers:
        tally.add(vote_key(answer, record.choices))
    winner = tally.winner()
    chosen = next((a for a in answers if winner is not None and vote_key(a, record.choices) == winner), None)
    return chosen is not None and score(record.format, chosen, record.gold, record.choices or [])


def right_under(mix: str, tool: SampleRecord, cot: SampleRecord) -> bool:
    programs = [c.answer for c in tool.candidates]
    chains = [c.answer for c in cot.candidates]
    if mix == "programs":
        return voted(programs, tool)
    if mix == "chains":
        return voted(chains, tool)
    if mix == "pooled":
        return voted(programs + chains, tool)
    if mix == "3 programs + 2 chains":
        return voted(programs[:3] + chains[:2], tool)
    return any(a is not None and score(tool.format, a, tool.gold, tool.choices or []) for a in programs + chains)


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--votes", default=5, show_default=True, help="N of the cot@N and tool@N strategies.")
def cli(run_dir: Path, votes: int) -> None:
    _, records = load_run(run_dir)
    pairs: dict[str, list[tuple[SampleRecord, SampleRecord]]] = defaultdict(list)
    by_item: dict[tuple[str, str], dict[str, SampleRecord]] = defaultdict(dict)
    for record in records:
        by_item[(record.task, record.id)][record.strategy] = record
    for (task, _), strategies in by_item.items():
        if f"tool@{votes}" in strategies and f"cot@{votes}" in strategies:
            pairs[task].append((strategies[f"tool@{votes}"], strategies[f"cot@{votes}"]))
    table = Table(title=f"Votes replayed from {run_dir}: right answers per mix of recorded candidates")
    table.add_column("task")
    table.add_column("items", justify="right")
    for mix in MIXES:
        table.add_column(mix, justify="right")
    for task, items in pairs.items():
        table.add_row(task, str(len(items)),
                      *(str(sum(right_under(mix, tool, cot) for tool, cot in items)) for mix in MIXES))
    pooled = [r for r in records if "+cot@" in r.strategy]
    if pairs:
        Console().print(table)
        Console().print(stopping_table(pairs, votes))
    if pooled:
        Console().print(chains_when_open_table(pooled))


def stopping_table(pairs: dict[str, list[tuple[SampleRecord, SampleRecord]]], votes: int) -> Table:
    """Stopping once the first k candidates agree, replayed for k = 2 and 3 on the recorded
    program candidates: right answers and candidates run. Only runs recorded with k = 3 or
    more can replay 3 (a run stops drawing at its own k)."""
    table = Table(title=f"tool@{votes}: stop once the first k candidates agree (replayed)")
    for column in ("task", "items", *(f"k={k} right" for k in STOPS), *(f"k={k} candidates" for k in STOPS)):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task, items in pairs.items():
        right, used = {}, {}
        for k in STOPS:
            outcomes = [stopped_vote(tool, votes, k) for tool, _ in items]
            right[k] = sum(ok for ok, _ in outcomes)
            used[k] = sum(n for _, n in outcomes) / len(items)
        table.add_row(task, str(len(items)), *(str(right[k]) for k in STOPS), *(f"{used[k]:.1f}" for k in STOPS))
    return table


def stopped_vote(record: SampleRecord, votes: int, agree: int) -> tuple[bool, int]:
    """The vote over the recorded candidates, drawing stopped as ``Tally.settled`` stops it
    with ``agree`` agreeing candidates: (right, candidates used)."""
    tally = Tally()
    answers: list[str | None] = []
    for candidate in record.candidates:
        answers.append(candidate.answer)
        tally.add(vote_key(candidate.answer, record.choices))
        if len(answers) < votes and tally.settled(votes - len(answers), agree=agree):
            break
    return voted(answers, record), len(answers)


def chains_when_open_table(records: list[SampleRecord]) -> Table:
    """Pooled votes replayed with chains drawn only when the programs left the vote open."""
    table = Table(title="tool@N+cot@M: every chain counted, against chains only when the programs left the "
                        "vote open (replayed)")
    for column in ("task", "items", "settled by two programs", "right, every chain", "right, chains when open",
                   "items drawing chains", "chains counted per item"):
        table.add_column(column, justify="left" if column == "task" else "right")
    by_task: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in records:
        by_task[record.task].append(record)
    for task, items in by_task.items():
        outcomes = [chains_when_open(record) for record in items]
        two = sum(len([c for c in r.candidates if c.backend != "cot"]) == 2 for r in items)
        table.add_row(task, str(len(items)), str(two),
                      str(sum(voted([c.answer for c in r.candidates], r) for r in items)),
                      str(sum(ok for ok, _ in outcomes)), str(sum(n > 0 for _, n in outcomes)),
                      f"{sum(n for _, n in outcomes) / len(items):.1f}")
    return table


def chains_when_open(record: SampleRecord) -> tuple[bool, int]:
    """The vote over the recorded programs, then the recorded chains only if the programs
    left it open, counted until settled (as ``Reasoner._vote`` draws them): (right, chains)."""
    programs = [c.answer for c in record.candidates if c.backend != "cot"]
    chains = [c.answer for c in record.candidates if c.backend == "cot"]
    tally = Tally()
    for answer in programs:
        tally.add(vote_key(answer, record.choices))
    counted: list[str | None] = []
    if not tally.settled(len(chains)):
        for answer in chains:
            counted.append(answer)
            tally.add(vote_key(answer, record.choices))
            if tally.settled(len(chains) - len(counted)):
                break
    return voted(programs + counted, record), len(counted)


if __name__ == "__main__":
    cli()
