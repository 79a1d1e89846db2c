"""SMT with z3: a Python program using z3, or an SMT-LIB 2 script.

Both run through the Python harness in the sandbox with ``_smtkit.py``'s source as the
prelude: a global z3 timeout derived from the limits, and checks that raise on
``unknown`` so it is reported as ``unknown`` (with z3's reason), never as sat or unsat.
"""

from __future__ import annotations

import importlib.util
import re

from backends._solverkit import kit_source, run_prelude_program, solver_seconds
from backends.base import Backend
from backends.python import assign_printed_answer
from backends.result import ErrorKind, ExecResult, Limits

_SMTLIB_START = re.compile(r"\A(?:\s*;[^\n]*\n)*\s*\(")
WARM_IMPORTS = ("z3",)


def is_smtlib(program: str) -> bool:
    """The first thing after comments (``;``) and blank lines is ``(``: SMT-LIB."""
    return bool(_SMTLIB_START.match(program))


def timeout_ms(limits: Limits) -> int:
    return int(solver_seconds(limits) * 1000)


def prelude(limits: Limits) -> str:
    """The kit (guarded checks, SMT-LIB), started with this run's timeout, then z3's names."""
    return f"{kit_source('_smtkit.py')}\nconfigure({timeout_ms(limits)})\nfrom z3 import *\n"


class SmtBackend(Backend):
    name = "smt"
    description = (
        "SMT with z3 (Python API or SMT-LIB 2): objects in an order or arrangement "
        "('X is left of Y', 'finished above'), which option must be true, first-order "
        "premises with either/or, no/some (True/False/Uncertain), integer constraints, "
        "scheduling, optimisation."
    )
    languages = ("python", "smt2", "smtlib", "smt", "z3")
    answer_checks = ("undetermined_between_true_and_false",)
    """A program over facts and rules that leaves a True-or-False statement undetermined lost a link."""
    convention = (
        "Write Python using z3 (`from z3 import *` is done for you): declare variables "
        "(`Int('x')`, `Bool('p')`, `Real('r')`), add constraints to `s = Solver()` (or "
        "`Optimize()`), call `s.check()`, read `s.model()` and assign the result to "
        "`answer` (convert values, e.g. `m[x].as_long()`). Every check has a timeout; a "
        "check that gives up ends the run as `unknown`, and `model()` after `unsat` ends "
        "it as `unsat`, so test `s.check() == sat` when unsat is a possible answer. "
        "Alternatively give an SMT-LIB 2 script; its output (e.g. `sat` and the "
        "`(get-value ...)` results) is the answer."
    )
    open_examples_first = True
    """Open puzzles ("Who sits at the left end?") shown the multiple-choice examples first
    wrote an options table and answered a letter (docs/backends.md, smt)."""

    def availability(self) -> str | None:
        if importlib.util.find_spec("z3") is None:
            return "install z3-solver: pip install 'reasoner[symbolic]'"
        return None

    def prepare(self, program: str) -> str:
        """A Python program that prints its result instead of setting ``answer`` is fixed."""
        return program if is_smtlib(program) else assign_printed_answer(program)

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        limits = limits or Limits()
        missing = self.availability()
        if missing:
            return ExecResult.failure(ErrorKind.unavailable, missing)
        if is_smtlib(program):
            program = f"answer = run_smtlib({program!r})\n"
        return run_prelude_program(self.sandbox, program, limits, prelude(limits), WARM_IMPORTS)
