"""The ``reasoner`` command line: the group (``app.py``) and one module per command group,
imported here for their side effect of adding commands to it."""

from __future__ import annotations

from reasoner.cli import ask, evaluate, execute, models, route, view  # noqa: F401
from reasoner.cli.app import main

__all__ = ["main"]
