"""Plain Python: arithmetic word problems, rates, dates, counting."""

from __future__ import annotations

from backends.base import Backend
from backends.pyrun import run_python_program
from backends.result import ExecResult, Limits


class PythonBackend(Backend):
    name = "python"
    description = "Plain Python for arithmetic word problems: rates, percentages, dates, counting."
    languages = ("python", "py", "python3")
    convention = (
        "Write a self-contained Python 3 program that computes the result and assigns it "
        "to a variable named `answer`."
    )

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        return run_python_program(program, limits or Limits())
