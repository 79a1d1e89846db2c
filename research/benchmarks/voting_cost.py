"""What votes cost: seconds per question and generated tokens per second at N = 1, 3, 5, 8,
with the sampled candidates decoded as one batch and one after another.

    python -m research.benchmarks.voting_cost [--votes 1 3 5 8] [--questions 10] [--data-dir DIR]
        [--model SPEC] [-M key=value ...] [--all] [--modes batched sequential] [--drafts 0 8]

One process, the model loaded once, the first GSM8K test questions, the python backend
forced. For each question every (N, mode) runs in turn, the order rotating per question so
that each sees the same machine load; N = 1 is one greedy program, the same in both modes.
"batched" lets llama.cpp decode a vote's first programs together, the greedy one
included (``generate_many``); "sequential" turns that off (``batch_decoding=false``), so
they are written one by one.
Drawing stops once the vote is settled, as ``reasoner ask --votes N`` does, unless
``--all``. ``--drafts 0 8`` repeats every arm with llama.cpp's prompt drafts off and on
(``draft_tokens``: they apply to replies written alone, the repairs, and N = 1's program;
batched streams are never drafted), to see the two work together. Prints, per arm, the
median seconds per question, the ratio to the first arm, the candidates drawn, generated
tokens per second over all streams, and accuracy.
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
    parser.add_argument("--modes", nargs="+", default=["batched", "sequential"], choices=["batched", "sequential"])
    parser.add_argument("--drafts", type=int, nargs="+", default=None,
                        help="draft_tokens values to compare (llama.cpp); default: the model's own")
    args = parser.parse_args()
    console = Console(width=120)
    questions = load_gsm8k(resolve_data_dir(args.data_dir), args.questions)
    model = get_model(args.model, parse_model_options(tuple(args.model_option)))
    drafts = args.drafts or [getattr(model.options, "draft_tokens", 0)]
    arms = [(n, mode, d) for n in args.votes for mode in (args.modes if n > 1 else args.modes[:1]) for d in drafts]
    seconds: dict[tuple[int, str, int], list[float]] = {arm: [] for arm in arms}
    tokens = dict.fromkeys(arms, 0)
    model_seconds = dict.fromkeys(arms, 0.0)
    drawn = dict.fromkeys(arms, 0)
    right = dict.fromkeys(arms, 0)
    reasoners = {n: Reasoner(model=model, votes=n, stop_early=not args.all) for n in args.votes}
    batching = getattr(model.options, "batch_decoding", None)
    try:
        for index, (question, gold) in enumerate(questions):
            for arm in arms[index % len(arms):] + arms[: index % len(arms)]:
                n, mode, draft = arm
                if batching is not None:
                    model.options.batch_decoding = mode == "batched"  # type: ignore[attr-defined]
                if args.drafts:
                    model.options.draft_tokens = draft  # type: ignore[attr-defined]
                solution = reasoners[n].solve(question, backend="python")
                seconds[arm].append(solution.usage.total_seconds)
                tokens[arm] += solution.usage.completion_tokens
                model_seconds[arm] += solution.usage.model_seconds
                drawn[arm] += len(solution.candidates)
                right[arm] += score_number(solution.answer, gold)
            console.print(f"question {index + 1}/{len(questions)} (load {load()})", highlight=False)
    finally:
        for reasoner in reasoners.values():
            reasoner.close()
        model.close()
    base = statistics.median(seconds[arms[0]])
    table = Table(title=f"votes on {len(questions)} GSM8K questions ({'all drawn' if args.all else 'early stop'})")
    for column in ("N", "mode", "drafts", "median s/question", "vs first arm", "candidates/question",
                   "generated tok/s", "right"):
        table.add_column(column, justify="right")
    for arm in arms:
        median = statistics.median(seconds[arm])
        rate = tokens[arm] / model_seconds[arm] if model_seconds[arm] else 0.0
        table.add_row(str(arm[0]), arm[1] if arm[0] > 1 else "greedy", str(arm[2]), f"{median:.1f}",
                      f"{median / base:.2f}x",
                      f"{drawn[arm] / len(questions):.1f}", f"{rate:.1f}", f"{right[arm]}/{len(questions)}")
    console.print(table)
    modes = [m for m in ("batched", "sequential") if m in args.modes]
    if len(modes) == 2:
        for n in args.votes[1:]:
            for d in drafts:
                ratio = statistics.median(seconds[(n, "sequential", d)]) / statistics.median(seconds[(n, "batched", d)])
                console.print(f"N = {n}, drafts {d}: batched is {ratio:.2f}x as fast as sequential (median seconds)")
    if len(drafts) > 1:
        for n in args.votes:
            for mode in args.modes if n > 1 else args.modes[:1]:
                off = statistics.median(seconds[(n, mode, drafts[0])])
                for d in drafts[1:]:
                    ratio = statistics.median(seconds[(n, mode, d)]) / off
                    console.print(f"N = {n}, {mode}: drafts {d} take {ratio:.2f}x the seconds of drafts {drafts[0]}")


if __name__ == "__main__":
    main()
