"""Trusted prelude of the ``sat`` backend: its source runs inside the sandbox, first.

The host passes this file's text as the prelude (the sandboxed interpreter does not
import the ``backends`` package), so it is self-contained: it defines the exceptions
that ``backends._solverkit.remap`` recognises by name.

* Every pysat solver's ``solve()`` becomes time-budgeted: it runs ``solve_limited``
  under growing conflict budgets until the run's deadline, then raises
  ``SolverUnknown``, so a hard instance ends as ``unknown`` instead of a hang. No
  thread is used (``interrupt()`` would need one).
* ``run_dimacs`` solves a DIMACS CNF text: ``SAT: <model>`` or ``UNSAT``.
"""

from __future__ import annotations

import sys as _sys
import time as _time
from collections.abc import Callable, Iterable
from typing import Any

from pysat import solvers as _solvers


class SolverUnknown(Exception):
    """The solver's budget ran out: neither SAT nor UNSAT may be claimed."""


class ProgramSyntaxError(Exception):
    """A DIMACS text the parser rejects."""


_deadline: float | None = None
_budget_seconds = 0.0
_FIRST_STEP = 1_000
_FAST_ROUND = 0.05


def configure(seconds: float) -> None:
    """Start the run's solving budget: all ``solve()`` calls together get ``seconds``."""
    global _deadline, _budget_seconds
    _budget_seconds = seconds
    _deadline = _time.monotonic() + seconds


def budgeted_solve(solver: Any, assumptions: Iterable[int] = ()) -> bool:
    """``solver.solve(assumptions)`` within the run's deadline, else ``SolverUnknown``."""
    original: Callable[..., bool] = _ORIGINAL[type(solver)]
    if _deadline is None:
        return original(solver, assumptions=list(assumptions))
    assumptions = list(assumptions)
    step = _FIRST_STEP
    while True:
        if _time.monotonic() >= _deadline:
            raise SolverUnknown(
                f"the SAT solver's {_budget_seconds:g} s budget ran out before it found a "
                "model or proved unsatisfiability; simplify the encoding or the instance"
            )
        started = _time.monotonic()
        try:
            solver.conf_budget(step)
            result = solver.solve_limited(assumptions=assumptions)
        except NotImplementedError:  # e.g. Lingeling: no limited solving; the wall clock rules
            return original(solver, assumptions=assumptions)
        if result is not None:
            solver.conf_budget(-1)
            return bool(result)
        if _time.monotonic() - started < _FAST_ROUND:
            step *= 2


def _budgeted(cls: type) -> Callable[..., bool]:
    def solve(self: Any, assumptions: Iterable[int] = ()) -> bool:
        return budgeted_solve(self, assumptions)

    solve.__doc__ = f"{cls.__name__}.solve with the run's time budget (see backends._satkit)."
    return solve


_ORIGINAL: dict[type, Callable[..., bool]] = {}


def _patch() -> None:
    for value in list(vars(_solvers).values()):
        if (
            isinstance(value, type)
            and value is not _solvers.Solver
            and callable(getattr(value, "solve_limited", None))
            and callable(getattr(value, "conf_budget", None))
            and value not in _ORIGINAL
        ):
            _ORIGINAL[value] = value.solve  # type: ignore[attr-defined]
            value.solve = _budgeted(value)  # type: ignore[attr-defined]


_patch()


# --------------------------------------------------------------------------- DIMACS


def parse_dimacs(text: str) -> tuple[int, list[list[int]]]:
    """The declared number of variables and the clauses; ``ProgramSyntaxError`` if malformed."""
    declared: int | None = None
    clauses: list[list[int]] = []
    current: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("c"):
            continue
        if line.startswith("%"):  # SATLIB files end with "%\n0"
            break
        if line.startswith("p"):
            fields = line.split()
            if declared is not None:
                raise ProgramSyntaxError(f"line {number}: a second 'p cnf' header")
            if len(fields) != 4 or fields[1] != "cnf" or not all(
                f.isdigit() for f in fields[2:]
            ):
                raise ProgramSyntaxError(
                    f"line {number}: the header must read 'p cnf <variables> <clauses>', "
                    f"got {line!r}"
                )
            declared = int(fields[2])
            continue
        if declared is None:
            raise ProgramSyntaxError(f"line {number}: clauses before the 'p cnf' header")
        for token in line.split():
            try:
                literal = int(token)
            except ValueError:
                raise ProgramSyntaxError(
                    f"line {number}: {token!r} is not an integer literal"
                ) from None
            if literal == 0:
                clauses.append(current)
                current = []
            else:
                current.append(literal)
    if declared is None:
        raise ProgramSyntaxError("no 'p cnf <variables> <clauses>' header")
    if current:
        print("c warning: the last clause has no terminating 0", file=_sys.stderr)
        clauses.append(current)
    return declared, clauses


def run_dimacs(text: str) -> str:
    """Solve a DIMACS CNF: ``SAT: 1 -2 3`` (every variable, in order) or ``UNSAT``."""
    declared, clauses = parse_dimacs(text)
    used = max((abs(lit) for clause in clauses for lit in clause), default=0)
    if used > declared:
        print(f"c warning: variable {used} exceeds the {declared} declared", file=_sys.stderr)
    n_vars = max(declared, used)
    with _solvers.Solver(name="cadical153") as solver:
        for clause in clauses:
            if not clause:
                return "UNSAT"
            solver.add_clause(clause)
        if not solver.solve():
            return "UNSAT"
        values = set(solver.get_model() or [])
    model = [v if v in values else -v for v in range(1, n_vars + 1)]
    return "SAT: " + " ".join(map(str, model)) if model else "SAT"
