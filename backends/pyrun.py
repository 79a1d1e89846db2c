"""Shared by backends whose programs are Python: run through the harness, map the outcome.

Warm by default: a pool worker that has imported ``warm_imports`` forks a sandboxed
child per program. ``REASONER_POOL=0`` (or ``warm=False``) runs each program in a fresh
sandboxed interpreter instead, which is also the fallback when a worker cannot start.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys

from backends.isolation import detect, seccomp_filter
from backends.result import ErrorKind, ExecError, ExecResult, Limits
from backends.sandbox import (
    HARNESS,
    RawRun,
    SandboxUnavailable,
    limits_payload,
    minimal_env,
    python_path,
    run_isolated,
    supervisor_pids,
)

POOL_ENV = "REASONER_POOL"


def warm_by_default() -> bool:
    return os.environ.get(POOL_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def run_python_program(
    program: str,
    limits: Limits,
    prelude: str = "",
    warm_imports: tuple[str, ...] = (),
    *,
    warmup: str = "",
    warm: bool | None = None,
) -> ExecResult:
    """Run a Python ``program`` isolated; ``prelude`` is trusted code run first in its namespace.

    ``warm_imports`` names modules the warm supervisor imports once (e.g. ``("sympy",)``)
    so that the prelude's imports cost nothing per program; ``warmup`` is trusted code the
    supervisor runs once after them to fill lazy imports and caches (e.g. a tiny
    ``solve``). Neither may start threads: the supervisor refuses to fork if they did.
    """
    try:
        if warm if warm is not None else warm_by_default():
            from backends.pool import PoolError, manager

            try:
                raw = manager.run(tuple(warm_imports), program, prelude, limits, warmup)
            except PoolError:
                raw = _run_cold(program, prelude, limits)
        else:
            raw = _run_cold(program, prelude, limits)
    except SandboxUnavailable as exc:
        return ExecResult.failure(ErrorKind.unavailable, str(exc))
    return to_exec_result(raw, limits)


def _run_cold(program: str, prelude: str, limits: Limits) -> RawRun:
    iso = detect()
    bpf = None
    if iso.seccomp:
        raw_bpf = seccomp_filter(
            allow_fork=False, allow_exec=False, protect_pids=supervisor_pids(iso)
        )
        bpf = base64.b64encode(raw_bpf).decode()
    envelope = json.dumps({
        "program": program, "prelude": prelude, "limits": limits_payload(limits),
        "sys_path": python_path(), "bpf": bpf,
    }).encode()
    argv = [sys.executable, "-I", "-S", HARNESS]
    return run_isolated(argv, envelope, limits, minimal_env(), self_limiting=True)


def to_exec_result(raw: RawRun, limits: Limits) -> ExecResult:
    """Turn what the sandbox saw into a result, the sandbox's observations first."""
    common = {"stdout": raw.stdout, "stderr": raw.stderr, "elapsed_ms": raw.elapsed_ms}
    error = _limit_error(raw, limits)
    if error is None and raw.report is None:
        error = ExecError(kind=ErrorKind.crash, message=_crash_message(raw))
    if error is None and raw.report is not None and "error" in raw.report:
        try:
            kind = ErrorKind(str(raw.report["error"]))
        except ValueError:
            kind = ErrorKind.runtime
        error = ExecError(kind=kind, message=str(raw.report.get("message", "")))
    if error is not None:
        return ExecResult(ok=False, error=error, **common)
    assert raw.report is not None
    if "value" not in raw.report:
        return ExecResult(
            ok=False, error=ExecError(kind=ErrorKind.crash, message="malformed report"), **common
        )
    extra = {k: str(v) for k, v in raw.report.items() if k != "value"}
    return ExecResult(ok=True, value=str(raw.report.get("value")), extra=extra, **common)


def _limit_error(raw: RawRun, limits: Limits) -> ExecError | None:
    if raw.timed_out:
        return ExecError(
            kind=ErrorKind.timeout,
            message=f"the program ran past the {limits.wall_seconds:g} s wall-clock limit",
        )
    if raw.output_overflow:
        return ExecError(
            kind=ErrorKind.output_limit,
            message=f"the program printed more than {limits.output_bytes} bytes",
        )
    if raw.report is not None:
        return None
    sig = raw.signal
    cpu_limit_hit = raw.cpu_seconds is None or raw.cpu_seconds >= limits.cpu_seconds * 0.95
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_limit_hit):
        return ExecError(
            kind=ErrorKind.timeout,
            message=f"the program used more than {limits.cpu_seconds:g} s of CPU time",
        )
    if sig == signal.SIGXFSZ:
        return ExecError(
            kind=ErrorKind.output_limit,
            message=f"the program wrote a file larger than {limits.file_mb} MB",
        )
    if sig == signal.SIGSYS:
        return ExecError(
            kind=ErrorKind.denied, message="the program made a system call the sandbox forbids"
        )
    if "report longer than the cap" in raw.notes:
        return ExecError(kind=ErrorKind.output_limit, message="the answer is too long")
    return None


def _crash_message(raw: RawRun) -> str:
    if raw.signal is not None:
        name = signal.Signals(raw.signal).name
        hint = " (a C-level crash: often very deep recursion or ctypes)" if name in (
            "SIGSEGV", "SIGBUS") else ""
        return f"the program's process died with {name}{hint}"
    if raw.notes:
        return f"the program's sandbox failed: {'; '.join(raw.notes)}"
    tail = raw.stderr.strip().splitlines()[-3:]
    detail = f": {' | '.join(tail)}" if tail else ""
    return f"the program's process exited with status {raw.returncode} before reporting{detail}"
