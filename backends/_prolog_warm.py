"""Prolog's sandbox worker: SWI-Prolog embedded once, one fork per program.

Not imported by the host: ``backends/prolog.py`` names this file as a worker
(``backends/sandbox/records.py``) and the sandbox loads it by path. Standard library only.

The warm supervisor calls :func:`start` once: it loads ``libswipl`` through ctypes (no
pyswip, whose start-up probes ``swipl`` with a subprocess), initialises Prolog with
``--no-threads`` (the supervisor refuses to fork when a thread exists) from the
runner's saved state, which holds the runner and its libraries. It never loads a
program. Each forked child (limits and seccomp already applied by the sandbox) calls
:func:`run`, which runs the runner's ``warm_main/5`` on the program text and exits
without returning, so whatever the program asserted or set dies with the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from typing import Any, NoReturn

# SWI-Prolog.h (stable across 9.x).
_PL_STRING = 6
_REP_UTF8 = 0x00100000
_PL_Q_NODEBUG = 0x0004
_PL_Q_CATCH_EXCEPTION = 0x0008
_REPORT_FD = 3

_lib: ctypes.CDLL | None = None


def _bind(lib: ctypes.CDLL) -> None:
    """Declare the few foreign functions used, so ctypes passes 64-bit handles correctly."""
    size_t, term_t, pred_t = ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p
    lib.PL_initialise.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    lib.PL_new_term_refs.argtypes = [ctypes.c_int]
    lib.PL_new_term_refs.restype = term_t
    lib.PL_new_term_ref.restype = term_t
    lib.PL_put_chars.argtypes = [term_t, ctypes.c_int, size_t, ctypes.c_char_p]
    lib.PL_put_float.argtypes = [term_t, ctypes.c_double]
    lib.PL_put_int64.argtypes = [term_t, ctypes.c_int64]
    lib.PL_put_atom_chars.argtypes = [term_t, ctypes.c_char_p]
    lib.PL_chars_to_term.argtypes = [ctypes.c_char_p, term_t]
    lib.PL_call.argtypes = [term_t, ctypes.c_void_p]
    lib.PL_predicate.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    lib.PL_predicate.restype = pred_t
    lib.PL_call_predicate.argtypes = [ctypes.c_void_p, ctypes.c_int, pred_t, term_t]


def start(args: dict[str, Any]) -> None:
    """Initialise Prolog with the runner (trusted); raise if that fails.

    ``args``: ``library`` (libswipl), ``home`` (SWI's home), ``state`` and ``runner``.
    From the runner's saved state when this sandbox can read it (its ``main`` returns at
    once given the argument ``warm``), else by loading the runner's source (slower:
    clpfd is compiled again).
    """
    global _lib
    library, home, state, runner = args["library"], args["home"], args["state"], args["runner"]
    lib = ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    _bind(lib)
    use_state = os.access(state, os.R_OK)
    flags = [b"swipl", f"--home={home}".encode()]
    if use_state:
        flags += [b"-x", state.encode()]
    flags += [b"-q", b"--no-threads", b"--no-packs", b"--no-tty", b"-f", b"none", b"-F", b"none",
              b"--", b"warm"]
    argv = (ctypes.c_char_p * (len(flags) + 1))(*flags, None)
    if not lib.PL_initialise(len(flags), argv):
        raise RuntimeError("PL_initialise failed")
    if not use_state:
        if "'" in runner or "\\" in runner:
            raise ValueError(f"unsupported path for the Prolog runner: {runner!r}")
        goal = lib.PL_new_term_ref()
        text = f"use_module('{runner}')".encode()
        if not lib.PL_chars_to_term(text, goal) or not lib.PL_call(goal, None):
            raise RuntimeError(f"could not load {runner}")
    if not lib.PL_predicate(b"warm_main", 5, b"reasoner_prolog_runner"):
        raise RuntimeError("the runner has no warm_main/5")
    _lib = lib


def run(payload: dict[str, Any]) -> NoReturn:
    """In the child: load and solve ``payload["text"]``, report on descriptor 3, exit."""
    status = 0
    try:
        text, seconds = payload["text"], payload["seconds"]
        stack, tables = payload["stack"], payload["tables"]
        if _lib is None:
            raise RuntimeError("Prolog was not initialised in the warm supervisor")
        lib = _lib
        args = lib.PL_new_term_refs(5)
        data = text.encode("utf-8", "surrogatepass")
        lib.PL_put_chars(args, _PL_STRING | _REP_UTF8, len(data), data)
        lib.PL_put_float(args + 1, float(seconds))
        lib.PL_put_int64(args + 2, int(stack))
        lib.PL_put_int64(args + 3, int(tables))
        lib.PL_put_atom_chars(args + 4, str(_REPORT_FD).encode())
        pred = lib.PL_predicate(b"warm_main", 5, b"reasoner_prolog_runner")
        if not lib.PL_call_predicate(None, _PL_Q_NODEBUG | _PL_Q_CATCH_EXCEPTION, pred, args):
            _report_failure("the Prolog runner failed without a report")
            status = 3
    except BaseException as exc:  # anything failing here is the runner's fault
        _report_failure(f"the warm Prolog runner failed: {exc!r}")
        status = 3
    for fd in (1, 2, _REPORT_FD):
        with contextlib.suppress(OSError):
            os.close(fd)
    os._exit(status)


def _report_failure(message: str) -> None:
    """A crash-kind report; only written when the runner did not report itself."""
    import json

    data = (json.dumps({"error": "crash", "message": message}) + "\n").encode()
    with contextlib.suppress(OSError):
        os.write(_REPORT_FD, data)
