"""The interface every execution backend implements.

A backend is one module with one class: a name, a one-line description the router
reads, the fence languages it accepts, and ``run(program, limits)``. Everything else
has a default. Its programs run in the ``Sandbox`` its owner gives it (one it makes and
closes itself when given none), so no backend holds a process-wide pool.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import ClassVar, TypeAlias

from backends.result import ExecResult, Limits
from backends.sandbox import Sandbox

CheckSpec: TypeAlias = str | Callable[[str, str, Sequence[str] | None], str | None]
"""An answer check a backend names: a name in ``reasoner.checks.CHECKS``, or a function
``(value, question, choices) -> reason | None``."""


class Backend(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    languages: ClassVar[tuple[str, ...]]
    convention: ClassVar[str] = ""
    """How a program for this backend reports its answer; shown to the model."""
    examples_file: ClassVar[str | None] = None
    """Path to this backend's few-shot YAML; None means ``fewshot/<name>.yaml`` of this project.
    A backend shipped in its own package points this at a file beside its module."""
    open_examples_first: ClassVar[bool] = False
    """Show a question that offers no options the file's examples without options first.

    Off unless measured to help: for smt, open puzzles shown multiple-choice examples
    got an invented options table and a letter for an answer."""
    answer_checks: ClassVar[tuple[CheckSpec, ...]] = ()
    """Checks on a program's value beyond the general ones, run by the pipeline: names of
    checks in ``reasoner.checks.CHECKS``, or functions ``(value, question, choices) -> str | None``
    returning why the value cannot answer (see ``reasoner/checks.py``)."""

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self._owns_sandbox = sandbox is None
        self.sandbox = sandbox if sandbox is not None else Sandbox()
        """Where this backend's programs run (``backends.pyrun.run_python_program`` for Python)."""

    @abstractmethod
    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        """Run ``program`` isolated, within ``limits``, and report what it produced."""

    def prepare(self, program: str) -> str:
        """Fix what small models get wrong in this language before running (default: nothing)."""
        return program

    def availability(self) -> str | None:
        """None when the backend can run here, else what to install."""
        return None

    def close(self) -> None:
        """Close the sandbox if this backend made it; a sandbox given to it is its owner's."""
        if self._owns_sandbox:
            self.sandbox.close()
