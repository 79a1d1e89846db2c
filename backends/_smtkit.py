"""Trusted prelude of the ``smt`` backend: its source runs inside the sandbox, first.

The host passes this file's text as the prelude (the sandboxed interpreter does not
import the ``backends`` package), so it is self-contained: it defines the exceptions
that ``backends._solverkit.remap`` recognises by name.

* ``configure(ms)`` sets z3's global timeout, so every check is bounded.
* ``check()`` of ``Solver`` and ``Optimize`` raises ``SolverUnknown`` (with z3's
  ``reason_unknown``) instead of returning ``unknown``: a program cannot mistake a
  give-up for ``unsat``.
* ``model()`` after an ``unsat`` check raises ``Unsatisfiable`` instead of z3's
  generic "model is not available".
* ``run_smtlib`` evaluates an SMT-LIB 2 script and returns what it printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3


class SolverUnknown(Exception):
    """z3 gave up (timeout, incompleteness): neither sat nor unsat may be claimed."""


class Unsatisfiable(Exception):
    """The program asked for a model of constraints that have none."""


class ProgramSyntaxError(Exception):
    """An SMT-LIB script that z3 rejects."""


_timeout_ms = 0


def configure(timeout_ms: int) -> None:
    global _timeout_ms
    _timeout_ms = timeout_ms
    z3.set_param("timeout", timeout_ms)


def _unknown(reason: str) -> SolverUnknown:
    limit = f" (the solver timeout is {_timeout_ms} ms)" if "timeout" in reason else ""
    return SolverUnknown(f"z3 returned unknown: {reason or 'no reason given'}{limit}")


def _guard_check(cls: Any) -> None:
    original: Callable[..., Any] = cls.check

    def check(self: Any, *assumptions: Any) -> Any:
        result = original(self, *assumptions)
        self._reasoner_last = result
        if result == z3.unknown:
            raise _unknown(self.reason_unknown())
        return result

    check.__doc__ = original.__doc__
    cls.check = check


def _guard_model(cls: Any) -> None:
    original: Callable[..., Any] = cls.model

    def model(self: Any) -> Any:
        try:
            return original(self)
        except z3.Z3Exception:
            if getattr(self, "_reasoner_last", None) == z3.unsat:
                raise Unsatisfiable(
                    "model() was called after check() returned unsat: the constraints have "
                    "no solution"
                ) from None
            raise

    model.__doc__ = original.__doc__
    cls.model = model


for _cls in (z3.Solver, z3.Optimize):
    if not getattr(_cls.check, "__reasoner_guarded__", False):
        _guard_check(_cls)
        _guard_model(_cls)
        _cls.check.__reasoner_guarded__ = True  # type: ignore[attr-defined]


def run_smtlib(script: str) -> str:
    """Evaluate an SMT-LIB 2 script; its printed output is the answer.

    The main context is fresh in every sandboxed process (or forked child); a new
    ``Context()`` would cost ~20 ms more.
    """
    ctx = z3.main_ctx()
    try:
        output = z3.Z3_eval_smtlib2_string(ctx.ref(), script)
    except z3.Z3Exception as exc:
        _raise_script_error(_text(exc.value))
    lines = [line.strip() for line in output.splitlines()]
    if "unknown" in lines:
        reason = z3.Z3_eval_smtlib2_string(ctx.ref(), "(get-info :reason-unknown)")
        raise _unknown(_reason_text(reason))
    return output.strip()


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _raise_script_error(output: str) -> None:
    """z3 printed ``(error "...")`` somewhere in the output: say which kind of failure."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("(error")]
    before = lines[: lines.index(errors[0])] if errors else lines
    message = "\n".join(errors) or output.strip()
    if "model is not available" in message and "unsat" in before:
        raise Unsatisfiable(
            f"the script asked for a model after check-sat answered unsat: {message}"
        )
    if "unknown" in before:
        raise _unknown("check-sat answered unknown")
    raise ProgramSyntaxError(f"z3 rejected the SMT-LIB script: {message}")


def _reason_text(reply: str) -> str:
    """``(:reason-unknown "timeout")`` -> ``timeout``."""
    start, end = reply.find('"'), reply.rfind('"')
    return reply[start + 1 : end] if 0 <= start < end else reply.strip()
