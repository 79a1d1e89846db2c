"""Records every backend returns: what a program produced and how it failed.

Kept free of engine imports so that ``backends`` stays below ``reasoner`` in the
import graph (CLI -> engine -> backends).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ErrorKind(StrEnum):
    """Why a program did not produce an answer."""

    syntax = "syntax"
    runtime = "runtime"
    timeout = "timeout"
    memory = "memory"
    output_limit = "output_limit"
    crash = "crash"
    denied = "denied"
    no_answer = "no_answer"
    unsat = "unsat"
    unknown = "unknown"
    unavailable = "unavailable"
    runaway = "runaway"

    @property
    def recoverable(self) -> bool:
        """True when the program is at fault, so the model may be asked to repair it.

        The terminal kind (``unavailable``) means the engine or the sandbox
        failed; showing them to the model cannot help.
        """
        return self not in _TERMINAL


_TERMINAL = frozenset({ErrorKind.unavailable})


class ExecError(BaseModel):
    kind: ErrorKind
    message: str = Field(description="Short, model-readable explanation (trimmed).")

    @property
    def recoverable(self) -> bool:
        return self.kind.recoverable


class ExecResult(BaseModel):
    """The outcome of one program run in one backend."""

    ok: bool
    value: str | None = Field(None, description="The answer the program reported, as text.")
    stdout: str = ""
    stderr: str = ""
    error: ExecError | None = None
    elapsed_ms: float = 0.0
    extra: dict[str, str] = Field(
        default_factory=dict,
        description="Backend-specific renderings of the value (e.g. 'latex').",
    )

    @classmethod
    def failure(
        cls, kind: ErrorKind, message: str, *, stdout: str = "", stderr: str = "",
        elapsed_ms: float = 0.0,
    ) -> ExecResult:
        return cls(
            ok=False, stdout=stdout, stderr=stderr, elapsed_ms=elapsed_ms,
            error=ExecError(kind=kind, message=message),
        )


class Limits(BaseModel):
    """Hard limits for one run. Defaults suit a small word problem on a laptop."""

    wall_seconds: float = Field(10.0, gt=0, description="Wall-clock limit; the process group is killed.")
    cpu_seconds: float = Field(10.0, gt=0, description="CPU-time limit.")
    memory_mb: int = Field(1024, gt=0, description="Address-space limit.")
    output_bytes: int = Field(64_000, gt=0, description="Cap on each of stdout and stderr.")
    file_mb: int = Field(16, gt=0, description="Largest file the program may write.")
