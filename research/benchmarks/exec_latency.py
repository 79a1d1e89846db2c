"""Milliseconds per trivial program, per backend: cold (fresh sandbox) against warm (pool).

    python -m research.benchmarks.exec_latency [--runs 50] [--backend NAME ...] [--json]

Each timing is the wall-clock time of ``Backend.run`` as the pipeline sees it, sandbox
set-up and result mapping included. Cold runs set ``REASONER_POOL=0``: a fresh sandboxed
interpreter per program. Warm runs reuse the pool; the first warm run (supervisor start,
imports, warm-ups) is reported on its own and left out of the statistics (a backend
without a pool shows no speed-up, not an error). Prolog's
warm supervisor embeds libswipl (initialised once from the runner's saved state) and
forks a child per program; cold, it starts one ``swipl`` per program.
Target: warm median under 20 ms for every backend.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

from rich.console import Console
from rich.table import Table

from backends import Limits
from research.common import loaded_backend

TARGET_MS = 20.0
TRIVIAL: dict[str, list[tuple[str, str, str]]] = {
    # backend: [(label, program, expected value)]
    "python": [("python", "answer = 6 * 7", "42")],
    "sympy": [
        ("sympy", "answer = Rational(1, 3) + Rational(1, 6)", "1/2"),
        ("sympy solve", "x = symbols('x')\nanswer = solve(x**2 - 4, x)", "[-2, 2]"),
    ],
    "prolog": [("prolog", "solve(X) :- X is 6 * 7.", "42")],
    "sat": [("sat", "p cnf 2 2\n1 2 0\n-1 0\n", "SAT: -1 2")],
    "smt": [("smt", "x = Int('x')\ns = Solver()\ns.add(6 * x == 42)\ns.check()\n"
                    "answer = s.model()[x]", "7")],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def time_runs(backend_name: str, program: str, expected: str, runs: int, warm: bool) -> dict:
    os.environ["REASONER_POOL"] = "1" if warm else "0"
    limits = Limits()
    times: list[float] = []
    first_ms = None
    with loaded_backend(backend_name) as backend:
        for index in range(runs + (1 if warm else 0)):
            started = time.perf_counter()
            result = backend.run(program, limits)
            elapsed = (time.perf_counter() - started) * 1000
            if not result.ok or result.value != expected:
                raise SystemExit(f"{backend_name}: unexpected result {result!r}")
            if warm and index == 0:
                first_ms = elapsed
                continue
            times.append(elapsed)
    return {
        "median_ms": statistics.median(times), "p95_ms": percentile(times, 0.95),
        "runs": len(times), "first_ms": first_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per mode (>= 50)")
    parser.add_argument("--backend", action="append", help="only these backends")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead")
    args = parser.parse_args()
    console = Console()
    # What `reasoner backends` reports: each backend's availability, and the isolation level.
    listed = subprocess.run(["reasoner", "backends", "--json"], capture_output=True, text=True, check=True).stdout
    backends = {row["name"]: row for row in map(json.loads, listed.splitlines()) if row}
    level = next(iter(backends.values()), {}).get("isolation", "?")
    rows = []
    for name in args.backend or list(backends):
        row = backends.get(name, {"available": False, "status": "not installed"})
        programs = TRIVIAL.get(name)
        if not row["available"] or not programs:
            reason = row.get("status") if not row["available"] else "no trivial program defined for this backend"
            console.print(f"[yellow]skipping {name}: {reason}[/]")
            continue
        for label, program, expected in programs:
            cold = time_runs(name, program, expected, args.runs, warm=False)
            warm = time_runs(name, program, expected, args.runs, warm=True)
            rows.append({"backend": label, "cold": cold, "warm": warm})
            if args.json:
                print(json.dumps(rows[-1]))
    if args.json:
        return
    table = Table(title=f"exec latency, ms per trivial program ({level}, {args.runs} runs)")
    for column in ("backend", "cold median", "cold p95", "warm median", "warm p95",
                   "warm start", f"warm < {TARGET_MS:g} ms"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    for row in rows:
        cold, warm = row["cold"], row["warm"]
        ok = warm["median_ms"] < TARGET_MS
        table.add_row(
            row["backend"],
            f"{cold['median_ms']:.1f}", f"{cold['p95_ms']:.1f}",
            f"{warm['median_ms']:.1f}", f"{warm['p95_ms']:.1f}",
            f"{warm['first_ms']:.0f}",
            "[green]yes[/]" if ok else "[red]no[/]",
        )
    console.print(table)


if __name__ == "__main__":
    main()
