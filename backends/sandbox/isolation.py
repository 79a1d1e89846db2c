"""What isolation this machine offers, probed once per process.

Three layers, each checked here rather than assumed:

* **bubblewrap** (Debian ``bubblewrap``): user, network, pid, ipc, uts and mount
  namespaces; a read-only allow-listed view of the filesystem; a private size-capped
  tmpfs as the working directory; no capabilities.
* **seccomp** (``pip install pyseccomp`` over the system's libseccomp2): no new
  processes (fork, vfork and clone without ``CLONE_THREAD`` fail with EPERM, clone3
  with ENOSYS so glibc falls back to clone), no exec for Python programs, no sockets
  but AF_UNIX, no ptrace, mount, unshare, bpf, io_uring, keyrings; signals to the
  sandbox's supervisor are refused. As root ``RLIMIT_NPROC`` does nothing, hence this
  (the filters themselves are in ``seccomp.py``).
* **rlimits**: CPU time, address space, file size, no core dumps. Always available.

By default (``REASONER_SANDBOX`` unset or ``strict``) a run is refused unless both
bubblewrap namespaces and seccomp work. ``REASONER_SANDBOX=weak`` is the explicit
opt-in for machines without them (containers without user namespaces): runs then
use whatever subset works, down to a separate process with rlimits and a stripped
environment, and ``reasoner backends`` says so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Literal

from pydantic import BaseModel, Field

from backends.sandbox.bwrap import bwrap_command
from backends.sandbox.seccomp import seccomp_filter, seccomp_pipe

SANDBOX_ENV = "REASONER_SANDBOX"
Mode = Literal["strict", "weak"]

_INSTALL_BWRAP = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"
_INSTALL_SECCOMP = "install pyseccomp (pip install pyseccomp; needs the libseccomp2 system library)"


class Isolation(BaseModel):
    """The isolation layers that work on this machine, and whether runs may proceed."""

    mode: Mode = Field(description="'strict' refuses to run without namespaces and seccomp.")
    bwrap: str | None = Field(None, description="Path of a bubblewrap that passed the probe.")
    seccomp: bool = Field(False, description="A seccomp filter can be built and loaded.")
    problems: list[str] = Field(default_factory=list, description="Why a layer is missing.")

    @property
    def level(self) -> str:
        """A short name for the layers in use, e.g. ``bwrap+seccomp+rlimits``."""
        layers = [name for name, ok in (("bwrap", self.bwrap), ("seccomp", self.seccomp)) if ok]
        return "+".join([*layers, "rlimits"]) if layers else "rlimits only"

    @property
    def complete(self) -> bool:
        return self.bwrap is not None and self.seccomp

    def refusal(self) -> str | None:
        """None when runs may proceed; otherwise what is missing and how to fix it."""
        if self.complete or self.mode == "weak":
            return None
        missing = "; ".join(self.problems) or "unknown reason"
        return (
            f"no sandbox available ({missing}). Refusing to run model-written code with only "
            f"'{self.level}'. Fix the above, or set {SANDBOX_ENV}=weak to accept weaker isolation."
        )

    def describe(self) -> str:
        note = "" if self.complete else f" (missing: {'; '.join(self.problems)})"
        weak = " [weak mode]" if self.mode == "weak" and not self.complete else ""
        return f"{self.level}{weak}{note}"


def sandbox_mode() -> Mode:
    value = os.environ.get(SANDBOX_ENV, "strict").strip().lower() or "strict"
    if value not in ("strict", "weak"):
        raise ValueError(f"{SANDBOX_ENV} must be 'strict' or 'weak', not {value!r}")
    return "weak" if value == "weak" else "strict"


@functools.cache
def _probe() -> tuple[str | None, bool, tuple[str, ...]]:
    """Try each layer for real once per process: libraries can be present yet unusable."""
    problems: list[str] = []
    seccomp_ok = False
    try:
        seccomp_filter(allow_fork=False, allow_exec=True)
        seccomp_ok = _kernel_has_seccomp()
        if not seccomp_ok:
            problems.append("the kernel does not support seccomp filters")
    except ImportError:
        problems.append(_INSTALL_SECCOMP)
    except OSError as exc:
        problems.append(f"libseccomp failed ({exc}); {_INSTALL_SECCOMP}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        problems.append(_INSTALL_BWRAP)
    else:
        failure = _probe_bwrap(bwrap, seccomp_ok)
        if failure:
            problems.append(f"bubblewrap cannot create namespaces here: {failure}")
            bwrap = None
    return bwrap, seccomp_ok, tuple(problems)


def detect() -> Isolation:
    """The isolation available here (probed once per process) under the current mode."""
    bwrap, seccomp_ok, problems = _probe()
    return Isolation(mode=sandbox_mode(), bwrap=bwrap, seccomp=seccomp_ok, problems=list(problems))


def reset() -> None:
    """Forget the probe (tests that change PATH or the environment)."""
    _probe.cache_clear()


def _kernel_has_seccomp() -> bool:
    try:
        with open("/proc/self/status") as fh:
            return any(line.startswith("Seccomp:") for line in fh)
    except OSError:
        return False


def _probe_bwrap(bwrap: str, with_seccomp: bool) -> str | None:
    fds: list[int] = []
    if with_seccomp:
        fds.append(seccomp_pipe(seccomp_filter(allow_fork=False, allow_exec=True)))
    argv = bwrap_command(
        bwrap, ["/bin/sh", "-c", "exit 0"], scratch_mb=1, seccomp_fd=fds[0] if fds else None
    )
    try:
        done = subprocess.run(
            argv, pass_fds=fds, capture_output=True, timeout=20, cwd="/", check=False,
            env={"PATH": "/usr/bin:/bin"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    finally:
        for fd in fds:
            os.close(fd)
    if done.returncode != 0:
        return done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
    return None
