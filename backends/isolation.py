"""What isolation this machine offers, decided once at start-up, and the seccomp filters.

Three layers, each checked here rather than assumed:

* **bubblewrap** (Debian ``bubblewrap``): user, network, pid, ipc, uts and mount
  namespaces; a read-only allow-listed view of the filesystem; a private size-capped
  tmpfs as the working directory; no capabilities.
* **seccomp** (``pip install pyseccomp`` over the system's libseccomp2): no new
  processes (fork, vfork and clone without ``CLONE_THREAD`` fail with EPERM, clone3
  with ENOSYS so glibc falls back to clone), no exec for Python programs, no sockets
  but AF_UNIX, no ptrace, mount, unshare, bpf, io_uring, keyrings; signals to the
  sandbox's supervisor are refused. As root ``RLIMIT_NPROC`` does nothing, hence this.
* **rlimits**: CPU time, address space, file size, no core dumps. Always available.

By default (``REASONER_SANDBOX`` unset or ``strict``) a run is refused unless both
bubblewrap namespaces and seccomp work. ``REASONER_SANDBOX=weak`` is the explicit
opt-in for machines without them (containers without user namespaces): runs then
use whatever subset works, down to a separate process with rlimits and a stripped
environment, and ``reasoner backends`` says so.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import subprocess
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

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
    from backends.sandbox import bwrap_command, seccomp_pipe  # sandbox imports this module

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


# --------------------------------------------------------------------------- seccomp

_DENIED_ALWAYS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "iopl", "ioperm", "syslog", "acct", "quotactl", "swapon", "swapoff", "reboot",
)
_SIGNAL_SYSCALLS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
_CLONE_THREAD = 0x00010000
_AF_UNIX = 1


@functools.cache
def seccomp_filter(
    *, allow_fork: bool, allow_exec: bool, protect_pids: tuple[int, ...] = ()
) -> bytes:
    """A compiled BPF program (for ``bwrap --seccomp`` or ``prctl``), built with libseccomp.

    ``allow_fork`` is for the warm pool's supervisor only; ``allow_exec`` lets bwrap start
    the interpreter (the Python harness then stacks a filter without exec). Signals to
    ``protect_pids`` (the supervisors) and to process groups are refused. Anything
    outside the native architecture is killed (libseccomp's default), so the 32-bit and
    x32 system-call tables cannot be used to step around the rules.
    """
    import pyseccomp as sc  # optional dependency, host side only

    eperm = sc.ERRNO(errno.EPERM)
    flt = sc.SyscallFilter(sc.ALLOW)
    _add(sc, flt, eperm, _DENIED_ALWAYS)
    flt.add_rule(eperm, "socket", sc.Arg(0, sc.NE, _AF_UNIX))
    if not allow_fork:
        _add(sc, flt, eperm, ("fork", "vfork", "pidfd_open"))
        flt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, _CLONE_THREAD, 0))
        _add(sc, flt, sc.ERRNO(errno.ENOSYS), ("clone3",))
    if not allow_exec:
        _add(sc, flt, eperm, ("execve", "execveat"))
    for name in _SIGNAL_SYSCALLS:
        # The kernel reads pids as 32-bit ints: compare the low 32 bits only, so a
        # caller cannot dodge a rule by setting the register's upper half.
        _add_arg_rule(sc, flt, eperm, name, sc.Arg(0, sc.MASKED_EQ, 0x80000000, 0x80000000))
        for pid in protect_pids:
            _add_arg_rule(sc, flt, eperm, name, sc.Arg(0, sc.MASKED_EQ, 0xFFFFFFFF, pid))
    return _export(flt)


def _add(sc: object, flt: object, action: int, names: Iterable[str]) -> None:
    for name in names:
        _add_arg_rule(sc, flt, action, name)


def _add_arg_rule(sc: object, flt: object, action: int, name: str, *args: object) -> None:
    # A system call absent on this architecture has nothing to deny.
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        flt.add_rule(action, name, *args)  # type: ignore[attr-defined]


def _export(flt: object) -> bytes:
    fd = os.memfd_create("reasoner-seccomp")
    try:
        with os.fdopen(os.dup(fd), "wb") as fh:
            flt.export_bpf(fh)  # type: ignore[attr-defined]
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
