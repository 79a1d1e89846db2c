"""Execution backends: each runs model-written programs isolated, within hard limits."""

from __future__ import annotations

from backends.base import Backend
from backends.registry import Registry, UnknownNameError
from backends.result import ErrorKind, ExecError, ExecResult, Limits
from backends.sandbox import Sandbox

__all__ = [
    "Backend",
    "ErrorKind",
    "ExecError",
    "ExecResult",
    "Limits",
    "Sandbox",
    "UnknownNameError",
    "backend_names",
    "load_backend",
    "registry",
]

registry: Registry[Backend] = Registry("reasoner.backends", "backend")


def backend_names() -> list[str]:
    return registry.names()


def load_backend(name: str, sandbox: Sandbox | None = None) -> Backend:
    """A new instance of the backend called ``name``, running its programs in ``sandbox``.

    Given no sandbox, the backend makes its own and closes it in ``close()``. Load each
    backend once per owner and reuse it, so its warm workers are reused too.
    """
    return registry.load(name)(sandbox=sandbox)
