"""Runs inside the sandboxed child: execute a Python program, report ``answer``.

Invoked as ``python -I -m backends._pyharness``; stdin carries one JSON object,
``{"prelude": code run first (e.g. "from sympy import *"), "program": the program}``.
The report (one JSON line) goes to the descriptor named by ``REASONER_REPORT_FD``,
which the program never needs to touch. ``os._exit`` at the end skips ``atexit``
handlers the program may have registered.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

def _report(fd: int, payload: dict[str, object]) -> None:
    os.write(fd, (json.dumps(payload) + "\n").encode())


def _render(value: object) -> dict[str, object]:
    rendered: dict[str, object] = {"value": str(value)}
    if type(value).__module__.startswith("sympy"):
        try:
            from sympy import latex  # local: only when the value is a SymPy object

            rendered["latex"] = latex(value)
        except Exception:  # rendering is a courtesy; the text value is what counts
            pass
    return rendered


def _program_traceback(exc: BaseException) -> str:
    """The traceback limited to the program's own frames: what a model can fix."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<program>"]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()


def main() -> None:
    fd = int(os.environ.pop("REASONER_REPORT_FD"))
    envelope = json.loads(sys.stdin.read())
    prelude, source = envelope.get("prelude", ""), envelope["program"]
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the program gets an empty stdin
    namespace: dict[str, object] = {"__name__": "__main__"}
    try:
        code = compile(source, "<program>", "exec")
    except (SyntaxError, ValueError) as exc:
        _report(fd, {"error": "syntax", "message": "".join(
            traceback.format_exception_only(type(exc), exc)).strip()})
        os._exit(0)
    try:
        if prelude:
            exec(prelude, namespace)
        exec(code, namespace)
    except MemoryError:
        _report(fd, {"error": "memory", "message": "MemoryError: the memory limit was reached"})
        os._exit(0)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            _report(fd, {"error": "runtime", "message": f"program exited with status {exc.code}"})
            os._exit(0)
    except BaseException as exc:
        _report(fd, {"error": "runtime", "message": _program_traceback(exc)})
        os._exit(0)
    sys.stdout.flush()
    sys.stderr.flush()
    if "answer" not in namespace:
        _report(fd, {"error": "no_answer", "message": "the program did not set `answer`"})
    else:
        try:
            _report(fd, _render(namespace["answer"]))
        except BaseException as exc:
            _report(fd, {"error": "runtime", "message": f"could not render answer: {exc!r}"})
    os._exit(0)


if __name__ == "__main__":
    main()
