"""The Python languages' worker: runs one Python program and reports its ``answer``.

A sandbox worker (``backends/sandbox/records.py``): the sandbox loads this file by path
inside the sandbox, never as part of the ``backends`` package, so it needs only the
standard library. ``start(args)`` imports the libraries named in ``warm_imports`` and
runs the trusted ``warmups`` once (in a warm supervisor, before any fork);
``run({"program", "prelude"})`` runs the trusted prelude, then the program, in a process
the sandbox has already limited and locked down (no fork, no exec).

The report (one JSON line) goes to descriptor 3, never to stdout. The program could
write to that descriptor deliberately, which is no different from setting ``answer``;
printing cannot forge it. ``os._exit`` at the end skips ``atexit`` handlers the program
may have registered.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from types import CodeType
from typing import Any, NoReturn

REPORT_FD = 3

# Audit events for starting processes. Seccomp is what actually blocks them (this hook
# could be bypassed with ctypes); the hook turns the attempt into a clear PermissionError
# where the C library would otherwise just return -1 (os.system).
_BLOCKED_EVENTS = frozenset({
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "subprocess.Popen", "pty.spawn",
})
_DENIED_ERRNOS = frozenset({errno.EPERM, errno.EACCES, errno.EROFS})
_LIMIT_ERRNOS = frozenset({errno.EFBIG, errno.ENOSPC, errno.EDQUOT})


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


def run_program(program: str, prelude: str | CodeType, report_fd: int = REPORT_FD) -> NoReturn:
    """Run the trusted prelude, refuse new processes, run the program, report, exit."""
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


_PRELUDES: dict[str, CodeType] = {}


def start(args: dict[str, Any]) -> None:
    """Import the libraries once and run their trusted warm-ups (in the supervisor).

    A failing warm-up only costs time: the child does the work itself.
    """
    import importlib

    for name in args.get("warm_imports", []):
        importlib.import_module(name)
    for block in args.get("warmups", []):
        # Trusted code from the host (never the model's): fills lazy imports and
        # caches, e.g. SymPy imports a dozen modules on the first subtraction.
        with contextlib.suppress(Exception):
            exec(block, {"__name__": "__warmup__"})
    import traceback  # noqa: F401 - warm for children's error reports


def prepare(payload: dict[str, Any]) -> dict[str, Any]:
    """Compile each distinct prelude once, in the supervisor, rather than in every child.

    Preludes are the backends' own trusted code (solver kits run to several KB, whose
    compilation would cost every program milliseconds); the model's program is only
    ever compiled in the child.
    """
    source = payload.get("prelude", "")
    if not source or not isinstance(source, str):
        return payload
    code = _PRELUDES.get(source)
    if code is None:
        try:
            code = compile(source, "<prelude>", "exec")
        except (SyntaxError, ValueError):
            return payload  # let the child report it
        if len(_PRELUDES) >= 32:
            _PRELUDES.clear()
        _PRELUDES[source] = code
    return {**payload, "prelude": code}


def run(payload: dict[str, Any]) -> NoReturn:
    """In the locked-down process: the prelude, the program, the report."""
    run_program(payload["program"], payload.get("prelude", ""))
