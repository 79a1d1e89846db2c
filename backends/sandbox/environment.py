"""What a sandboxed process is given: an interpreter, a library path, variables, limits.

Every path handed into the sandbox is resolved (``realpath``) first, since only resolved
paths are bound there: a virtual environment reached through a symlinked directory
would otherwise be invisible inside (``bwrap: execvp .../python: No such file``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from backends.result import Limits
from backends.sandbox.errors import SandboxUnavailable

INSIDE = str(Path(__file__).with_name("_inside.py"))
"""The sandbox's own script inside the sandbox (supervisor, one-shot runs, limiter)."""


def resolve_interpreter(path: str | None = None) -> str:
    """The real file of the interpreter (default: this one), as the sandbox sees it."""
    return os.path.realpath(path or sys.executable)


def interpreter_root(interpreter: str) -> str:
    """The installation an interpreter belongs to (``.../bin/python`` -> ``...``)."""
    return str(Path(resolve_interpreter(interpreter)).parent.parent)


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment with nothing from the caller but what an interpreter needs."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def scratch_mb(limits: Limits) -> int:
    """Size of the private tmpfs: room for a few files of the largest allowed size."""
    return max(64, 4 * limits.file_mb)


def limits_payload(limits: Limits) -> dict[str, float]:
    """The limits the sandbox's own code applies inside, as plain JSON."""
    return {
        "cpu_seconds": limits.cpu_seconds,
        "memory_mb": limits.memory_mb,
        "file_mb": limits.file_mb,
        "wall_seconds": limits.wall_seconds,
    }


def python_path() -> list[str]:
    """The caller's library path, resolved, for interpreters started with ``-I -S`` (no site).

    Only the interpreter's own directories and installed packages: never the current
    directory or a project checkout, which may hold secrets (``.env`` files, tokens).
    """
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    kept: list[str] = []
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        parts = Path(real).parts
        inside = "site-packages" in parts or "dist-packages" in parts or any(
            real == root or real.startswith(root.rstrip("/") + "/") for root in roots
        )
        if inside and real not in kept:
            kept.append(real)
    return kept


def usable_interpreter(path: str | None = None) -> str:
    """The resolved interpreter, or ``SandboxUnavailable`` if it cannot be run at all."""
    real = resolve_interpreter(path)
    if not (os.path.isfile(real) and os.access(real, os.X_OK)):
        raise SandboxUnavailable(
            f"the sandbox's Python interpreter {path or sys.executable!r} cannot be run "
            f"(resolved to {real!r})"
        )
    return real
