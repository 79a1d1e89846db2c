"""Runs inside the sandbox: executes one Python program and reports its ``answer``.

Started as a script (``python -I -S _pyharness.py``), never imported as part of the
``backends`` package there, so it needs only the standard library and starts fast.
Three modes:

* default (cold): stdin carries one JSON envelope ``{"program", "prelude", "limits",
  "sys_path", "bpf"}``; the harness applies the limits to itself, then runs.
* ``--serve FD`` (warm pool supervisor): imports the backend's libraries once, then for
  each request received on the socket ``FD`` forks a child that applies limits and
  seccomp and runs the program. The supervisor never runs model code, never starts a
  thread, and is itself inside bubblewrap.
* ``--exec SPEC -- ARGV``: apply limits (and a seccomp filter) and exec ARGV; the limiter
  for non-Python engines when util-linux ``prlimit`` cannot be used.

The report (one JSON line) goes to the descriptor named by ``REASONER_REPORT_FD``,
never to stdout. The program could write to that descriptor deliberately, which is no
different from setting ``answer``; printing cannot forge it. ``os._exit`` at the end
skips ``atexit`` handlers the program may have registered.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
from types import CodeType
from typing import Any, NoReturn

REPORT_FD_ENV = "REASONER_REPORT_FD"
_CHILD_REPORT_FD = 3

# Audit events for starting processes. Seccomp is what actually blocks them (this hook
# could be bypassed with ctypes); the hook turns the attempt into a clear PermissionError
# where the C library would otherwise just return -1 (os.system).
_BLOCKED_EVENTS = frozenset({
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "subprocess.Popen", "pty.spawn",
})
_DENIED_ERRNOS = frozenset({errno.EPERM, errno.EACCES, errno.EROFS})
_LIMIT_ERRNOS = frozenset({errno.EFBIG, errno.ENOSPC, errno.EDQUOT})


# --------------------------------------------------------------------------- limits


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


class _Seccomp:
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


def _decode_bpf(encoded: str | None) -> _Seccomp | None:
    if not encoded:
        return None
    import base64

    return _Seccomp(base64.b64decode(encoded))


def _audit(event: str, _args: tuple[Any, ...]) -> None:
    if event in _BLOCKED_EVENTS:
        raise PermissionError(errno.EPERM, f"the sandbox does not allow starting processes ({event})")


# --------------------------------------------------------------------------- one program


def _report(fd: int, payload: dict[str, object]) -> None:
    data = (json.dumps(payload) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _holds_sympy(value: object, depth: int = 0) -> bool:
    """A SymPy object, or a container of them (a ``solve`` dict, a list of roots)."""
    if type(value).__module__.startswith("sympy"):
        return True
    if depth >= 3:
        return False
    if isinstance(value, dict):
        return any(_holds_sympy(k, depth + 1) or _holds_sympy(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_sympy(item, depth + 1) for item in value)
    return False


def _render(value: object) -> dict[str, object]:
    rendered: dict[str, object] = {"value": str(value)}
    if _holds_sympy(value):
        try:
            from sympy import latex  # already imported by the program

            rendered["latex"] = latex(value)
        except Exception:  # rendering is a courtesy; the text value is what counts
            pass
    return rendered


def _program_traceback(exc: BaseException, program: str) -> str:
    """The traceback limited to the program's own frames: what a model can fix.

    Each frame shows its source line, as any Python traceback does: a program compiled
    from a string has no file for ``linecache`` to read, so its text is put there now
    (after the program ran, so nothing it did to ``linecache`` counts).
    """
    import linecache
    import traceback

    linecache.cache["<program>"] = (len(program), None, program.splitlines(keepends=True), "<program>")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<program>"]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()


def _classify(exc: BaseException) -> str:
    """The error kind of an exception the program let escape."""
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, OSError) and exc.errno in _DENIED_ERRNOS:
        return "denied"
    if isinstance(exc, OSError) and exc.errno in _LIMIT_ERRNOS:
        return "output_limit"
    return "runtime"


def _done(report_fd: int) -> NoReturn:
    """Flush, close the output and report pipes (the host sees end-of-file now, not after
    the process has been torn down), exit without running ``atexit`` handlers."""
    for stream in (sys.stdout, sys.stderr):
        # A closed or broken stdout is the program's business.
        with contextlib.suppress(BaseException):
            stream.flush()
    for fd in (1, 2, report_fd):
        with contextlib.suppress(OSError):
            os.close(fd)
    os._exit(0)


def run_program(
    program: str, prelude: str | CodeType, report_fd: int, seccomp: _Seccomp | None
) -> NoReturn:
    """Run the trusted prelude, lock the process down, run the program, report, exit."""
    namespace: dict[str, object] = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        if prelude:
            exec(prelude, namespace)
    except BaseException as exc:
        _report(report_fd, {"error": "unavailable",
                            "message": f"the backend's libraries failed to load: {exc!r}"})
        _done(report_fd)
    # Line-buffered, so what a program printed before a timeout kill still reaches the
    # model (a print-heavy program is capped at the output limit anyway).
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # Locked down before the program is even parsed: compiling hostile text is the
    # first thing hostile text gets to do.
    sys.addaudithook(_audit)
    if seccomp is not None:
        seccomp.load()
    try:
        code = compile(program, "<program>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        import traceback

        _report(report_fd, {"error": "syntax", "message": "".join(
            traceback.format_exception_only(type(exc), exc)).strip()})
        _done(report_fd)
    try:
        exec(code, namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            _report(report_fd, {"error": "runtime",
                                "message": f"the program exited with status {exc.code}"})
            _done(report_fd)
    except BaseException as exc:
        kind = _classify(exc)
        try:
            message = _program_traceback(exc, program)
        except BaseException:  # e.g. out of memory again while formatting
            message = f"{type(exc).__name__}: {exc}"
        if kind == "memory":
            message = f"{message} (the memory limit was reached)"
        _report(report_fd, {"error": kind, "message": message})
        _done(report_fd)
    if "answer" not in namespace:
        _report(report_fd, {"error": "no_answer", "message": "the program did not set `answer`"})
    else:
        try:
            _report(report_fd, _render(namespace["answer"]))
        except BaseException as exc:
            _report(report_fd, {"error": "runtime", "message": f"could not render answer: {exc!r}"})
    _done(report_fd)


def main_cold() -> NoReturn:
    report_fd = int(os.environ.pop(REPORT_FD_ENV))
    envelope = json.loads(sys.stdin.buffer.read())
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the program gets an empty stdin
    sys.path[:] = envelope.get("sys_path") or sys.path
    apply_limits(envelope["limits"])
    seccomp = _decode_bpf(envelope.get("bpf"))
    run_program(envelope["program"], envelope.get("prelude", ""), report_fd, seccomp)


def main_exec(spec_text: str, argv: list[str]) -> NoReturn:
    spec = json.loads(spec_text)
    apply_limits(spec["limits"])
    seccomp = _decode_bpf(spec.get("bpf"))
    if seccomp is not None:
        seccomp.load()
    os.execvp(argv[0], argv)


# --------------------------------------------------------------------------- warm pool

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


def serve(sock_fd: int) -> NoReturn:
    """The warm supervisor: import once, then fork one locked-down child per program."""
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
        import importlib

        for name in hello.get("warm_imports", []):
            importlib.import_module(name)
        for block in hello.get("warmups", []):
            # Trusted code from the host (never the model's): fills lazy imports and
            # caches, e.g. SymPy imports a dozen modules on the first subtraction. A
            # failing warm-up only costs time: the child will do the work itself.
            with contextlib.suppress(Exception):
                exec(block, {"__name__": "__warmup__"})
        seccomp = _decode_bpf(hello.get("bpf"))
        import traceback  # noqa: F401 - warm for children's error reports
        if _threads() != 1:
            raise RuntimeError(f"warm imports started {_threads() - 1} thread(s); forking is unsafe")
        _set_non_dumpable()
    except BaseException as exc:
        send_message(sock, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        os._exit(1)
    gc.collect()
    gc.freeze()  # keep imported objects' pages shared with the children
    send_message(sock, {"ready": True, "import_ms": (time.monotonic() - started) * 1000,
                        "pid": os.getpid()})
    while True:
        request, fds = recv_message(sock, max_fds=3)
        if request is None:
            os._exit(0)
        if request.get("op") == "kill" and not fds:
            continue  # meant for a child that had already exited: nothing to answer
        if request.get("op") != "run" or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            send_message(sock, {"error": "bad request"})
            continue
        send_message(sock, _supervise(sock, request, fds, scratch, seccomp))


def _set_non_dumpable() -> None:
    """Children run as the same uid: keep them out of our /proc/PID/{mem,fd} (PR_SET_DUMPABLE)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


_PRELUDES: dict[str, CodeType] = {}


def _compiled_prelude(source: str) -> CodeType | str:
    """Compile each distinct prelude once, here, rather than in every child.

    Preludes are the backends' own trusted code (solver kits run to several KB, whose
    compilation would cost every program milliseconds); the model's program is only ever
    compiled in the child.
    """
    if not source:
        return source
    code = _PRELUDES.get(source)
    if code is None:
        try:
            code = compile(source, "<prelude>", "exec")
        except (SyntaxError, ValueError):
            return source  # let the child report it
        if len(_PRELUDES) >= 32:
            _PRELUDES.clear()
        _PRELUDES[source] = code
    return code


def _supervise(
    sock: socket.socket, request: dict[str, Any], fds: list[int], scratch: str,
    seccomp: _Seccomp | None,
) -> dict[str, Any]:
    limits = request["limits"]
    request["prelude"] = _compiled_prelude(request.get("prelude", ""))
    pid = os.fork()
    if pid == 0:
        try:
            _child(sock, request, fds, scratch, seccomp)
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
    sock: socket.socket, request: dict[str, Any], fds: list[int], scratch: str,
    seccomp: _Seccomp | None,
) -> NoReturn:
    sock.detach()  # its descriptor is closed below; the object must not close a reused number
    os.setpgid(0, 0)
    out_fd, err_fd, report_fd = fds
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.dup2(report_fd, _CHILD_REPORT_FD)
    os.closerange(_CHILD_REPORT_FD + 1, 1 << 16)
    os.chdir(scratch)
    apply_limits(request["limits"])
    run_program(request["program"], request.get("prelude", ""), _CHILD_REPORT_FD, seccomp)


def main(argv: list[str]) -> NoReturn:
    if len(argv) >= 2 and argv[0] == "--serve":
        serve(int(argv[1]))
    if len(argv) >= 3 and argv[0] == "--exec":
        rest = argv[2:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        main_exec(argv[1], rest)
    main_cold()


if __name__ == "__main__":
    main(sys.argv[1:])
