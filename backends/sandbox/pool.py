"""Warm pools: a sandboxed supervisor per worker, forking one child per program.

A cold run pays for an interpreter start and a language's imports every time (a
library can take a third of a second). A warm worker is a supervisor process started
once inside bubblewrap (no network, read-only filesystem, no capabilities, seccomp
allowing only fork on top of the usual denials) that loads a worker file and calls its
``start`` once, then for each program forks a child which applies the run's rlimits and
the full seccomp filter (no fork, no exec) before calling the worker's ``run``. The
supervisor never runs model code and never starts threads.

The host hands each child its own stdout, stderr, report and mark pipes (passed over a Unix
socket), so output is read, capped and killed on exactly as in a cold run, and the
supervisor's only job is to fork, enforce the wall clock, reap and wipe the working
directory. A worker is replaced after ``max_runs`` programs, after a child dies of a
signal the supervisor did not send, and whenever the supervisor itself dies or stops
answering; the replacement starts at once, in the background.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from typing import Any

from backends.result import Limits
from backends.sandbox import _inside as wire
from backends.sandbox.bwrap import SCRATCH
from backends.sandbox.cold import MAX_REPORT_BYTES, start_failure, worker_bpf, worker_hello, worker_paths
from backends.sandbox.environment import INSIDE, limits_payload, minimal_env, scratch_mb
from backends.sandbox.errors import PoolError, PoolStartError, SandboxUnavailable
from backends.sandbox.isolation import Isolation
from backends.sandbox.launch import Launched, launch
from backends.sandbox.records import RawRun, Worker, parse_report
from backends.sandbox.streams import StreamPump

DEFAULT_MAX_RUNS = 100
_READY_TIMEOUT = 120.0
_GRACE_SECONDS = 2.0
"""How long past the wall limit the host waits for the supervisor before killing it."""
_SELF_KILLS = frozenset({signal.SIGKILL})


class WarmWorker:
    """One supervisor process and the socket to it. Runs one program at a time."""

    def __init__(
        self, worker: Worker, *, scratch_size_mb: int, iso: Isolation, interpreter: str,
        interpreter_root: str | None = None, max_runs: int = DEFAULT_MAX_RUNS,
    ) -> None:
        self.worker = worker
        self.max_runs = max_runs
        self.runs = 0
        self.retired = False
        self.import_ms: float | None = None
        self._ready = False
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        argv = [interpreter, "-I", "-S", INSIDE, "--serve", str(child_end.fileno())]
        try:
            self.launched: Launched = launch(
                argv, iso=iso, env=minimal_env(), scratch_size_mb=scratch_size_mb,
                allow_fork=True, long_lived=True, pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ro_paths=worker_paths(worker, interpreter_root),
            )
        finally:
            child_end.close()
        self.sock = host_end
        expected_pid = 2 if iso.bwrap else self.launched.proc.pid
        hello = worker_hello(worker, worker_bpf(iso, expected_pid))
        try:
            wire.send_message(self.sock, {
                **hello, "scratch": self.launched.scratch or SCRATCH, "expected_pid": expected_pid,
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
            message, _ = wire.recv_message(self.sock)
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

    def run(self, payload: Any, limits: Limits) -> RawRun:
        """Run one payload in a fresh child of the supervisor."""
        if self.retired:
            raise PoolError("this worker is retired")
        self._await_ready()
        pipes = [os.pipe() for _ in range(4)]  # stdout, stderr, report, mark
        reads, writes = [r for r, _ in pipes], [w for _, w in pipes]
        started = time.monotonic()
        try:
            wire.send_message(
                self.sock, {"op": "run", "payload": payload, "limits": limits_payload(limits)},
                writes,
            )
        except OSError as exc:
            for fd in reads:
                os.close(fd)
            self.close()
            raise PoolError(f"the warm supervisor is gone: {exc}") from exc
        finally:
            for fd in writes:
                os.close(fd)
        try:
            return self._collect(*reads, limits=limits, started=started)
        finally:
            for fd in reads:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _collect(
        self, out_r: int, err_r: int, rep_r: int, mark_r: int, *, limits: Limits, started: float
    ) -> RawRun:
        caps = {out_r: limits.output_bytes, err_r: limits.output_bytes, rep_r: MAX_REPORT_BYTES,
                mark_r: 16}
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
                    message, _ = wire.recv_message(self.sock)
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
        if gone and not any(pump.buffers[fd] for fd in (out_r, err_r, rep_r, mark_r)):
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
        raw = RawRun(
            returncode=returncode,
            stdout=pump.buffers[out_r].decode("utf-8", "replace"),
            stderr=pump.buffers[err_r].decode("utf-8", "replace"),
            report=parse_report(bytes(pump.buffers[rep_r])),
            timed_out=timed_out,
            output_overflow=bool(pump.overflowed & {out_r, err_r}),
            elapsed_ms=elapsed_ms,
            notes=["warm supervisor stopped answering and was killed"] if broken else [],
            cpu_seconds=float(status["cpu_seconds"]) if status else None,
        )
        if not broken:
            raw.unavailable = start_failure(raw, bool(pump.buffers[mark_r]))
        return raw

    def _send_kill(self) -> bool:
        try:
            wire.send_message(self.sock, {"op": "kill"})
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


PoolKey = tuple[str, int, str]
"""(the worker's key, scratch size in MB, isolation level)."""


class WarmPool:
    """Warm workers keyed by what they run; at most ``max_workers`` per key run at once.

    Owned by a ``Sandbox``: nothing here is global, and ``close`` stops every worker.
    """

    def __init__(
        self, *, interpreter: str, interpreter_root: str | None = None,
        max_workers: int | None = None, max_runs: int = DEFAULT_MAX_RUNS,
    ) -> None:
        self.interpreter = interpreter
        self.interpreter_root = interpreter_root
        self.max_workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self.max_runs = max_runs
        self._cond = threading.Condition()
        self._idle: dict[PoolKey, list[WarmWorker]] = {}
        self._busy: dict[PoolKey, int] = {}
        self._failed: dict[PoolKey, str] = {}
        self._specs: dict[PoolKey, Worker] = {}
        self._running: set[WarmWorker] = set()
        self._closed = False
        self.completed = 0
        """Programs run by warm workers so far (statistics, benchmarks)."""

    def run(self, worker: Worker, payload: Any, limits: Limits, iso: Isolation) -> RawRun:
        """Run a payload in a warm worker; ``PoolError`` when no worker can be had."""
        refusal = iso.refusal()
        if refusal:
            raise SandboxUnavailable(refusal)
        key = self._key(worker, limits, iso)
        for attempt in range(2):
            warm = self._acquire(key, iso)
            try:
                raw = warm.run(payload, limits)
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
                self._release(key, warm, iso)
        raise AssertionError("unreachable")

    def _key(self, worker: Worker, limits: Limits, iso: Isolation) -> PoolKey:
        key: PoolKey = (worker.key(), scratch_mb(limits), iso.level)
        with self._cond:
            self._specs.setdefault(key, worker)
        return key

    def _acquire(self, key: PoolKey, iso: Isolation) -> WarmWorker:
        with self._cond:
            if self._closed:
                raise PoolError("the sandbox is closed")
            if key in self._failed:
                raise PoolStartError(self._failed[key])
            while True:
                idle = self._idle.setdefault(key, [])
                while idle:
                    warm = idle.pop()
                    if warm.alive():
                        self._busy[key] = self._busy.get(key, 0) + 1
                        self._running.add(warm)
                        return warm
                    warm.close()
                if self._busy.get(key, 0) < self.max_workers:
                    self._busy[key] = self._busy.get(key, 0) + 1
                    break
                self._cond.wait()
        try:
            warm = self._spawn(key, iso)
        except BaseException:
            with self._cond:
                self._busy[key] -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._running.add(warm)
        return warm

    def _spawn(self, key: PoolKey, iso: Isolation) -> WarmWorker:
        return WarmWorker(
            self._specs[key], scratch_size_mb=key[1], iso=iso, interpreter=self.interpreter,
            interpreter_root=self.interpreter_root, max_runs=self.max_runs,
        )

    def _release(self, key: PoolKey, warm: WarmWorker, iso: Isolation) -> None:
        replacement: WarmWorker | None = None
        if not warm.alive():
            warm.close()
            if key not in self._failed and not self._closed:
                with contextlib.suppress(PoolError, SandboxUnavailable, OSError):
                    replacement = self._spawn(key, iso)  # starts now, in its sandbox
        with self._cond:
            self._busy[key] -= 1
            self._running.discard(warm)
            keep = replacement if replacement is not None else (warm if warm.alive() else None)
            if keep is not None and self._closed:
                keep.close()
            elif keep is not None:
                self._idle.setdefault(key, []).append(keep)
            self._cond.notify()

    def prewarm(self, worker: Worker, limits: Limits, iso: Isolation) -> None:
        """Start a worker now, so the first program does not wait."""
        if iso.refusal():
            return
        key = self._key(worker, limits, iso)
        with self._cond:
            if self._closed or self._idle.get(key) or self._busy.get(key) or key in self._failed:
                return
        warm = self._spawn(key, iso)
        with self._cond:
            self._idle.setdefault(key, []).append(warm)

    def failures(self) -> dict[PoolKey, str]:
        """Keys whose supervisor failed to start (they run cold), and why."""
        with self._cond:
            return dict(self._failed)

    def workers(self) -> list[WarmWorker]:
        """The idle workers."""
        with self._cond:
            return [w for ws in self._idle.values() for w in ws]

    def close(self) -> None:
        """Stop every worker, idle or running; the pool refuses runs afterwards."""
        with self._cond:
            self._closed = True
            stopping = [w for ws in self._idle.values() for w in ws] + list(self._running)
            self._idle.clear()
            self._cond.notify_all()
        for warm in stopping:
            warm.close()

    def forget(self) -> None:
        """In a forked copy of the host: drop the parent's workers without stopping them."""
        for warm in [w for ws in self._idle.values() for w in ws] + list(self._running):
            with contextlib.suppress(OSError):
                warm.sock.close()
        self._idle, self._busy, self._running = {}, {}, set()
        self._closed = True
