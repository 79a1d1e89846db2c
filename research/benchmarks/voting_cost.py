"""What votes cost: seconds per question and generated tokens per second at N = 1, 3, 5, 8.

    python -m research.benchmarks.voting_cost [--votes 1 3 5 8] [--questions 10] [--data-dir DIR]
        [--model SPEC] [-M key=value ...] [--all]

One process, the model loaded once, the first GSM8K test questions, the python backend
forced. For each question every N runs in turn (the order rotates per question so that
each N sees the same machine load), with drawing all N candidates (``--all``) or stopping
once the vote is settled (the default, as ``reasoner ask --votes N`` does). Prints, per N,
the median seconds per question, the ratio to N = 1, the candidates drawn, generated tokens
per second over all streams, and accuracy. Candidates are drawn one after another: the
engines have no batched generation yet, so this is the sequential baseline that batching
(issue 24) is measured against.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.scoring import score_number
from reasoner import Reasoner
from reasoner.cli.common import parse_model_options
from reasoner.models import get_model
from research.benchmarks.prefix_cache import load, load_gsm8k
from research.routing.labelled import resolve_data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", type=int, nargs="+", default=[1, 3, 5, 8])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $REASONER_DATA_DIR")
    parser.add_argument("--model", default=None, help="provider/name (default: the catalog default)")
    parser.add_argument("-M", "--model-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--all", action="store_true", help="draw all N candidates, no early stop")
    args = parser.parse_args()
    console = Console()
    questions = load_gsm8k(resolve_data_dir(args.data_dir), args.questions)
    model = get_model(args.model, parse_model_options(tuple(args.model_option)))
    seconds: dict[int, list[float]] = {n: [] for n in args.votes}
    tokens: dict[int, int] = dict.fromkeys(args.votes, 0)
    model_seconds: dict[int, float] = dict.fromkeys(args.votes, 0.0)
    drawn: dict[int, int] = dict.fromkeys(args.votes, 0)
    right: dict[int, int] = dict.fromkeys(args.votes, 0)
    reasoners = {n: Reasoner(model=model, votes=n, stop_early=not args.all) for n in args.votes}
    try:
        for index, (question, gold) in enumerate(questions):
            order = args.votes[index % len(args.votes):] + args.votes[: index % len(args.votes)]
            for n in order:
                solution = reasoners[n].solve(question, backend="python")
                seconds[n].append(solution.usage.total_seconds)
                tokens[n] += solution.usage.completion_tokens
                model_seconds[n] += solution.usage.model_seconds
                drawn[n] += len(solution.candidates)
                right[n] += score_number(solution.answer, gold)
            console.print(f"question {index + 1}/{len(questions)} (load {load()})", highlight=False)
    finally:
        for reasoner in reasoners.values():
            reasoner.close()
        model.close()
    base = statistics.median(seconds[args.votes[0]])
    table = Table(title=f"votes on {len(questions)} GSM8K questions ({'all drawn' if args.all else 'early stop'})")
    for column in ("N", "median s/question", "vs first N", "candidates/question", "generated tok/s", "right"):
        table.add_column(column, justify="right")
    for n in args.votes:
        median = statistics.median(seconds[n])
        rate = tokens[n] / model_seconds[n] if model_seconds[n] else 0.0
        table.add_row(str(n), f"{median:.1f}", f"{median / base:.2f}x", f"{drawn[n] / len(questions):.1f}",
                      f"{rate:.1f}", f"{right[n]}/{len(questions)}")
    console.print(table)


if __name__ == "__main__":
    main()
