"""Few-shot files compared on the first program alone: does it run, and is its value right?

    python -m research.benchmarks.first_program --task prontoqa --backend prolog \\
        --examples old.yaml --examples fewshot/prolog.yaml [--skip 50 --limit 10]

One process, one loaded model. For each item of the task (seeded order, after skipping
the first ``--skip`` so an eval's items are not used for tuning), each examples file in
turn (the order alternates per item) gives the ``--shots`` examples the pipeline would show
(the first ones; for smt, a question without options sees the first open ones), the model
writes one program greedily (the pipeline's settings), and it runs isolated in the
backend. No repair and no final-answer call: the program's own value is scored, so a
change in the examples shows up undiluted. Prints, per file, how many programs ran, how
many values were right, and the median seconds per item.

``--select similar`` (with or beside ``--select first``, the default) takes, per
question, the ``--shots`` examples of the file whose questions share the most words with
it (TF-IDF cosine over the file's example questions) instead of the file's first ones:
the optional "k most similar examples", measured here and not adopted (README, step 2).

    python -m research.benchmarks.first_program --task prontoqa --backend prolog --rerun FILE.jsonl

runs the programs of an earlier ``--out`` file, or the tool attempts of an eval's
``samples.jsonl``, again in the backend as it is now, without the model: after a backend
change, the same programs show what the change alone does.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

import fewshot
from evals.records import Item
from evals.scoring import score
from evals.tasks import get_task
from evals.tasks.base import select
from reasoner import Reasoner, prompting
from reasoner.cli.common import parse_model_options
from reasoner.models import default_model_spec, get_model
from research.common import program_runner

console = Console()
SELECTIONS = ("first", "similar")
_WORD = re.compile(r"[a-z]+")


def _bag(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def most_similar(examples: list[fewshot.Example], question: str, shots: int) -> list[fewshot.Example]:
    """The ``shots`` examples whose questions are nearest ``question`` (TF-IDF cosine), in file order."""
    bags = [_bag(example.question) for example in examples]
    df = Counter(word for bag in bags for word in bag)
    idf = {word: math.log((1 + len(bags)) / (1 + count)) + 1 for word, count in df.items()}

    def vector(bag: Counter[str]) -> dict[str, float]:
        return {word: count * idf.get(word, 0.0) for word, count in bag.items()}

    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        dot = sum(value * b.get(word, 0.0) for word, value in a.items())
        norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0

    target = vector(_bag(question))
    ranked = sorted(range(len(examples)), key=lambda i: -cosine(vector(bags[i]), target))
    return [examples[i] for i in sorted(ranked[:shots])]


@click.command()
@click.option("--task", required=True, help="An eval task, e.g. prontoqa.")
@click.option("--backend", required=True, help="The backend every program is written for.")
@click.option("--examples", "files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="An examples file (repeatable).")
@click.option("--shots", default=4, show_default=True)
@click.option("--select", "selections", multiple=True, type=click.Choice(SELECTIONS),
              help="Which examples: those the pipeline shows (the file's first --shots; smt: the first "
                   "without options for a question without options), or the most similar to each question "
                   "(repeatable to compare; default: first).")
@click.option("--skip", default=50, show_default=True, help="Items of the seeded order left out (an eval's).")
@click.option("--limit", default=10, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("-m", "--model", default=None, help="Model (default: catalog default).")
@click.option("-M", "--model-option", "model_option", multiple=True, metavar="KEY=VALUE")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one JSON line per program (item, examples file, program, result).")
@click.option("--rerun", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Run the programs of an earlier --out file or an eval's samples.jsonl again, without the model.")
def cli(
    task: str, backend: str, files: tuple[Path, ...], shots: int, selections: tuple[str, ...], skip: int,
    limit: int, seed: int,
    model: str | None, model_option: tuple[str, ...], data_dir: Path | None, out: Path | None,
    rerun: Path | None,
) -> None:
    loaded = get_task(task).load(data_dir).items
    if rerun:
        rerun_programs(rerun, {item.id: item for item in loaded}, backend)
        return
    if not files:
        raise click.UsageError("give --examples (twice or more to compare files) or --rerun")
    items = select(loaded, seed, skip + limit)[skip:]
    reasoner = Reasoner(model=get_model(model or default_model_spec(), parse_model_options(model_option)))
    engine = reasoner.backend(backend)
    selections = selections or ("first",)
    pools = {path: fewshot.load(backend, str(path)) for path in files}
    # An arm is one examples file with one way of choosing from it; named by the file
    # alone unless selections are being compared.
    arms = [(path, how) for path in files for how in selections]
    names = {arm: str(arm[0]) if len(selections) == 1 else f"{arm[0]} ({arm[1]})" for arm in arms}
    ran = dict.fromkeys(arms, 0)
    right = dict.fromkeys(arms, 0)
    seconds: dict[tuple[Path, str], list[float]] = {arm: [] for arm in arms}
    for number, item in enumerate(items):
        for arm in arms if number % 2 == 0 else reversed(arms):
            path, how = arm
            chosen = (prompting.shown_examples(pools[path], shots, item.question, item.choices,
                                                    open_first=engine.open_examples_first) if how == "first"
                      else most_similar(pools[path], item.question, shots))
            started = time.perf_counter()
            attempt = reasoner.first_attempt(item.question, backend=backend, choices=item.choices, examples=chosen)
            program, result = attempt.program, attempt.result
            seconds[arm].append(time.perf_counter() - started)
            value = result.value or ""
            correct = result.ok and score(item.format, value, item.gold, item.choices or [])
            ran[arm] += result.ok
            right[arm] += correct
            if out:
                with out.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"id": item.id, "examples": names[arm], "program": program,
                                             "result": result.model_dump(), "right": bool(correct)}) + "\n")
            console.print(f"{item.id} {names[arm]}: "
                          f"{'ran' if result.ok else result.error.kind if result.error else '?'}"
                          f" value={value!r} gold={item.gold} {'right' if correct else 'wrong'}",
                          highlight=False, markup=False)  # values like "[ann, bob]" are not markup
    table = Table(title=f"{task} · {backend} · first program only · k={shots} · items {skip + 1}..{skip + len(items)}")
    for column in ("examples", "ran", "right", "median s"):
        table.add_column(column, justify="right" if column != "examples" else "left")
    for arm in arms:
        table.add_row(names[arm], f"{ran[arm]}/{len(items)}", f"{right[arm]}/{len(items)}",
                      f"{statistics.median(seconds[arm]):.1f}")
    console.print(table)


def recorded_programs(path: Path, backend: str) -> list[tuple[str, str, str, bool]]:
    """(group, item id, program, ran then) for each program in a file.

    A file from ``--out`` groups its programs by examples file; an eval's
    ``samples.jsonl`` by first program and repair (its tool attempts in ``backend``).
    """
    programs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "examples" in record:
            programs.append((record["examples"], record["id"], record["program"], record["result"]["ok"]))
            continue
        attempts = [a for a in record.get("attempts") or [] if a.get("backend") == backend and a.get("program")]
        for number, attempt in enumerate(attempts):
            group = "eval: first program" if number == 0 else "eval: repair"
            programs.append((group, record["id"], attempt["program"], bool(attempt["result"]["ok"])))
    return programs


def rerun_programs(path: Path, items: dict[str, Item], backend: str) -> None:
    """Each recorded program run again now and scored; 'ran then' is as recorded."""
    runner = program_runner()
    programs = recorded_programs(path, backend)
    table = Table(title=f"{path.name}: the recorded programs run again")
    for column in ("programs of", "n", "ran then", "ran now", "right now"):
        table.add_column(column, justify="right" if column != "programs of" else "left")
    for group in dict.fromkeys(program[0] for program in programs):
        mine = [program for program in programs if program[0] == group]
        ran_now = right_now = 0
        for _, item_id, program, _ in mine:
            item = items[item_id]
            # prepare() is the backend's too: what it now fixes in a program counts.
            result = runner.run_program(program, backend=backend, question=item.question, choices=item.choices)
            ran_now += result.ok
            right_now += bool(result.ok and score(item.format, result.value or "", item.gold, item.choices or []))
        table.add_row(group, str(len(mine)), str(sum(ran for *_, ran in mine)), str(ran_now), str(right_now))
    console.print(table)


if __name__ == "__main__":
    cli()
