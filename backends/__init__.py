"""Execution backends: each runs model-written programs isolated, within hard limits."""

from __future__ import annotations

from functools import cache

from backends.base import Backend
from backends.registry import Registry, UnknownNameError
from backends.result import ErrorKind, ExecError, ExecResult, Limits

__all__ = [
    "Backend",
    "ErrorKind",
    "ExecError",
    "ExecResult",
    "Limits",
    "UnknownNameError",
    "backend_names",
    "get_backend",
    "registry",
]

registry: Registry[Backend] = Registry("reasoner.backends", "backend")


def backend_names() -> list[str]:
    return registry.names()


@cache
def get_backend(name: str) -> Backend:
    """One shared instance per backend, so warm workers are reused across questions."""
    return registry.load(name)()
