"""SymPy: algebra, equations, calculus, exact arithmetic with rationals and roots.

A Python program with ``from sympy import *`` done for it, run through the Python
harness in the sandbox. The host never parses model text with ``sympify`` (which is
``eval``); the answer comes back as text, plus LaTeX when it is a SymPy object.
"""

from __future__ import annotations

import importlib.util

from backends._solverkit import run_prelude_program
from backends.base import Backend
from backends.python import assign_answer
from backends.result import ErrorKind, ExecResult, Limits

PRELUDE = "from sympy import *\n"
WARM_IMPORTS = ("sympy",)


class SympyBackend(Backend):
    name = "sympy"
    description = (
        "SymPy for exact symbolic math: equations and systems, algebra, calculus, "
        "number theory, exact fractions and radicals."
    )
    languages = ("python", "sympy", "py")
    convention = (
        "Write Python using SymPy (`from sympy import *` is done for you): declare "
        "symbols with `symbols('x y')`, build equations with `Eq(lhs, rhs)`, use "
        "`solve`, `simplify`, `integrate`, `Rational(1, 3)` for exact fractions (not 1/3). "
        "Assign the result to `answer`; keep it exact (a number, an expression, a "
        "solution dict or a set) unless the question asks for a decimal."
    )

    def availability(self) -> str | None:
        if importlib.util.find_spec("sympy") is None:
            return "install sympy: pip install 'reasoner[symbolic]'"
        return None

    def prepare(self, program: str) -> str:
        """A program that prints its result, or leaves it in its last variable, sets ``answer``."""
        return assign_answer(program)

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        limits = limits or Limits()
        missing = self.availability()
        if missing:
            return ExecResult.failure(ErrorKind.unavailable, missing)
        return run_prelude_program(self.sandbox, program, limits, PRELUDE, WARM_IMPORTS)
