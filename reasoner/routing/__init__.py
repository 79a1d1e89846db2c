"""Choosing the backend for a question: by rules, by the model, both, or forced.

>>> make_router("rules").route("Solve for x: 2x + 3 = 11").backend
'sympy'
"""

from __future__ import annotations

from typing import Literal

from reasoner.models import ModelEngine
from reasoner.routing.auto import AutoRouter
from reasoner.routing.base import DIRECT, ForcedRouter, Route, Router, candidates
from reasoner.routing.model import ModelRouter
from reasoner.routing.rules import RulesRouter

__all__ = [
    "DEFAULT_ROUTER",
    "DIRECT",
    "ROUTERS",
    "AutoRouter",
    "ForcedRouter",
    "ModelRouter",
    "Route",
    "Router",
    "RulesRouter",
    "candidates",
    "make_router",
]

RouterName = Literal["rules", "model", "auto"]
ROUTERS: tuple[RouterName, ...] = ("rules", "model", "auto")
DEFAULT_ROUTER: RouterName = "rules"
"""Chosen on accuracy per second (docs/routing.md)."""


def make_router(name: str = DEFAULT_ROUTER, model: ModelEngine | None = None) -> Router:
    """The router called ``name``; ``model`` and ``auto`` need a loaded model."""
    if name == "rules":
        return RulesRouter()
    if name in ("model", "auto"):
        if model is None:
            raise ValueError(f"the {name!r} router needs a model")
        return ModelRouter(model) if name == "model" else AutoRouter(model)
    raise ValueError(f"Unknown router {name!r}. Known: {', '.join(ROUTERS)}.")
