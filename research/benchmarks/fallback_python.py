"""Would a Python program, before the direct answer, rescue the questions whose routed
backend failed every program?

    python -m research.benchmarks.fallback_python research/results/open-first-k \
        --out research/studies/fallback_python

Takes the tool samples of a run whose programs all failed on a backend other than
python (the questions the pipeline answered by its ``direct`` fallback), writes those
questions to OUT/items.jsonl, answers them with ``reasoner eval jsonl:... --strategy
tool:python`` (resumable, in OUT/run), and prints, on those questions, how often the
python programs ran and were right against what the direct fallback answered in the
run. A python fallback only ever changes these questions: where a routed program ran,
nothing after it differs, so these few items are the whole effect on the run.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from evals.report import executable
from evals.run import load_run
from evals.tasks import get_task
from reasoner.cli import main as reasoner_cli


@click.command()
@click.argument("run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--model", default="qwen2.5-coder-1.5b", show_default=True)
def main(run: Path, out: Path, model: str) -> None:
    _, samples = load_run(run)
    failed = {s.id: s for s in samples if s.strategy == "tool" and s.route not in ("python", "direct", None)
              and not executable(s)}
    if not failed:
        raise click.ClickException(f"{run}: no tool sample failed every program on a non-python backend")
    task = {s.task for s in failed.values()}
    if len(task) != 1:
        raise click.ClickException(f"{run}: samples of several tasks ({', '.join(sorted(task))}); give one")
    out.mkdir(parents=True, exist_ok=True)
    items = out / "items.jsonl"
    with items.open("w", encoding="utf-8") as f:
        for item in get_task(task.pop()).load().items:
            if item.id in failed:
                f.write(json.dumps({"id": item.id, "question": item.question, "answer": item.gold,
                                    "format": item.format, "choices": item.choices}) + "\n")
    reasoner_cli(["eval", f"jsonl:{items}", "--strategy", "tool:python", "--seed", "0", "--model", model,
                  "--out", str(out / "run"), "-q"], standalone_mode=False)
    _, redone = load_run(out / "run")
    table = Table(title=f"{len(failed)} questions whose {run.name} programs all failed (not on python)")
    for column in ("", "programs ran", "right", "median s", "mean s"):
        table.add_column(column, justify="left" if not column else "right")
    before = list(failed.values())
    table.add_row("routed backend, then direct (the run)", "0", str(sum(s.correct for s in before)),
                  f"{statistics.median(s.seconds for s in before):.1f}",
                  f"{statistics.mean(s.seconds for s in before):.1f}")
    table.add_row("python program (then direct), added", str(sum(executable(s) for s in redone)),
                  str(sum(s.correct for s in redone)), f"{statistics.median(s.seconds for s in redone):.1f}",
                  f"{statistics.mean(s.seconds for s in redone):.1f}")
    both = {s.id: s.correct for s in redone}
    Console().print(table)
    Console().print(f"right only with python: {sum(both[i] and not s.correct for i, s in failed.items())}, "
                    f"right only with direct: {sum(s.correct and not both[i] for i, s in failed.items())}")


if __name__ == "__main__":
    main()
