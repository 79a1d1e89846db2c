"""Where a question's time goes: the model, the program's execution, everything else.

    python -m research.benchmarks.pipeline_overhead [--model SPEC] [-M key=value ...] [--questions 20]
        [--data-dir DIR] [--shots K] [--compare] [--json]

One process, the model loaded once, the pipeline with its defaults (``Reasoner``: rules
router, k=4) answering the first GSM8K test questions. Per question: total seconds, model
seconds (inside ``generate``; the prefix cache's own bookkeeping, rendering prompts to find
the prefix and saving or restoring states, is shown on its own), execution seconds (the
sandboxed runs), and everything else (routing, prompts, extraction, records). Target:
everything else under 5% of the total.

``--compare`` loads a second engine with ``-M prefix_cache=false`` and answers each
question with both, alternating which goes first, so both see the same machine load:
median seconds per question without and with prefix reuse, and whether every answer is
identical (the cache must not change answers).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evals.scoring import score_number
from reasoner.cli.common import parse_model_options
from reasoner.models import ModelEngine, get_model
from reasoner.pipeline import Reasoner
from reasoner.types import Solution
from research.benchmarks.prefix_cache import load, load_gsm8k
from research.routing.labelled import resolve_data_dir

TARGET_OTHER = 0.05


class PrefixTimer:
    """Seconds an engine spends rendering prompts to find prefixes and saving or restoring
    their states: the cache's own cost (evaluating a new prefix is model work, not this)."""

    METHODS = ("_render", "_load", "_save")

    def __init__(self, engine: ModelEngine) -> None:
        self.seconds = 0.0
        for name in self.METHODS:
            inner: Callable[..., Any] | None = getattr(engine, name, None)
            if inner is not None:
                setattr(engine, name, self._timed(inner))

    def _timed(self, inner: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="provider/name (default: the catalog default)")
    parser.add_argument("-M", "--model-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $REASONER_DATA_DIR")
    parser.add_argument("--shots", type=int, default=None, help="k (default: the Reasoner's)")
    parser.add_argument("--compare", action="store_true",
                        help="also answer with -M prefix_cache=false and compare")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()

    console = Console()
    questions = load_gsm8k(resolve_data_dir(args.data_dir), args.questions)
    options = parse_model_options(tuple(args.model_option))
    engines = {"cache": get_model(args.model, options)}
    if args.compare:
        engines["no cache"] = get_model(args.model, {**options, "prefix_cache": "false"})
    console.print(f"{engines['cache'].id}, {len(questions)} questions, load {load()}")
    shots = {} if args.shots is None else {"shots": args.shots}
    reasoners = {name: Reasoner(model=engine, **shots) for name, engine in engines.items()}
    timer = PrefixTimer(engines["cache"])
    rows: list[dict[str, Any]] = []
    try:
        for index, (question, gold) in enumerate(questions, 1):
            order = list(reasoners) if index % 2 else list(reversed(reasoners))
            for name in order:
                solution = reasoners[name].solve(question)
                rows.append(_row(index, name, solution, gold, timer.take()))
    finally:
        for engine in engines.values():
            engine.close()
    _overhead(console, [r for r in rows if r["engine"] == "cache"])
    if args.compare:
        _compare(console, rows)
    if args.json:
        print(json.dumps(rows))


def _row(index: int, engine: str, solution: Solution, gold: str, prefix_seconds: float) -> dict[str, Any]:
    usage = solution.usage
    other = usage.total_seconds - usage.model_seconds - usage.exec_seconds
    return {
        "question": index, "engine": engine, "answer": solution.answer,
        "correct": score_number(solution.answer, gold), "backend": solution.backend,
        "attempts": len(solution.attempts), "calls": usage.model_calls,
        "prompt": usage.prompt_tokens, "cached": usage.cached_prompt_tokens,
        "completion": usage.completion_tokens,
        "total": usage.total_seconds, "model": usage.model_seconds, "exec": usage.exec_seconds,
        "other": other, "prefix": prefix_seconds, "load": load(),
        "completions": [a.completion for a in solution.attempts],
        "value": solution.attempts[-1].result.value if solution.attempts else None,
    }


def _overhead(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Seconds per question (prefix reuse on)")
    for column in ("#", "backend", "calls", "total", "model", "of which cache", "exec",
                   "other", "other %", "load"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            str(r["question"]), str(r["backend"]), str(r["calls"]), f"{r['total']:.2f}",
            f"{r['model']:.2f}", f"{r['prefix']:.3f}", f"{r['exec']:.3f}", f"{r['other']:.3f}",
            f"{r['other'] / r['total']:.2%}", r["load"],
        )
    total = sum(r["total"] for r in rows)
    sums = {k: sum(r[k] for r in rows) for k in ("model", "prefix", "exec", "other")}
    table.add_row("sum", "", str(sum(r["calls"] for r in rows)), f"{total:.1f}",
                  f"{sums['model']:.1f}", f"{sums['prefix']:.2f}", f"{sums['exec']:.2f}",
                  f"{sums['other']:.2f}", f"{sums['other'] / total:.2%}", load())
    console.print(table)
    share = sums["other"] / total
    console.print(
        f"model {sums['model'] / total:.1%} (prefix-cache bookkeeping {sums['prefix'] / total:.2%}), "
        f"execution {sums['exec'] / total:.1%}, everything else {share:.2%}: target < "
        f"{TARGET_OTHER:.0%} {'met' if share < TARGET_OTHER else 'NOT met'}"
    )


def _compare(console: Console, rows: list[dict[str, Any]]) -> None:
    by = {name: [r for r in rows if r["engine"] == name] for name in ("no cache", "cache")}
    table = Table(title="Without and with prefix reuse, same questions, same run")
    for column in ("", "median s/question", "mean s/question", "prompt tokens", "cached",
                   "accuracy"):
        table.add_column(column, justify="right")
    medians = {}
    for name, mine in by.items():
        medians[name] = statistics.median(r["total"] for r in mine)
        table.add_row(
            name, f"{medians[name]:.2f}", f"{statistics.mean(r['total'] for r in mine):.2f}",
            str(sum(r["prompt"] for r in mine)), str(sum(r["cached"] for r in mine)),
            f"{sum(r['correct'] for r in mine)}/{len(mine)}",
        )
    console.print(table)
    same = sum(a["answer"] == b["answer"] for a, b in zip(by["no cache"], by["cache"], strict=True))
    differ = [a["question"] for a, b in zip(by["no cache"], by["cache"], strict=True)
              if a["answer"] != b["answer"]]
    console.print(
        f"speed-up (median) {medians['no cache'] / medians['cache']:.2f}x; identical answers "
        f"{same}/{len(by['cache'])}{'' if not differ else f' (differ: {differ})'}; load {load()}"
    )


if __name__ == "__main__":
    main()
