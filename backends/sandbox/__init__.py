"""Where untrusted programs run: isolated, limited, observed. Knows nothing of languages.

A run never happens in the calling process. With the isolation ``detect()`` found
(refusing to run with less unless ``REASONER_SANDBOX=weak``), each run gets bubblewrap
namespaces and an allow-listed read-only filesystem with a private ``/tmp``
(``bwrap.py``), a seccomp filter (``seccomp.py``), rlimits, a stripped environment,
capped output streams (``streams.py``) and a wall clock that kills the whole sandbox.

The interface, all of it through a ``Sandbox`` (``box.py``) that its owner closes::

    with Sandbox() as sandbox:
        raw = sandbox.run(argv, stdin, limits, ro_paths=...)   # any command, cold
        raw = sandbox.run_cold(worker, payload, limits)       # one worker run, cold
        raw = sandbox.run_warm(worker, payload, limits)       # a warm worker; PoolError if none

* A **command** (``run``) gets ``stdin``, is limited by ``prlimit`` (or the sandbox's
  own limiter) and reports one JSON line on the descriptor named by
  ``REASONER_REPORT_FD``.
* A **worker** (``records.Worker``) is a trusted Python module file, standard library
  only, that the sandbox loads by path, plus ``args`` for its ``start(args)`` and the
  extra paths it reads. Cold, a fresh sandbox calls ``start`` then ``run(payload)``;
  warm, a supervisor (``pool.py``) calls ``start`` once and forks a child per payload.
  Either way ``run`` is called once the process is locked down (rlimits, seccomp
  without fork and exec) and writes its report as one JSON line to descriptor 3.
* Every run returns a ``RawRun``: stdout, stderr, the parsed report, the exit status,
  whether a limit was hit, and ``unavailable`` when the sandbox (not the program)
  failed: a worker that never got control, a command bubblewrap could not start.

``_inside.py`` is the sandbox's own script inside the sandbox (supervisor, one-shot
runs, limiter); ``cold.py`` runs fresh sandboxes; ``launch.py`` starts them;
``isolation.py`` probes what this machine offers; ``environment.py`` says what a
sandboxed process is given. Languages (``backends/pyrun.py``, ``backends/prolog.py``)
build on this package; it imports none of them.
"""

from __future__ import annotations

from backends.sandbox._inside import REPORT_FD
from backends.sandbox.box import POOL_ENV, Sandbox, warm_by_default
from backends.sandbox.cold import REPORT_FD_ENV
from backends.sandbox.environment import minimal_env
from backends.sandbox.errors import PoolError, PoolStartError, SandboxUnavailable
from backends.sandbox.isolation import Isolation, detect
from backends.sandbox.records import RawRun, Worker

__all__ = [
    "POOL_ENV",
    "REPORT_FD",
    "REPORT_FD_ENV",
    "Isolation",
    "PoolError",
    "PoolStartError",
    "RawRun",
    "Sandbox",
    "SandboxUnavailable",
    "Worker",
    "detect",
    "minimal_env",
    "warm_by_default",
]
