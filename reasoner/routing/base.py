"""What every router returns, the interface they share, and the forced router.

A router only knows backends through the registry (``backends.backend_names()``
and each backend's ``description``), so a backend added by a plugin is routable
without editing anything here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from backends import backend_names
from backends.registry import UnknownNameError, unknown_message
from reasoner.types import Route

DIRECT = "direct"
"""The pseudo-backend for a question that needs no program: the model answers it."""


class Router(ABC):
    """Chooses a backend (or ``direct``) for a question."""

    name: str

    @abstractmethod
    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        """Route ``question``; ``choices`` are the options of a multiple-choice question."""


def candidates() -> list[str]:
    """Every label a router may return: the registered backends, then ``direct``."""
    return [*backend_names(), DIRECT]


def normalise(raw: Mapping[str, float], labels: Sequence[str], prior: float = 0.0) -> dict[str, float]:
    """Scores over ``labels`` summing to 1 (uniform when nothing scored).

    ``prior`` is added to every label first, so that weak evidence for one label
    gives a modest score rather than certainty.
    """
    positive = {label: max(0.0, float(raw.get(label, 0.0))) + prior for label in labels}
    total = sum(positive.values())
    if total <= 0:
        return {label: 1.0 / len(labels) for label in labels}
    return {label: round(value / total, 4) for label, value in positive.items()}


def check_label(name: str) -> str:
    """``name`` if it is a registered backend or ``direct``; else a did-you-mean error."""
    known = candidates()
    if name not in known:
        raise UnknownNameError(unknown_message("backend", name, known))
    return name


class ForcedRouter(Router):
    """Always the same backend: ``--backend NAME``."""

    name = "forced"

    def __init__(self, backend: str) -> None:
        self.backend = check_label(backend)

    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        return Route(backend=self.backend, by=self.name, scores={self.backend: 1.0})
