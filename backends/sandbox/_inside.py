"""The sandbox's own code inside the sandbox: lockdown, framing, the warm supervisor.

Started as a script (``python -I -S _inside.py MODE ...``), never imported as part of
the ``backends`` package there, so it needs only the standard library and starts fast.
It knows nothing of the programs' language: a *worker file* (a trusted module, standard
library only, loaded by path) does the language's work through two functions,
``start(args)`` once and ``run(payload)`` in a locked-down process. Three modes:

* ``--serve FD``: the warm supervisor. Loads the worker and calls ``start`` once, then
  for each request on the socket ``FD`` forks a child that applies the run's rlimits and
  the full seccomp filter (no fork, no exec) and calls ``run``. It never runs model
  code, never starts a thread, and is itself inside bubblewrap.
* ``--once REPORT_FD MARK_FD``: a cold worker run. stdin holds one JSON envelope
  ``{"hello": ..., "payload": ..., "limits": ...}``; limits, ``start``, seccomp, ``run``.
* ``--exec SPEC -- ARGV``: apply limits (and a seccomp filter) and exec ARGV; the limiter
  for other engines when util-linux ``prlimit`` cannot be used.

A worker's ``run`` writes its report (one JSON line) to descriptor 3, never to stdout,
and exits. Just before ``run``, once the process is locked down, one byte goes to the
*mark* pipe: a run without it failed before the worker got control, which is the
sandbox's fault, not the program's. The host imports this module too, for the framing.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib.util
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
from types import ModuleType
from typing import Any, NoReturn

REPORT_FD = 3
"""Where a worker's ``run`` writes its report, in every mode."""
_MARK_FD = 4
_WORKER_MODULE = "reasoner_sandbox_worker"


# --------------------------------------------------------------------------- lockdown


def apply_limits(limits: dict[str, Any]) -> None:
    """Hard rlimits (soft == hard, so the program cannot raise them back)."""
    cpu = max(1, int(float(limits["cpu_seconds"]) + 0.999))
    mem = int(limits["memory_mb"]) * 1024 * 1024
    fsize = int(limits["file_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


class Seccomp:
    """A compiled BPF program ready to load with ``prctl``: built on the host by libseccomp."""

    def __init__(self, bpf: bytes) -> None:
        import ctypes  # only where a filter is used

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        self._buf = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = SockFprog(len(bpf) // 8, ctypes.addressof(self._buf))
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._ctypes = ctypes

    def load(self) -> None:
        pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
        libc, ctypes = self._libc, self._ctypes
        if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(self._prog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "loading the seccomp filter failed")


def decode_bpf(encoded: str | None) -> Seccomp | None:
    if not encoded:
        return None
    import base64

    return Seccomp(base64.b64decode(encoded))


def _mark(fd: int) -> None:
    """Tell the host the worker has control now (see the module docstring)."""
    with contextlib.suppress(OSError):
        os.write(fd, b"1")
    with contextlib.suppress(OSError):
        os.close(fd)


def load_worker(path: str) -> ModuleType:
    """The worker module, loaded from its file (trusted code of the host's)."""
    spec = importlib.util.spec_from_file_location(_WORKER_MODULE, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the worker {path!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_WORKER_MODULE] = module
    spec.loader.exec_module(module)
    return module


def _call_run(worker: ModuleType, payload: Any) -> NoReturn:
    worker.run(payload)
    os._exit(0)  # a worker that returns has nothing more to say


# --------------------------------------------------------------------------- framing

_HEADER = struct.Struct("!I")


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data.extend(chunk)
    return bytes(data)


def recv_message(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """One framed JSON message (4-byte length, body) and the descriptors sent with it."""
    if max_fds:
        header, fds, _flags, _addr = socket.recv_fds(sock, _HEADER.size, max_fds)
        if not header:
            return None, fds
        rest = _recv_exact(sock, _HEADER.size - len(header))
        if rest is None:
            return None, fds
        header += rest
    else:
        fds = []
        got = _recv_exact(sock, _HEADER.size)
        if got is None:
            return None, fds
        header = got
    (size,) = _HEADER.unpack(header)
    body = _recv_exact(sock, size)
    if body is None:
        return None, fds
    return json.loads(body), fds


def send_message(sock: socket.socket, payload: dict[str, Any], fds: list[int] | None = None) -> None:
    body = json.dumps(payload).encode()
    header = _HEADER.pack(len(body))
    if fds:
        socket.send_fds(sock, [header], fds)
        sock.sendall(body)
    else:
        sock.sendall(header + body)


# --------------------------------------------------------------------------- cold modes


def main_once(report_fd: int, mark_fd: int) -> NoReturn:
    """One worker run in this fresh sandbox: limits, ``start``, seccomp, mark, ``run``."""
    envelope = json.loads(sys.stdin.buffer.read())
    hello = envelope["hello"]
    # Above any number in use first, so that neither move overwrites the other.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 16) for fd in (report_fd, mark_fd)]
    for fd in (report_fd, mark_fd):
        os.close(fd)
    for fd, target in zip(high, (REPORT_FD, _MARK_FD), strict=True):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the program gets an empty stdin
    sys.path[:] = hello.get("sys_path") or sys.path
    apply_limits(envelope["limits"])
    worker = load_worker(hello["worker"])
    worker.start(hello.get("args") or {})
    seccomp = decode_bpf(hello.get("bpf"))
    if seccomp is not None:
        seccomp.load()
    sys.argv[:] = [hello["worker"]]
    _mark(_MARK_FD)
    _call_run(worker, envelope.get("payload"))


def main_exec(spec_text: str, argv: list[str]) -> NoReturn:
    spec = json.loads(spec_text)
    apply_limits(spec["limits"])
    seccomp = decode_bpf(spec.get("bpf"))
    if seccomp is not None:
        seccomp.load()
    os.execvp(argv[0], argv)


# --------------------------------------------------------------------------- warm supervisor


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _wipe(directory: str) -> None:
    """Empty the scratch directory between programs (the supervisor keeps nothing there)."""
    import shutil

    for entry in os.scandir(directory):
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _set_non_dumpable() -> None:
    """Children run as the same uid: keep them out of our /proc/PID/{mem,fd} (PR_SET_DUMPABLE)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def serve(sock_fd: int) -> NoReturn:
    """The warm supervisor: start the worker once, then fork one locked-down child per run."""
    sock = socket.socket(fileno=sock_fd)
    hello, _ = recv_message(sock)
    if hello is None:
        os._exit(0)
    sys.path[:] = hello.get("sys_path") or sys.path
    scratch = hello["scratch"]
    expected_pid = hello.get("expected_pid")
    started = time.monotonic()
    try:
        if expected_pid is not None and os.getpid() != expected_pid:
            raise RuntimeError(f"supervisor is pid {os.getpid()}, expected {expected_pid}")
        worker = load_worker(hello["worker"])
        worker.start(hello.get("args") or {})
        seccomp = decode_bpf(hello.get("bpf"))
        if _threads() != 1:
            raise RuntimeError(f"the worker started {_threads() - 1} thread(s); forking is unsafe")
        _set_non_dumpable()
    except BaseException as exc:
        send_message(sock, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        os._exit(1)
    gc.collect()
    gc.freeze()  # keep the worker's objects' pages shared with the children
    send_message(sock, {"ready": True, "import_ms": (time.monotonic() - started) * 1000,
                        "pid": os.getpid()})
    prepare = getattr(worker, "prepare", None)
    while True:
        request, fds = recv_message(sock, max_fds=4)
        if request is None:
            os._exit(0)
        if request.get("op") == "kill" and not fds:
            continue  # meant for a child that had already exited: nothing to answer
        if request.get("op") != "run" or len(fds) != 4:
            for fd in fds:
                os.close(fd)
            send_message(sock, {"error": "bad request"})
            continue
        payload = request.get("payload")
        if prepare is not None:
            payload = prepare(payload)
        send_message(sock, _supervise(sock, worker, payload, request["limits"], fds, scratch, seccomp))


def _supervise(
    sock: socket.socket, worker: ModuleType, payload: Any, limits: dict[str, Any],
    fds: list[int], scratch: str, seccomp: Seccomp | None,
) -> dict[str, Any]:
    pid = os.fork()
    if pid == 0:
        try:
            _child(sock, worker, payload, limits, fds, scratch, seccomp)
        finally:
            os._exit(70)
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + float(limits["wall_seconds"])
    timed_out = killed = False
    try:
        while True:
            timeout = None if (timed_out or killed) else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([pidfd, sock.fileno()], [], [], timeout)
            if pidfd in ready:
                break
            if sock.fileno() in ready:
                message, _ = recv_message(sock)
                if message is None:  # the host went away: stop everything
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    os._exit(0)
                if message.get("op") == "kill" and not killed:
                    os.kill(pid, signal.SIGKILL)
                    killed = True
            elif not ready and not timed_out:
                os.kill(pid, signal.SIGKILL)
                timed_out = True
    finally:
        os.close(pidfd)
    _, status, usage = os.wait4(pid, 0)
    _wipe(scratch)
    return {
        "status": status, "timed_out": timed_out, "killed": killed,
        "cpu_seconds": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
    }


def _child(
    sock: socket.socket, worker: ModuleType, payload: Any, limits: dict[str, Any],
    fds: list[int], scratch: str, seccomp: Seccomp | None,
) -> NoReturn:
    sock.detach()  # its descriptor is closed below; the object must not close a reused number
    os.setpgid(0, 0)
    out_fd, err_fd, report_fd, mark_fd = fds
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.dup2(report_fd, REPORT_FD)
    os.dup2(mark_fd, _MARK_FD)
    os.closerange(_MARK_FD + 1, 1 << 16)
    os.chdir(scratch)
    apply_limits(limits)
    if seccomp is not None:
        seccomp.load()
    _mark(_MARK_FD)
    _call_run(worker, payload)


def main(argv: list[str]) -> NoReturn:
    if len(argv) >= 2 and argv[0] == "--serve":
        serve(int(argv[1]))
    if len(argv) >= 3 and argv[0] == "--once":
        main_once(int(argv[1]), int(argv[2]))
    if len(argv) >= 3 and argv[0] == "--exec":
        rest = argv[2:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        main_exec(argv[1], rest)
    sys.stderr.write("usage: _inside.py --serve FD | --once REPORT_FD MARK_FD | --exec SPEC -- ARGV\n")
    os._exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
