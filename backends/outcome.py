"""What a run in the sandbox means for the program: an answer, or an error of one kind.

Shared by every language: the sandbox's observations (limits hit, a signal, the sandbox
itself failing) come first, then the report the program's side wrote.
"""

from __future__ import annotations

import signal

from backends.result import ErrorKind, ExecError, ExecResult, Limits
from backends.sandbox import RawRun


def to_exec_result(raw: RawRun, limits: Limits) -> ExecResult:
    """Turn what the sandbox saw into a result, the sandbox's observations first."""
    common = {"stdout": raw.stdout, "stderr": raw.stderr, "elapsed_ms": raw.elapsed_ms}
    error = _limit_error(raw, limits)
    if error is None and raw.unavailable is not None:
        error = ExecError(kind=ErrorKind.unavailable, message=raw.unavailable)
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
