"""One question per process, as `reasoner ask` is used: with and without prefix states on disk.

    python -m research.benchmarks.fresh_process [--repeats 3] [--model SPEC] [-M key=value ...]

Each run is a new `reasoner ask --json` process (model load included, as a user waits
for it). Runs alternate between `-M prefix_cache_disk=false` (the k-shot prefix is
evaluated in every process) and the default (it is restored from the states an earlier
process left on disk; one unmeasured run per question saves them first), so both see
the same machine load. Prints per question the median wall seconds, model seconds and
prompt tokens not evaluated, and the ratio of the medians; answers must agree, and the
sizes of the prefix state files each question used.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

QUESTIONS = (
    "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
    "Tweety is a bird. Every bird has feathers. Does Tweety have feathers?",
    "Solve for x: 3x + 7 = 22.",
)
"""One per routed backend family a user meets first (python, prolog, sympy)."""

MODES = {"disk off": ["-M", "prefix_cache_disk=false"], "disk on": []}


def ask(question: str, extra: list[str]) -> dict:
    """One fresh `reasoner ask --json` process: its wall seconds and its Solution."""
    command = [str(Path(sys.executable).with_name("reasoner")), "ask", "--json", *extra, question]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    solution = json.loads(done.stdout)
    return {"wall": wall, "model": solution["usage"]["model_seconds"],
            "cached": solution["usage"]["cached_prompt_tokens"], "prompt": solution["usage"]["prompt_tokens"],
            "answer": solution["answer"], "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per question and mode")
    parser.add_argument("--model", default=None, help="provider/name (default: the catalog default)")
    parser.add_argument("-M", "--model-option", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    common = (["--model", args.model] if args.model else []) + [
        arg for option in args.model_option for arg in ("-M", option)
    ]
    console = Console(width=None if sys.stdout.isatty() else 110)  # wide enough when piped to a file
    table = Table(title=f"fresh `reasoner ask` processes, medians of {args.repeats}")
    for column in ("question", "mode", "wall s", "model s", "cached / prompt tokens", "answer", "load"):
        table.add_column(column, justify="left" if column in ("question", "mode", "answer") else "right")
    ratios = []
    for question in QUESTIONS:
        started = time.time()
        ask(question, common)  # leaves this question's prefix states on disk
        runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
        for _ in range(args.repeats):
            for mode, extra in MODES.items():
                runs[mode].append(ask(question, common + extra))
        for mode, rows in runs.items():
            table.add_row(
                question[:40], mode,
                f"{statistics.median(r['wall'] for r in rows):.1f}",
                f"{statistics.median(r['model'] for r in rows):.1f}",
                f"{statistics.median(r['cached'] for r in rows):.0f} / {rows[0]['prompt']}",
                ", ".join(sorted({str(r['answer']) for r in rows})),
                f"{statistics.median(r['load'] for r in rows):.1f}",
            )
        off, on = (statistics.median(r["wall"] for r in runs[mode]) for mode in MODES)
        ratios.append(off / on)
        same = {str(r["answer"]) for r in runs["disk off"]} == {str(r["answer"]) for r in runs["disk on"]}
        console.print(f"{question[:40]}: disk off / disk on = {off / on:.2f}x wall; same answers: {same}; "
                      f"prefix states used: {states_used_since(started)}")
    console.print(table)
    console.print(f"median speed-up over the questions: {statistics.median(ratios):.2f}x wall")


def states_used_since(started: float) -> str:
    """Sizes of the prefix state files read or written since ``started`` (reads touch them)."""
    from reasoner import paths
    from reasoner.models.state_store import SUFFIX

    stats = [path.stat() for path in paths.state_store().glob(f"*/*{SUFFIX}")]
    sizes = sorted((stat.st_size for stat in stats if stat.st_mtime >= started), reverse=True)
    return ", ".join(f"{size / 1e6:.1f} MB" for size in sizes) or "none"


if __name__ == "__main__":
    main()
