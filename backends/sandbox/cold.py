"""Cold runs: one fresh sandbox per run, waited for, reaped, its report parsed.

Two kinds: any command (``run_command``: argv and stdin, limited by ``prlimit`` or the
sandbox's own limiter, reporting on the descriptor named by ``REASONER_REPORT_FD``)
and one run of a worker (``run_worker_once``: the sandbox's script starts the worker and
runs one payload, reporting on descriptor 3). The answer never comes from stdout, so
printing cannot forge it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any

from backends.result import Limits
from backends.sandbox.environment import INSIDE, limits_payload, minimal_env, python_path, scratch_mb
from backends.sandbox.isolation import Isolation
from backends.sandbox.launch import Launched, launch, supervisor_pids
from backends.sandbox.records import RawRun, Worker, parse_report
from backends.sandbox.seccomp import seccomp_filter
from backends.sandbox.streams import StreamPump

REPORT_FD_ENV = "REASONER_REPORT_FD"
MAX_REPORT_BYTES = 1_000_000
_MARK_BYTES = 16


def limiter_prefix(limits: Limits, iso: Isolation, interpreter: str) -> list[str]:
    """A command prefix that applies ``limits`` (and, without bwrap, seccomp) then execs.

    Inside bwrap, bwrap itself has loaded the no-fork filter, so util-linux ``prlimit``
    (a small C program) is enough. Otherwise the sandbox's own script does both.
    """
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    prlimit = shutil.which("prlimit")
    if iso.bwrap and prlimit and os.path.realpath(prlimit).startswith("/usr/"):
        mem, fsize = limits.memory_mb * 1024 * 1024, limits.file_mb * 1024 * 1024
        return [
            prlimit, f"--cpu={cpu}:{cpu + 1}", f"--as={mem}", f"--fsize={fsize}",
            "--core=0", "--nofile=256", "--",
        ]
    bpf = None
    if iso.seccomp and not iso.bwrap:
        raw = seccomp_filter(allow_fork=False, allow_exec=True, protect_pids=supervisor_pids(iso))
        bpf = base64.b64encode(raw).decode()
    spec = json.dumps({"limits": limits_payload(limits), "bpf": bpf})
    return [interpreter, "-I", "-S", INSIDE, "--exec", spec, "--"]


def run_command(
    argv: Sequence[str], stdin_data: bytes, limits: Limits, *, iso: Isolation, interpreter: str,
    env: Mapping[str, str] | None = None, ro_paths: Sequence[str] = (),
) -> RawRun:
    """Run ``argv`` in a fresh sandbox under ``limits`` with ``stdin_data`` on stdin.

    ``ro_paths`` are extra paths the engine must read (see ``bwrap_command``). Raises
    ``SandboxUnavailable`` when the isolation required is missing.
    """
    argv = [*limiter_prefix(limits, iso, interpreter), *argv]
    report_r, report_w = os.pipe()
    started = time.monotonic()
    try:
        launched = launch(
            argv, iso=iso, env={**(env or minimal_env()), REPORT_FD_ENV: str(report_w)},
            scratch_size_mb=scratch_mb(limits), pass_fds=(report_w,), ro_paths=ro_paths,
        )
    except BaseException:
        os.close(report_r)
        raise
    finally:
        os.close(report_w)
    try:
        return _collect(launched, stdin_data, limits, started, report_r, None)
    finally:
        launched.cleanup()
        with contextlib.suppress(OSError):
            os.close(report_r)


def worker_bpf(iso: Isolation, *supervisors: int) -> str | None:
    """The filter a worker's run is locked down with: no fork, no exec, supervisors safe."""
    if not iso.seccomp:
        return None
    raw = seccomp_filter(
        allow_fork=False, allow_exec=False, protect_pids=supervisor_pids(iso, *supervisors)
    )
    return base64.b64encode(raw).decode()


def worker_hello(worker: Worker, bpf: str | None) -> dict[str, Any]:
    """What the sandbox's script needs to start ``worker`` (warm or cold)."""
    return {"sys_path": python_path(), "worker": os.path.realpath(worker.file),
            "args": dict(worker.args), "bpf": bpf}


def worker_paths(worker: Worker, interpreter_root: str | None) -> tuple[str, ...]:
    """The paths a worker's sandbox must show beyond the defaults."""
    root = (interpreter_root,) if interpreter_root else ()
    return (worker.file, *worker.ro_paths, *root)


def run_worker_once(
    worker: Worker, payload: Any, limits: Limits, *, iso: Isolation, interpreter: str,
    interpreter_root: str | None = None,
) -> RawRun:
    """Start ``worker`` in a fresh sandbox and run one ``payload``: a cold worker run."""
    envelope = json.dumps({
        "hello": worker_hello(worker, worker_bpf(iso)), "payload": payload,
        "limits": limits_payload(limits),
    }).encode()
    report_r, report_w = os.pipe()
    mark_r, mark_w = os.pipe()
    argv = [interpreter, "-I", "-S", INSIDE, "--once", str(report_w), str(mark_w)]
    started = time.monotonic()
    try:
        launched = launch(
            argv, iso=iso, env=minimal_env(), scratch_size_mb=scratch_mb(limits),
            pass_fds=(report_w, mark_w), ro_paths=worker_paths(worker, interpreter_root),
        )
    except BaseException:
        os.close(report_r)
        os.close(mark_r)
        raise
    finally:
        os.close(report_w)
        os.close(mark_w)
    try:
        return _collect(launched, envelope, limits, started, report_r, mark_r)
    finally:
        launched.cleanup()
        for fd in (report_r, mark_r):
            with contextlib.suppress(OSError):
                os.close(fd)


def _collect(
    launched: Launched, stdin_data: bytes, limits: Limits, started: float, report_r: int,
    mark_r: int | None,
) -> RawRun:
    proc = launched.proc
    assert proc.stdin and proc.stdout and proc.stderr
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    caps = {out_fd: limits.output_bytes, err_fd: limits.output_bytes, report_r: MAX_REPORT_BYTES}
    if mark_r is not None:
        caps[mark_r] = _MARK_BYTES
    pump = StreamPump(caps, stdin=(os.dup(proc.stdin.fileno()), stdin_data))
    proc.stdin.close()
    deadline = started + limits.wall_seconds
    timed_out = False
    try:
        while pump.reading and not pump.overflow:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            pump.step(min(remaining, 1.0))
    finally:
        pump.close()
    if timed_out or pump.overflow:
        launched.kill()
    reaped = _reap(proc, deadline)
    if reaped is None:
        timed_out = True
        launched.kill()
        reaped = _reap(proc, None)
    assert reaped is not None
    rc, cpu = reaped
    raw = RawRun(
        returncode=_program_status(launched, rc),
        cpu_seconds=cpu,
        stdout=pump.buffers[out_fd].decode("utf-8", "replace"),
        stderr=pump.buffers[err_fd].decode("utf-8", "replace"),
        report=parse_report(bytes(pump.buffers[report_r])),
        timed_out=timed_out,
        output_overflow=bool(pump.overflowed & {out_fd, err_fd}),
        elapsed_ms=(time.monotonic() - started) * 1000,
        notes=["report longer than the cap"] if report_r in pump.overflowed else [],
    )
    marked = None if mark_r is None else bool(pump.buffers[mark_r])
    raw.unavailable = start_failure(raw, marked)
    return raw


def start_failure(raw: RawRun, marked: bool | None) -> str | None:
    """Why the sandbox failed before the program could run, if it did.

    ``marked`` is whether a worker got control (None for a command, which has no mark):
    a worker run without the mark never reached the program. For a command, bubblewrap
    failing to start it exits 1 with its own one-line message on stderr.
    """
    if raw.report is not None or raw.timed_out or raw.output_overflow:
        return None
    tail = " | ".join(raw.stderr.strip().splitlines()[-3:])
    if marked is False:
        return f"the sandbox could not start its worker: {tail or f'exit status {raw.returncode}'}"
    lines = raw.stderr.strip().splitlines()
    if (raw.returncode == 1 and not raw.stdout and len(lines) == 1
            and lines[0].startswith("bwrap: ")):
        return f"the sandbox could not start the command: {lines[0]}"
    return None


def _reap(proc: subprocess.Popen[bytes], deadline: float | None) -> tuple[int, float] | None:
    """Wait for the sandbox (until ``deadline``), returning its status and the CPU time used.

    ``wait4`` reports the CPU time of the whole sandbox, since bwrap reaps the program:
    how a SIGKILL from the hard CPU limit is told apart from any other.
    """
    while True:
        pid, status, usage = os.wait4(proc.pid, 0 if deadline is None else os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(0.001)


def _program_status(launched: Launched, rc: int | None) -> int | None:
    """The program's own status: bwrap reports a signal death as exit code 128 + signal."""
    if launched.strict and rc is not None and 128 < rc < 128 + 65:
        return -(rc - 128)
    return rc

