"""Rules first, the model only when the rules are unsure: most questions cost no model call."""

from __future__ import annotations

from collections.abc import Sequence

from reasoner.models import ModelEngine
from reasoner.routing.base import Route, Router
from reasoner.routing.model import ModelRouter
from reasoner.routing.rules import DEFAULT_THRESHOLD, RulesRouter


class AutoRouter(Router):
    """The rules' route when its confidence reaches ``threshold``, else the model's."""

    name = "auto"

    def __init__(self, model: ModelEngine, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.rules = RulesRouter(threshold)
        self.model = ModelRouter(model, fallback=self.rules)

    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        route = self.rules.route(question, choices)
        if self.rules.confident(route):
            return route
        return self.model.route(question, choices)
