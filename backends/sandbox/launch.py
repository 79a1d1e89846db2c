"""Starting a process inside the strongest sandbox the machine allows.

No ``preexec_fn``: the caller may have threads, and forking with a Python callback then
can deadlock. Rlimits are applied inside the sandbox instead (by the sandbox's own
script or by ``prlimit``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backends.sandbox.bwrap import SCRATCH, bwrap_command
from backends.sandbox.errors import SandboxUnavailable
from backends.sandbox.isolation import Isolation
from backends.sandbox.seccomp import seccomp_filter, seccomp_pipe


@dataclass
class Launched:
    """A started sandbox: its outermost process and what to clean up after it."""

    proc: subprocess.Popen[bytes]
    scratch: str | None
    """Host directory used as the working directory (weak mode only), wiped by cleanup."""
    strict: bool

    def kill(self) -> None:
        """Kill the whole sandbox: its process group, and in bwrap the pid namespace."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def cleanup(self) -> None:
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def supervisor_pids(iso: Isolation, *others: int) -> tuple[int, ...]:
    """Pids a program must not signal: bwrap's reaper inside a namespace, else the host."""
    if iso.bwrap:
        return (1, *others)
    return (os.getpid(), *others)


def launch(
    argv: Sequence[str],
    *,
    iso: Isolation,
    env: Mapping[str, str],
    scratch_size_mb: int,
    allow_fork: bool = False,
    long_lived: bool = False,
    pass_fds: Sequence[int] = (),
    stdin: int = subprocess.PIPE,
    stdout: int = subprocess.PIPE,
    stderr: int = subprocess.PIPE,
    ro_paths: Sequence[str] = (),
) -> Launched:
    """Start ``argv`` inside the strongest sandbox ``iso`` allows; limits are the caller's job.

    No ``preexec_fn``: the caller may have threads, and forking with a Python callback
    then can deadlock. Rlimits are applied inside the sandbox instead (by the harness
    or by ``prlimit``).
    """
    refusal = iso.refusal()
    if refusal:
        raise SandboxUnavailable(refusal)
    fds = list(pass_fds)
    seccomp_fd: int | None = None
    scratch: str | None = None
    if iso.bwrap:
        if iso.seccomp:
            seccomp_fd = seccomp_pipe(
                seccomp_filter(allow_fork=allow_fork, allow_exec=True)
            )
            fds.append(seccomp_fd)
        work = SCRATCH
        full_env = {**env, "HOME": work, "TMPDIR": work}
        command = bwrap_command(
            iso.bwrap, argv, scratch_mb=scratch_size_mb, seccomp_fd=seccomp_fd, env=full_env,
            ro_paths=ro_paths, die_with_parent=not long_lived,
        )
        cwd = "/"
    else:
        scratch = tempfile.mkdtemp(prefix="reasoner-run-")
        work = scratch
        full_env = {**env, "HOME": work, "TMPDIR": work}
        command = list(argv)
        cwd = scratch
    try:
        proc = subprocess.Popen(
            command, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd,
            env=full_env, start_new_session=True, pass_fds=fds, close_fds=True,
        )
    except OSError as exc:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        raise SandboxUnavailable(f"could not start {command[0]}: {exc}") from exc
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)
    return Launched(proc=proc, scratch=scratch, strict=bool(iso.bwrap))
