"""Run one untrusted program in a separate, limited process and collect what it did.

The program never runs in the calling process. The child gets its own session (so the
whole process group can be killed), rlimits on CPU, memory and file size, a private
temporary working directory that is wiped afterwards, and a stripped environment.
Its answer comes back on a dedicated pipe whose descriptor is named in the
``REASONER_REPORT_FD`` environment variable, never by scanning stdout, so a program
cannot forge an answer by printing one.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backends.result import Limits

REPORT_FD_ENV = "REASONER_REPORT_FD"
_MAX_REPORT_BYTES = 1_000_000


@dataclass
class RawRun:
    """What the sandbox observed; a backend turns it into an ExecResult."""

    returncode: int | None
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    timed_out: bool = False
    output_overflow: bool = False
    elapsed_ms: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def signal(self) -> int | None:
        rc = self.returncode
        return -rc if rc is not None and rc < 0 else None


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment with nothing from the caller but what an interpreter needs."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def _limit_child(limits: Limits) -> None:
    """Runs in the child between fork and exec: apply hard limits."""
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    mem = limits.memory_mb * 1024 * 1024
    fsize = limits.file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_isolated(
    argv: Sequence[str],
    stdin_data: bytes,
    limits: Limits,
    env: Mapping[str, str] | None = None,
) -> RawRun:
    """Run ``argv`` with ``stdin_data`` on stdin; collect its output and its report."""
    workdir = tempfile.mkdtemp(prefix="reasoner-run-")
    report_r, report_w = os.pipe()
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env={**(env or minimal_env()), REPORT_FD_ENV: str(report_w)},
            start_new_session=True,
            pass_fds=(report_w,),
            preexec_fn=lambda: _limit_child(limits),
            close_fds=True,
        )
    except OSError as exc:
        os.close(report_r)
        os.close(report_w)
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"could not start {argv[0]}: {exc}") from exc
    os.close(report_w)
    try:
        return _collect(proc, stdin_data, report_r, limits, started)
    finally:
        _kill_group(proc)
        with contextlib.suppress(OSError):
            os.close(report_r)
        shutil.rmtree(workdir, ignore_errors=True)


def _collect(
    proc: subprocess.Popen[bytes], stdin_data: bytes, report_r: int, limits: Limits,
    started: float,
) -> RawRun:
    assert proc.stdin and proc.stdout and proc.stderr
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write(stdin_data)
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    buffers: dict[int, bytearray] = {
        proc.stdout.fileno(): bytearray(),
        proc.stderr.fileno(): bytearray(),
        report_r: bytearray(),
    }
    caps = {
        proc.stdout.fileno(): limits.output_bytes,
        proc.stderr.fileno(): limits.output_bytes,
        report_r: _MAX_REPORT_BYTES,
    }
    sel = selectors.DefaultSelector()
    for fd in buffers:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    deadline = started + limits.wall_seconds
    timed_out = overflow = False
    while sel.get_map():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        for key, _ in sel.select(timeout=min(remaining, 0.5)):
            fd = int(key.fd)
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(fd)
                continue
            buffers[fd].extend(chunk)
            if len(buffers[fd]) > caps[fd]:
                del buffers[fd][caps[fd]:]
                overflow = True
        if overflow:
            break
    sel.close()
    if timed_out or overflow:
        _kill_group(proc)
    try:
        rc: int | None = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        rc = proc.wait()
    elapsed_ms = (time.monotonic() - started) * 1000
    report = _parse_report(bytes(buffers[report_r]))
    return RawRun(
        returncode=rc,
        stdout=buffers[proc.stdout.fileno()].decode("utf-8", "replace"),
        stderr=buffers[proc.stderr.fileno()].decode("utf-8", "replace"),
        report=report,
        timed_out=timed_out,
        output_overflow=overflow,
        elapsed_ms=elapsed_ms,
    )


def _parse_report(data: bytes) -> dict[str, Any] | None:
    """Exactly one JSON object is a valid report; anything else is treated as none."""
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) != 1:
        return None
    try:
        parsed = json.loads(lines[0])
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
