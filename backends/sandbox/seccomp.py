"""The seccomp filters, compiled on the host with libseccomp, and how bwrap receives one.

One filter for every process of a run: no ptrace, mount, unshare, bpf, io_uring or
keyrings, no sockets but AF_UNIX, no signals to the sandbox's supervisors or to
process groups; and, unless allowed, no new processes and no exec.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
from collections.abc import Iterable

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


def seccomp_pipe(bpf: bytes) -> int:
    """A readable descriptor holding ``bpf``, for ``bwrap --seccomp FD``."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, bpf)  # a filter is a few hundred bytes: far below the pipe size
    finally:
        os.close(write_end)
    return read_end
