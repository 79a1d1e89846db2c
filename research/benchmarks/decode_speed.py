"""Greedy programs written with and without drafts from the prompt (prompt-lookup decoding).

    python -m research.benchmarks.decode_speed [--items 10] [--draft-tokens 8] [--model SPEC] \\
        [--data-dir ../shared/datasets]

One process, one loaded model. The first program for ``--items`` items of ProofWriter,
PrOntoQA (prolog), LogicalDeduction (smt) and GSM8K (python), backend forced, written
with the pipeline's prompt and settings, once with ``draft_tokens=0`` and once with
``--draft-tokens``, the order alternating per item. Prints per task the median generated
tokens per second and seconds per program of each arm, their ratio, the drafted tokens
confirmed, and how many programs came out identical.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from backends import load_backend
from evals.tasks import get_task
from evals.tasks.base import select
from reasoner.models import default_model_spec, get_model
from reasoner.pipeline import PROGRAM_OPTIONS
from research.common import program_prompt
from research.routing.labelled import resolve_data_dir

SHOTS = 4
"""Examples per prompt, as the pipeline shows by default."""
SETS = [("proofwriter", "prolog"), ("prontoqa", "prolog"), ("logical_deduction", "smt"), ("gsm8k", "python")]
console = Console()


@click.command()
@click.option("--items", default=10, show_default=True, help="Items per task (the eval's seeded order).")
@click.option("--draft-tokens", default=8, show_default=True, help="Tokens drafted per step in the 'on' arm.")
@click.option("--model", "model_spec", default=None, help="provider/name (default: the catalog default).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def cli(items: int, draft_tokens: int, model_spec: str | None, data_dir: Path | None) -> None:
    model = get_model(model_spec or default_model_spec())
    table = Table(title=f"First programs, drafts off and on ({draft_tokens} per step), {model.id}")
    for column in ("task", "programs", "tok/s off", "tok/s on", "ratio", "s off", "s on", "drafted",
                   "identical"):
        table.add_column(column, justify="left" if column == "task" else "right")
    try:
        for task, backend_name in SETS:
            backend = load_backend(backend_name)
            chosen = select(get_task(task).load(resolve_data_dir(data_dir), progress=False).items, 0, items)
            speed: dict[int, list[float]] = {0: [], draft_tokens: []}
            seconds: dict[int, list[float]] = {0: [], draft_tokens: []}
            drafted = identical = 0
            for number, item in enumerate(chosen):
                messages = program_prompt(backend, item.question, item.choices, SHOTS)
                options = PROGRAM_OPTIONS.model_copy(update={"prefix_messages": len(messages) - 1})
                texts = {}
                for arm in (0, draft_tokens) if number % 2 == 0 else (draft_tokens, 0):
                    object.__setattr__(model.options, "draft_tokens", arm)
                    start = time.perf_counter()
                    reply = model.generate(messages, options)
                    took = time.perf_counter() - start
                    texts[arm] = reply.text
                    seconds[arm].append(took)
                    speed[arm].append(reply.usage.completion_tokens / took)
                    drafted += reply.usage.draft_tokens_accepted
                identical += texts[0] == texts[draft_tokens]
                console.print(f"{task} {number + 1}/{len(chosen)}: off {seconds[0][-1]:.1f} s, "
                              f"on {seconds[draft_tokens][-1]:.1f} s", highlight=False)
            off, on = statistics.median(speed[0]), statistics.median(speed[draft_tokens])
            table.add_row(task, str(len(chosen)), f"{off:.1f}", f"{on:.1f}", f"{on / off:.2f}x",
                          f"{statistics.median(seconds[0]):.1f}", f"{statistics.median(seconds[draft_tokens]):.1f}",
                          str(drafted), f"{identical}/{len(chosen)}")
    finally:
        model.close()
    console.print(table)


if __name__ == "__main__":
    cli()
