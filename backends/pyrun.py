"""Shared by backends whose programs are Python: run through the Python worker, map the outcome.

Warm by default: a worker that has imported ``warm_imports`` forks a sandboxed child per
program. ``REASONER_POOL=0`` (or a sandbox made with ``warm=False``) runs each program
in a fresh sandboxed interpreter instead, which is also the fallback when a warm worker
cannot start. A third-party backend runs its Python the same way:
``run_python_program(self.sandbox, program, limits, prelude=...)``.
"""

from __future__ import annotations

from pathlib import Path

from backends.outcome import to_exec_result
from backends.result import ErrorKind, ExecResult, Limits
from backends.sandbox import PoolError, RawRun, Sandbox, SandboxUnavailable, Worker
from backends.warmups import warmup_code

HARNESS = str(Path(__file__).with_name("_pyharness.py"))
"""The Python languages' worker file."""


def python_worker(warm_imports: tuple[str, ...] = (), warmup: str = "") -> Worker:
    """The Python worker, warmed for ``warm_imports`` (and ``warmup``, trusted code)."""
    return Worker(HARNESS, {"warm_imports": list(warm_imports),
                            "warmups": warmup_code(tuple(warm_imports), warmup)})


def run_python_program(
    sandbox: Sandbox,
    program: str,
    limits: Limits,
    prelude: str = "",
    warm_imports: tuple[str, ...] = (),
    *,
    warmup: str = "",
    warm: bool | None = None,
) -> ExecResult:
    """Run a Python ``program`` in ``sandbox``; ``prelude`` is trusted code run first in its namespace.

    ``warm_imports`` names modules a warm worker imports once (e.g. ``("sympy",)``) so
    that the prelude's imports cost nothing per program; ``warmup`` is trusted code the
    worker runs once after them to fill lazy imports and caches (e.g. a tiny ``solve``).
    Neither may start threads: the worker refuses to fork if they did. ``warm``
    overrides the sandbox's choice of warm or cold.
    """
    payload = {"program": program, "prelude": prelude}
    try:
        raw: RawRun | None = None
        if sandbox.warm if warm is None else warm:
            try:
                raw = sandbox.run_warm(python_worker(warm_imports, warmup), payload, limits)
            except PoolError:
                raw = None
        if raw is None:
            raw = sandbox.run_cold(python_worker(), payload, limits)
    except SandboxUnavailable as exc:
        return ExecResult.failure(ErrorKind.unavailable, str(exc))
    return to_exec_result(raw, limits)
