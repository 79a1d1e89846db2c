"""SAT with python-sat: a Python program that builds CNF (cardinality via pysat.card), or DIMACS.

Both forms run through the Python harness in the sandbox. A Python program gets pysat
imported and every solver's ``solve()`` time-budgeted (the prelude ``_satkit.py``); a
DIMACS text is handed, as a string literal, to the prelude's solving routine. Either way a hard
instance ends as ``unknown`` rather than a hang.
"""

from __future__ import annotations

import importlib.util
import re

from backends._solverkit import kit_source, run_prelude_program, solver_seconds
from backends.base import Backend
from backends.python import assign_printed_answer
from backends.result import ErrorKind, ExecResult, Limits

_DIMACS_HEADER = re.compile(r"^\s*p\s+cnf\b", re.MULTILINE)
_PYTHON_HINTS = re.compile(r"^\s*(import|from|def|class|for|while|if|answer)\b", re.MULTILINE)
_DIMACS_LINE = re.compile(r"\s*(?:c(?:\s.*)?|%.*|-?\d+(?:\s+-?\d+)*)?\s*")
_IMPORTS = (
    "from pysat.formula import CNF, IDPool\n"
    "from pysat.card import CardEnc, EncType\n"
    "from pysat.solvers import Solver, Cadical153, Glucose4, Minisat22, Minicard\n"
)
WARM_IMPORTS = ("pysat.formula", "pysat.card", "pysat.solvers")


def is_dimacs(program: str) -> bool:
    """DIMACS: a ``p cnf`` header and no Python statements, or nothing but integer lines.

    The second case (a header forgotten) goes to the DIMACS parser too, whose error
    names the missing header instead of a Python syntax error.
    """
    if _DIMACS_HEADER.search(program):
        return not _PYTHON_HINTS.search(program)
    lines = program.splitlines()
    terminated = any(line.split()[-1:] == ["0"] for line in lines)
    return terminated and all(_DIMACS_LINE.fullmatch(line) for line in lines)


def prelude(limits: Limits) -> str:
    """The kit (budgeted solve, DIMACS), started with this run's budget, then the imports."""
    return f"{kit_source('_satkit.py')}\nconfigure({solver_seconds(limits)!r})\n{_IMPORTS}"


class SatBackend(Backend):
    name = "sat"
    description = (
        "Boolean satisfiability with python-sat (or DIMACS CNF): puzzles and combinatorial "
        "constraints over yes/no choices, e.g. Sudoku, graph colouring, exactly-one and "
        "at-most-k puzzles, pigeonhole."
    )
    languages = ("python", "dimacs", "cnf")
    convention = (
        "Write Python using python-sat; `CNF`, `IDPool`, `CardEnc`, `EncType` and `Solver` "
        "are already imported. Variables are positive ints (use `IDPool().id(name)`), a "
        "clause is a list of non-zero ints, e.g. [1, -2]. Use "
        "`CardEnc.equals(lits=..., bound=1, vpool=pool)` for exactly-one. "
        "`solver.solve()` has a time budget: if it runs out the run ends as `unknown`. "
        "Decode the model (`solver.get_model()`) and assign the result to `answer`. "
        "Alternatively give a DIMACS CNF text (`p cnf <vars> <clauses>` header); its result "
        "is `SAT: <model>` or `UNSAT`."
    )

    def availability(self) -> str | None:
        if importlib.util.find_spec("pysat") is None:
            return "install python-sat: pip install 'reasoner[symbolic]'"
        return None

    def prepare(self, program: str) -> str:
        """A Python program that prints its result instead of setting ``answer`` is fixed."""
        return program if is_dimacs(program) else assign_printed_answer(program)

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        limits = limits or Limits()
        missing = self.availability()
        if missing:
            return ExecResult.failure(ErrorKind.unavailable, missing)
        if is_dimacs(program):
            program = f"answer = run_dimacs({program!r})\n"
        return run_prelude_program(self.sandbox, program, limits, prelude(limits), WARM_IMPORTS)
