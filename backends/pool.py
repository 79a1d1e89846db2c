"""Warm pools: a sandboxed supervisor per set of libraries, forking one child per program.

A cold run pays for a Python start and the backend's imports every time (``import
sympy`` is about a third of a second). A warm worker is a supervisor process started
once inside bubblewrap (no network, read-only filesystem, no capabilities, seccomp
allowing only fork on top of the usual denials) that imports the libraries, then for
each program forks a child which applies the run's rlimits and the full seccomp filter
(no fork, no exec) before executing the program's code. The supervisor never runs
model code and never starts threads.

The host hands each child its own stdout, stderr and report pipes (passed over a Unix
socket), so output is read, capped and killed on exactly as in a cold run, and the
supervisor's only job is to fork, enforce the wall clock, reap and wipe the working
directory. A worker is replaced after ``max_runs`` programs, after a child dies of a
signal the supervisor did not send, and whenever the supervisor itself dies or stops
answering; the replacement starts at once, in the background.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from backends import _pyharness as proto
from backends.isolation import Isolation, detect, seccomp_filter
from backends.result import Limits
from backends.sandbox import (
    _MAX_REPORT_BYTES,
    HARNESS,
    SCRATCH,
    Launched,
    RawRun,
    SandboxUnavailable,
    StreamPump,
    launch,
    limits_payload,
    minimal_env,
    python_path,
    scratch_mb,
    supervisor_pids,
)

DEFAULT_MAX_RUNS = 100
_READY_TIMEOUT = 120.0
_GRACE_SECONDS = 2.0
"""How long past the wall limit the host waits for the supervisor before killing it."""
_SELF_KILLS = frozenset({signal.SIGKILL})


LIBRARY_WARMUPS: dict[str, str] = {
    "sympy": (
        "from sympy import *\n"
        "x, y = symbols('x y')\n"
        "solve(x**2 - 2, x); solve([x + y - 3, x - y - 1], [x, y]); solve(x**3 - x - 1, x)\n"
        "simplify(sin(x)**2 + cos(x)**2); factor(x**2 - 1); expand((x + 1)**3)\n"
        "integrate(x * exp(x), x); diff(sin(x) * x, x); limit(sin(x) / x, x, 0)\n"
        "series(exp(x), x, 0, 3); nsimplify(0.5); Rational(1, 3) + sqrt(8); N(pi, 20)\n"
        "latex(sqrt(2) / 3); solveset(x**2 - 1, x, S.Reals); Matrix([[1, 2], [3, 4]]).det()\n"
        "isprime(97); factorint(360); summation(x, (x, 1, 10)); apart(1 / (x**2 - 1))\n"
    ),
    "z3": (
        "import z3\n"
        "x = z3.Int('x'); s = z3.Solver(); s.add(x > 1, x * x < 10); s.check(); s.model()\n"
        "o = z3.Optimize(); o.add(x > 1); o.minimize(x); o.check(); o.model()\n"
    ),
    "pysat.solvers": (
        "from pysat.solvers import Solver\n"
        "for name in ('cadical153', 'glucose4', 'minisat22', 'minicard'):\n"
        "    with Solver(name=name, bootstrap_with=[[1, 2], [-1]]) as s:\n"
        "        s.solve()\n"
    ),
    "pysat.card": (
        "from pysat.card import CardEnc, EncType\n"
        "CardEnc.equals(lits=[1, 2, 3], bound=1, encoding=EncType.seqcounter)\n"
    ),
}
"""Trusted code run once by a supervisor that imported the library: libraries defer
imports and tables to their first call (SymPy's first ``solve`` of ``x**2 - 2`` costs
0.4 s), which would otherwise be paid again in every child."""


def warmup_code(warm_imports: tuple[str, ...], extra: str = "") -> list[str]:
    """The warm-ups a supervisor runs, each in its own namespace: libraries', then the backend's."""
    parts = [LIBRARY_WARMUPS[name] for name in warm_imports if name in LIBRARY_WARMUPS]
    return [*parts, extra] if extra else parts


class PoolError(RuntimeError):
    """A warm worker could not start or broke; callers fall back to a cold run."""


class PoolStartError(PoolError):
    """The supervisor failed during start-up (e.g. a warm import is missing): not retried."""


class WarmWorker:
    """One supervisor process and the socket to it. Runs one program at a time."""

    def __init__(
        self, warm_imports: tuple[str, ...], *, scratch_size_mb: int, iso: Isolation,
        max_runs: int = DEFAULT_MAX_RUNS, warmup: str = "",
    ) -> None:
        self.warm_imports = warm_imports
        self.max_runs = max_runs
        self.runs = 0
        self.retired = False
        self.import_ms: float | None = None
        self._ready = False
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        argv = [sys.executable, "-I", "-S", HARNESS, "--serve", str(child_end.fileno())]
        try:
            self.launched: Launched = launch(
                argv, iso=iso, env=minimal_env(), scratch_size_mb=scratch_size_mb,
                allow_fork=True, long_lived=True, pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        finally:
            child_end.close()
        self.sock = host_end
        expected_pid = 2 if iso.bwrap else self.launched.proc.pid
        bpf = None
        if iso.seccomp:
            raw = seccomp_filter(
                allow_fork=False, allow_exec=False,
                protect_pids=supervisor_pids(iso, expected_pid),
            )
            bpf = base64.b64encode(raw).decode()
        try:
            proto.send_message(self.sock, {
                "sys_path": python_path(), "scratch": self.launched.scratch or SCRATCH,
                "warm_imports": list(warm_imports), "warmups": warmup_code(warm_imports, warmup),
                "bpf": bpf,
                "expected_pid": expected_pid,
            })
        except OSError as exc:
            self.close()
            raise PoolStartError(f"the warm supervisor did not start: {exc}") from exc

    @property
    def pid(self) -> int:
        """Host pid of the outermost sandbox process (bwrap, or the supervisor in weak mode)."""
        return self.launched.proc.pid

    def _await_ready(self) -> None:
        if self._ready:
            return
        self.sock.settimeout(_READY_TIMEOUT)
        try:
            message, _ = proto.recv_message(self.sock)
        except (OSError, ValueError) as exc:
            self.close()
            raise PoolStartError(f"the warm supervisor did not answer: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                self.sock.settimeout(None)
        if not message or not message.get("ready"):
            self.close()
            detail = (message or {}).get("error", "it exited during start-up")
            raise PoolStartError(f"the warm supervisor failed to start: {detail}")
        self.import_ms = float(message.get("import_ms", 0.0))
        self._ready = True

    def run(self, program: str, prelude: str, limits: Limits) -> RawRun:
        """Run one program in a fresh child of the supervisor."""
        if self.retired:
            raise PoolError("this worker is retired")
        self._await_ready()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        rep_r, rep_w = os.pipe()
        started = time.monotonic()
        try:
            proto.send_message(
                self.sock,
                {"op": "run", "program": program, "prelude": prelude,
                 "limits": limits_payload(limits)},
                [out_w, err_w, rep_w],
            )
        except OSError as exc:
            for fd in (out_r, err_r, rep_r):
                os.close(fd)
            self.close()
            raise PoolError(f"the warm supervisor is gone: {exc}") from exc
        finally:
            for fd in (out_w, err_w, rep_w):
                os.close(fd)
        try:
            return self._collect(out_r, err_r, rep_r, limits, started)
        finally:
            for fd in (out_r, err_r, rep_r):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _collect(
        self, out_r: int, err_r: int, rep_r: int, limits: Limits, started: float
    ) -> RawRun:
        caps = {out_r: limits.output_bytes, err_r: limits.output_bytes, rep_r: _MAX_REPORT_BYTES}
        pump = StreamPump(caps)
        sock_fd = self.sock.fileno()
        pump.watch(sock_fd)
        deadline = started + limits.wall_seconds
        backstop = deadline + _GRACE_SECONDS
        status: dict[str, Any] | None = None
        kill_sent = broken = gone = False
        try:
            while status is None or pump.reading:
                now = time.monotonic()
                if now >= backstop:
                    broken = True
                    break
                if pump.overflow and not kill_sent:
                    kill_sent = self._send_kill()
                if sock_fd in pump.step(min(backstop - now, 1.0)):
                    message, _ = proto.recv_message(self.sock)
                    pump.unwatch(sock_fd)
                    if message is None or "status" not in message:
                        broken = True
                        gone = message is None
                        break
                    status = message
        except (OSError, ValueError):
            broken = True
        finally:
            pump.close()
        elapsed_ms = (time.monotonic() - started) * 1000
        self.runs += 1
        if gone and not any(pump.buffers.values()):
            # The supervisor died before the program produced anything (it was killed
            # between runs): nothing was observed, so the run may be retried elsewhere.
            self.close()
            raise PoolError("the warm supervisor exited before running the program")
        returncode: int | None = None
        timed_out = False
        if broken or status is None:
            self.close()  # a supervisor that stops answering is not trusted again
            timed_out = time.monotonic() >= deadline
        else:
            returncode = os.waitstatus_to_exitcode(int(status["status"]))
            timed_out = bool(status.get("timed_out"))
            own_kill = timed_out or bool(status.get("killed"))
            crashed = returncode < 0 and not (own_kill and -returncode in _SELF_KILLS)
            if crashed or self.runs >= self.max_runs:
                self.retired = True
        return RawRun(
            returncode=returncode,
            stdout=pump.buffers[out_r].decode("utf-8", "replace"),
            stderr=pump.buffers[err_r].decode("utf-8", "replace"),
            report=_parse(bytes(pump.buffers[rep_r])),
            timed_out=timed_out,
            output_overflow=bool(pump.overflowed & {out_r, err_r}),
            elapsed_ms=elapsed_ms,
            notes=["warm supervisor stopped answering and was killed"] if broken else [],
            cpu_seconds=float(status["cpu_seconds"]) if status else None,
        )

    def _send_kill(self) -> bool:
        try:
            proto.send_message(self.sock, {"op": "kill"})
        except OSError:
            return False
        return True

    def alive(self) -> bool:
        return not self.retired and self.launched.proc.poll() is None

    def close(self) -> None:
        """Stop the supervisor: closing the socket ends it; the kill makes sure."""
        self.retired = True
        with contextlib.suppress(OSError):
            self.sock.close()
        self.launched.cleanup()


def _parse(data: bytes) -> dict[str, Any] | None:
    from backends.sandbox import parse_report

    return parse_report(data)


PoolKey = tuple[tuple[str, ...], str, int, str]
"""(warm imports, warm-up code, scratch size in MB, isolation level)."""


class PoolManager:
    """Workers keyed by their warm imports; at most ``max_workers`` per key run at once."""

    def __init__(self, max_workers: int | None = None, max_runs: int = DEFAULT_MAX_RUNS) -> None:
        self.max_workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self.max_runs = max_runs
        self._cond = threading.Condition()
        self._idle: dict[PoolKey, list[WarmWorker]] = {}
        self._busy: dict[PoolKey, int] = {}
        self._failed: dict[PoolKey, str] = {}
        self.completed = 0
        """Programs run by warm workers so far (statistics, benchmarks)."""

    def run(
        self, warm_imports: tuple[str, ...], program: str, prelude: str, limits: Limits,
        warmup: str = "",
    ) -> RawRun:
        """Run a program in a warm worker; ``PoolError`` when no worker can be had."""
        iso = detect()
        refusal = iso.refusal()
        if refusal:
            raise SandboxUnavailable(refusal)
        key: PoolKey = (tuple(warm_imports), warmup, scratch_mb(limits), iso.level)
        for attempt in range(2):
            worker = self._acquire(key, iso)
            try:
                raw = worker.run(program, prelude, limits)
                with self._cond:
                    self.completed += 1
                return raw
            except PoolStartError as exc:
                with self._cond:
                    self._failed[key] = str(exc)
                raise
            except PoolError:
                if attempt:  # the supervisor died between runs twice in a row
                    raise
            finally:
                self._release(key, worker, iso)
        raise AssertionError("unreachable")

    def _acquire(self, key: PoolKey, iso: Isolation) -> WarmWorker:
        with self._cond:
            if key in self._failed:
                raise PoolError(self._failed[key])
            while True:
                idle = self._idle.setdefault(key, [])
                while idle:
                    worker = idle.pop()
                    if worker.alive():
                        self._busy[key] = self._busy.get(key, 0) + 1
                        return worker
                    worker.close()
                if self._busy.get(key, 0) < self.max_workers:
                    self._busy[key] = self._busy.get(key, 0) + 1
                    break
                self._cond.wait()
        try:
            return self._spawn(key, iso)
        except BaseException:
            with self._cond:
                self._busy[key] -= 1
                self._cond.notify()
            raise

    def _spawn(self, key: PoolKey, iso: Isolation) -> WarmWorker:
        return WarmWorker(
            key[0], warmup=key[1], scratch_size_mb=key[2], iso=iso, max_runs=self.max_runs
        )

    def _release(self, key: PoolKey, worker: WarmWorker, iso: Isolation) -> None:
        replacement: WarmWorker | None = None
        if not worker.alive():
            worker.close()
            if key not in self._failed:
                with contextlib.suppress(PoolError, SandboxUnavailable, OSError):
                    replacement = self._spawn(key, iso)  # starts importing now, in its sandbox
        with self._cond:
            self._busy[key] -= 1
            keep = replacement if replacement is not None else (
                worker if worker.alive() else None)
            if keep is not None:
                self._idle.setdefault(key, []).append(keep)
            self._cond.notify()

    def prewarm(
        self, warm_imports: tuple[str, ...], limits: Limits | None = None, warmup: str = ""
    ) -> None:
        """Start a worker for these imports now, so the first program does not wait."""
        iso = detect()
        if iso.refusal():
            return
        key: PoolKey = (tuple(warm_imports), warmup, scratch_mb(limits or Limits()), iso.level)
        with self._cond:
            if self._idle.get(key) or self._busy.get(key) or key in self._failed:
                return
        worker = self._spawn(key, iso)
        with self._cond:
            self._idle.setdefault(key, []).append(worker)

    def failures(self) -> dict[PoolKey, str]:
        """Keys whose supervisor failed to start (they run cold), and why."""
        with self._cond:
            return dict(self._failed)

    def workers(self) -> list[WarmWorker]:
        with self._cond:
            return [w for ws in self._idle.values() for w in ws]

    def shutdown(self) -> None:
        """Stop every idle worker (busy ones stop when their run ends and they are closed)."""
        with self._cond:
            idle = [w for ws in self._idle.values() for w in ws]
            self._idle.clear()
            self._failed.clear()
        for worker in idle:
            worker.close()


    def forget_after_fork(self) -> None:
        """In a forked copy of the host: drop the parent's workers without stopping them."""
        for worker in [w for ws in self._idle.values() for w in ws]:
            with contextlib.suppress(OSError):
                worker.sock.close()
        self._cond = threading.Condition()
        self._idle, self._busy, self._failed = {}, {}, {}


manager = PoolManager()
atexit.register(manager.shutdown)
# A host that forks (multiprocessing) must not share the parent's supervisors.
os.register_at_fork(after_in_child=lambda: manager.forget_after_fork())


def shutdown_all() -> None:
    manager.shutdown()
