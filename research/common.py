"""Helpers shared by the research scripts, on the public API only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import backends
from backends import Backend
from reasoner import Reasoner
from reasoner.models import get_model


def program_runner() -> Reasoner:
    """A Reasoner for ``run_program`` alone (rerunning recorded programs): its model, the
    scripted mock, is never called."""
    return Reasoner(model=get_model("mock/calculator"))


@contextmanager
def loaded_backend(name: str) -> Iterator[Backend]:
    """A backend loaded on its own, without a Reasoner, closed after.

    ``backends.load_backend`` is replacing ``backends.get_backend`` (one shared instance);
    until it lands, the shared instance is used and left open.
    """
    load = getattr(backends, "load_backend", None)
    if load is None:
        yield backends.get_backend(name)
        return
    backend = load(name)
    try:
        yield backend
    finally:
        backend.close()
