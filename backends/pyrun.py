"""Shared by backends whose programs are Python: run through the harness, map the outcome."""

from __future__ import annotations

import json
import signal
import sys

from backends.result import ErrorKind, ExecError, ExecResult, Limits
from backends.sandbox import RawRun, minimal_env, run_isolated


def run_python_program(program: str, limits: Limits, prelude: str = "") -> ExecResult:
    """Run a Python ``program`` isolated; ``prelude`` is trusted code run first in its namespace."""
    argv = [sys.executable, "-I", "-m", "backends._pyharness"]
    envelope = json.dumps({"prelude": prelude, "program": program}).encode()
    try:
        raw = run_isolated(argv, envelope, limits, minimal_env())
    except RuntimeError as exc:
        return ExecResult.failure(ErrorKind.unavailable, str(exc))
    return to_exec_result(raw, limits)


def to_exec_result(raw: RawRun, limits: Limits) -> ExecResult:
    """Turn what the sandbox saw into a result, the sandbox's observations first."""
    common = {"stdout": raw.stdout, "stderr": raw.stderr, "elapsed_ms": raw.elapsed_ms}
    error = _limit_error(raw, limits)
    if error is None and raw.report is None:
        error = ExecError(kind=ErrorKind.crash, message=_crash_message(raw))
    if error is None and raw.report is not None and "error" in raw.report:
        error = ExecError(
            kind=ErrorKind(str(raw.report["error"])), message=str(raw.report.get("message", ""))
        )
    if error is not None:
        return ExecResult(ok=False, error=error, **common)
    assert raw.report is not None
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
    if raw.signal in (signal.SIGXCPU, signal.SIGKILL) and raw.report is None:
        return ExecError(
            kind=ErrorKind.timeout,
            message=f"the program used more than {limits.cpu_seconds:g} s of CPU time",
        )
    if raw.signal == signal.SIGXFSZ:
        return ExecError(
            kind=ErrorKind.output_limit,
            message=f"the program wrote a file larger than {limits.file_mb} MB",
        )
    return None


def _crash_message(raw: RawRun) -> str:
    if raw.signal is not None:
        name = signal.Signals(raw.signal).name
        return f"the program's process died with {name}"
    tail = raw.stderr.strip().splitlines()[-3:]
    detail = f": {' | '.join(tail)}" if tail else ""
    return f"the program's process exited with status {raw.returncode} before reporting{detail}"
