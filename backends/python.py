"""Plain Python: arithmetic word problems, rates, dates, counting."""

from __future__ import annotations

import re

from backends.base import Backend
from backends.pyrun import run_python_program
from backends.result import ExecResult, Limits

_PRINT_CALL = re.compile(r"^print\((?P<expr>.+)\)\s*$")
_ASSIGNS_ANSWER = re.compile(r"^\s*answer\s*(=|:)", re.MULTILINE)


def assign_printed_answer(program: str) -> str:
    """If a Python program never assigns ``answer`` but ends by printing, assign that.

    Only the last top-level ``print(expr)`` is rewritten, and only when ``answer`` is
    never assigned, so correct programs are left untouched.
    """
    if _ASSIGNS_ANSWER.search(program):
        return program
    lines = program.rstrip().splitlines()
    for index in range(len(lines) - 1, -1, -1):
        match = _PRINT_CALL.match(lines[index])
        if match:
            lines[index] = f"answer = {match.group('expr')}"
            return "\n".join(lines) + "\n"
        if lines[index].strip() and not lines[index].startswith((" ", "\t", "#")):
            break
    return program


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

    def prepare(self, program: str) -> str:
        return assign_printed_answer(program)
