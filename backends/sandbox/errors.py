"""Why a run could not happen in the sandbox at all (as opposed to a program's failure)."""

from __future__ import annotations


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here; the message says what to install."""


class PoolError(RuntimeError):
    """A warm worker could not start or broke; callers fall back to a cold run."""


class PoolStartError(PoolError):
    """The supervisor failed during start-up (e.g. a warm import is missing): not retried."""
