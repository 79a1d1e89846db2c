"""The ``Sandbox`` object: where its owner's programs run, and the warm workers it keeps.

Its owner (a backend, a ``Reasoner``, a CLI command) creates it, runs programs through
it and closes it; nothing about it is global. A forked copy of the owner's process gets
fresh pools on first use rather than the parent's supervisors.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from backends.result import Limits
from backends.sandbox.cold import run_command, run_worker_once
from backends.sandbox.environment import (
    interpreter_root,
    minimal_env,
    resolve_interpreter,
    usable_interpreter,
)
from backends.sandbox.errors import SandboxUnavailable
from backends.sandbox.isolation import Isolation, detect
from backends.sandbox.pool import DEFAULT_MAX_RUNS, WarmPool
from backends.sandbox.records import RawRun, Worker

POOL_ENV = "REASONER_POOL"
"""``REASONER_POOL=0`` turns warm workers off for sandboxes not told otherwise."""


def warm_by_default() -> bool:
    return os.environ.get(POOL_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


class Sandbox:
    """Runs commands and workers isolated; owns the warm pool; ``close()`` stops it.

    ``warm`` fixes whether workers are kept warm (None: ``REASONER_POOL``, read at each
    run). ``interpreter`` is the Python the sandbox's own script and workers run on
    (default: this one), resolved so that a symlinked path still works inside.
    """

    def __init__(
        self, *, warm: bool | None = None, interpreter: str | None = None,
        max_workers: int | None = None, max_runs: int = DEFAULT_MAX_RUNS,
    ) -> None:
        self._warm = warm
        self._interpreter = interpreter
        own = resolve_interpreter()
        real = resolve_interpreter(interpreter)
        self._root = None if real == own else interpreter_root(real)
        self._max_workers = max_workers
        self._max_runs = max_runs
        self._lock = threading.Lock()
        self._pool_obj: WarmPool | None = None
        self._pid = os.getpid()
        self.closed = False

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every warm worker. Idempotent; a closed sandbox refuses to run."""
        with self._lock:
            self.closed = True
            pool, self._pool_obj = self._pool_obj, None
        if pool is not None and self._pid == os.getpid():
            pool.close()

    @property
    def pool(self) -> WarmPool:
        """This process's warm pool (created on first use; fresh in a forked child)."""
        with self._lock:
            if self.closed:
                raise RuntimeError("the sandbox is closed")
            if self._pid != os.getpid():
                if self._pool_obj is not None:
                    self._pool_obj.forget()  # the parent's supervisors stay the parent's
                self._pool_obj, self._pid = None, os.getpid()
            if self._pool_obj is None:
                self._pool_obj = WarmPool(
                    interpreter=resolve_interpreter(self._interpreter),
                    interpreter_root=self._root, max_workers=self._max_workers,
                    max_runs=self._max_runs,
                )
            return self._pool_obj

    # ------------------------------------------------------------------ running

    @property
    def warm(self) -> bool:
        """Whether worker runs go to warm workers now."""
        return warm_by_default() if self._warm is None else self._warm

    def isolation(self) -> Isolation:
        """The isolation runs get here (probed once per process), under the current mode."""
        return detect()

    def run(
        self, argv: Sequence[str], stdin: bytes, limits: Limits, *,
        env: Mapping[str, str] | None = None, ro_paths: Sequence[str] = (),
    ) -> RawRun:
        """Run a command in a fresh sandbox; it reports on ``$REASONER_REPORT_FD``.

        Raises ``SandboxUnavailable`` when the isolation required is missing.
        """
        self._check_open()
        iso = self._usable_isolation()
        return run_command(
            argv, stdin, limits, iso=iso, interpreter=usable_interpreter(self._interpreter),
            env=env or minimal_env(), ro_paths=ro_paths,
        )

    def run_cold(self, worker: Worker, payload: Any, limits: Limits) -> RawRun:
        """Start ``worker`` in a fresh sandbox and run ``payload`` in it."""
        self._check_open()
        iso = self._usable_isolation()
        return run_worker_once(
            worker, payload, limits, iso=iso,
            interpreter=usable_interpreter(self._interpreter), interpreter_root=self._root,
        )

    def run_warm(self, worker: Worker, payload: Any, limits: Limits) -> RawRun:
        """Run ``payload`` in a warm ``worker``; ``PoolError`` when none can be had."""
        self._check_open()
        iso = self._usable_isolation()
        usable_interpreter(self._interpreter)
        return self.pool.run(worker, payload, limits, iso)

    def prewarm(self, worker: Worker, limits: Limits | None = None) -> None:
        """Start a warm ``worker`` now, so that the first program does not wait for it."""
        self.pool.prewarm(worker, limits or Limits(), detect())

    def _usable_isolation(self) -> Isolation:
        iso = detect()
        refusal = iso.refusal()
        if refusal:
            raise SandboxUnavailable(refusal)
        return iso

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("the sandbox is closed")

