"""Prefix reuse as the number of k-shot examples grows.

    python -m research.benchmarks.prefix_cache [--model SPEC] [-M key=value ...] [--shots 2 4 8]
        [--questions 10] [--data-dir DIR] [--backend python] [--json]

One process, one loaded model. For each k the pipeline (``Reasoner(shots=k)``, backend
forced so routing cannot vary) answers the same GSM8K questions and prints, per question,
the prompt tokens of all its model calls, how many were cached (not evaluated), how many
were evaluated, the completion tokens and the seconds. The first question of each k pays
for its new k-shot prefix; after it, evaluated tokens should not grow with k.

Targets (questions 2..n, medians): evaluated prompt tokens at every k within 10% of k=2,
and seconds per question at the largest k within 15% of k=2. The machine is shared, so
the load average is printed next to every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.scoring import score_number
from reasoner.cli.common import parse_model_options
from reasoner.models import get_model
from reasoner.pipeline import Reasoner
from research.routing.labelled import resolve_data_dir

TOKENS_TOLERANCE = 0.10
SECONDS_TOLERANCE = 0.15


def load_gsm8k(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """The first ``count`` (question, gold answer) pairs of GSM8K's test split."""
    path = data_dir / "gsm8k" / "test.jsonl"
    if not path.is_file():
        sys.exit(f"No GSM8K test file at {path}; pass --data-dir (the folder holding gsm8k/).")
    pairs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            gold = record["answer"].rsplit("####", 1)[1].strip().replace(",", "")
            pairs.append((record["question"], gold))
            if len(pairs) == count:
                break
    return pairs


def load() -> str:
    """The 1-minute load average, printed next to timings (the machine is shared)."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="provider/name (default: the catalog default)")
    parser.add_argument("-M", "--model-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--shots", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $REASONER_DATA_DIR")
    parser.add_argument("--backend", default="python")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()

    console = Console()
    questions = load_gsm8k(resolve_data_dir(args.data_dir), args.questions)
    started = time.perf_counter()
    model = get_model(args.model, parse_model_options(tuple(args.model_option)))
    console.print(f"{model.id}: loaded in {time.perf_counter() - started:.1f} s (load {load()})")
    rows: list[dict] = []
    try:
        for k in args.shots:
            reasoner = Reasoner(model=model, shots=k)
            table = Table(title=f"k = {k}  (load at start {load()})")
            for column in ("#", "prompt", "cached", "evaluated", "completion", "calls",
                           "seconds", "correct"):
                table.add_column(column, justify="right")
            for index, (question, gold) in enumerate(questions, 1):
                solution = reasoner.solve(question, backend=args.backend)
                usage = solution.usage
                row = {
                    "k": k, "question": index,
                    "prompt": usage.prompt_tokens, "cached": usage.cached_prompt_tokens,
                    "evaluated": usage.prompt_tokens - usage.cached_prompt_tokens,
                    "completion": usage.completion_tokens, "calls": usage.model_calls,
                    "seconds": round(usage.total_seconds, 2),
                    "correct": score_number(solution.answer, gold), "load": load(),
                }
                rows.append(row)
                table.add_row(*(str(row[c]) for c in ("question", "prompt", "cached", "evaluated",
                                                       "completion", "calls", "seconds", "correct")))
            console.print(table)
    finally:
        model.close()
    summarise(console, rows, args.shots)
    if args.json:
        print(json.dumps(rows))


def summarise(console: Console, rows: list[dict], shots: list[int]) -> None:
    """Medians over questions 2..n per k, compared with the smallest k."""
    table = Table(title="Questions 2..n, medians")
    for column in ("k", "first-question evaluated", "evaluated", "vs k0", "seconds",
                   "vs k0", "accuracy"):
        table.add_column(column, justify="right")
    base_k = shots[0]
    medians: dict[int, tuple[float, float]] = {}
    for k in shots:
        mine = [r for r in rows if r["k"] == k]
        later = mine[1:] or mine
        medians[k] = (statistics.median(r["evaluated"] for r in later),
                      statistics.median(r["seconds"] for r in later))
        tokens, seconds = medians[k]
        base_tokens, base_seconds = medians[base_k]
        table.add_row(
            str(k), str(mine[0]["evaluated"]), f"{tokens:.0f}", f"{tokens / base_tokens:.2f}",
            f"{seconds:.2f}", f"{seconds / base_seconds:.2f}",
            f"{sum(r['correct'] for r in mine)}/{len(mine)}",
        )
    console.print(table)
    base_tokens, base_seconds = medians[base_k]
    tokens_ok = all(abs(t / base_tokens - 1) <= TOKENS_TOLERANCE for t, _ in medians.values())
    seconds_ok = medians[shots[-1]][1] <= base_seconds * (1 + SECONDS_TOLERANCE)
    console.print(
        f"evaluated tokens within {TOKENS_TOLERANCE:.0%} of k={base_k} at every k: "
        f"{'yes' if tokens_ok else 'NO'}; seconds at k={shots[-1]} within "
        f"{SECONDS_TOLERANCE:.0%} of k={base_k}: {'yes' if seconds_ok else 'NO'} (load now {load()})"
    )


if __name__ == "__main__":
    main()
