"""Host side of the solver backends: preludes, budgets, and solver errors' own kinds.

The trusted preludes (``_satkit.py``, ``_smtkit.py``) run inside the sandbox before the
program and raise ``SolverUnknown``, ``Unsatisfiable`` or ``ProgramSyntaxError`` (e.g.
when a check returns ``unknown``). The Python harness reports every uncaught exception
as a ``runtime`` error ending in ``Class: message``; ``remap`` gives the ones named here
their own error kinds. A program can raise them itself, but that only forges an
error, never an answer.

A z3 exception's traceback goes back without the source lines the harness adds to
every frame: shown the failing line, the model patches that line (a ``Distinct`` over
strings stays over strings) and fails the same way again; without it, more repairs
run (measured in results/followup/traceback-source/plan.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from backends.pyrun import run_python_program
from backends.result import ErrorKind, ExecError, ExecResult, Limits
from backends.sandbox import Sandbox

_KINDS = {
    "SolverUnknown": ErrorKind.unknown,
    "Unsatisfiable": ErrorKind.unsat,
    "ProgramSyntaxError": ErrorKind.syntax,
}
_MARKER = re.compile(rf"^(?:[\w.]+\.)?(?P<name>{'|'.join(_KINDS)})(?::|$)")
_HINTS = {
    "non-zero integer expected": (
        "a clause or cardinality constraint contains the literal 0 (or a non-integer). "
        "In pysat a clause is a list of non-zero ints such as [1, -2]; DIMACS's "
        "terminating 0 is not written"
    ),
}
_FRAME = re.compile(r'^\s*File "<program>", line \d+')
_SOURCE = re.compile(r"^ {4}")
"""Python indents a frame's source line, and the ^~ marks under it, by four spaces."""
_Z3_EXCEPTION = re.compile(r"^(?:z3\.)?(?:z3types\.)?Z3Exception\b")


@cache
def kit_source(filename: str) -> str:
    """The text of a trusted prelude module that sits next to this file."""
    return Path(__file__).with_name(filename).read_text(encoding="utf-8")


def solver_seconds(limits: Limits) -> float:
    """The solver's own budget: inside the sandbox's limits, so it ends as ``unknown``."""
    return round(max(0.1, min(limits.wall_seconds, limits.cpu_seconds) * 0.8 - 0.3), 3)


def run_prelude_program(
    sandbox: Sandbox, program: str, limits: Limits, prelude: str, warm_imports: tuple[str, ...]
) -> ExecResult:
    """Run a Python program after a trusted prelude (warm when the sandbox keeps workers)."""
    result = run_python_program(sandbox, program, limits, prelude=prelude, warm_imports=warm_imports)
    return remap(result)


def without_source_lines(traceback: str) -> str:
    """A program traceback with each frame's source line (and its ^~ marks) taken out."""
    kept: list[str] = []
    in_frame = False
    for line in traceback.splitlines():
        if _FRAME.match(line):
            in_frame = True
        elif in_frame and _SOURCE.match(line):
            continue
        else:
            in_frame = False
        kept.append(line)
    return "\n".join(kept)


def remap(result: ExecResult) -> ExecResult:
    """Give solver outcomes raised as exceptions their own error kind and a clean message."""
    error = result.error
    if error is None or error.kind is not ErrorKind.runtime:
        return result
    lines = error.message.splitlines()
    for index, line in enumerate(lines):
        match = _MARKER.match(line)
        if match:
            kind = _KINDS[match.group("name")]
            rest = [line[match.end():], *lines[index + 1:]]
            message = "\n".join(rest).strip() or kind.value
            return result.model_copy(update={"error": ExecError(kind=kind, message=message)})
    message = error.message
    if lines and _Z3_EXCEPTION.match(lines[-1]):
        message = without_source_lines(message)
    for needle, hint in _HINTS.items():
        if needle in message:
            message = f"{message}\nHint: {hint}"
            break
    if message == error.message:
        return result
    return result.model_copy(update={"error": ExecError(kind=error.kind, message=message)})
