"""Rules first, the model only when the rules are unsure, then the model's probes: most
questions cost no generation at all."""

from __future__ import annotations

from collections.abc import Sequence

from reasoner.models import ModelEngine
from reasoner.routing.base import Route, Router, candidates
from reasoner.routing.model import ModelRouter
from reasoner.routing.probe import RouteProbe, probes_for
from reasoner.routing.rules import DEFAULT_THRESHOLD, RulesRouter


class AutoRouter(Router):
    """The rules' route when its confidence reaches ``threshold``, else the model's; then
    each probe fitted on this model may move the route (python to sympy for word problems
    that want equations; ``reasoner/routing/probe.py``)."""

    name = "auto"

    def __init__(self, model: ModelEngine, threshold: float = DEFAULT_THRESHOLD,
                 probes: Sequence[RouteProbe] | None = None) -> None:
        self.rules = RulesRouter(threshold)
        self.model = ModelRouter(model, fallback=self.rules)
        self.engine = model
        self.probes = probes_for(model, candidates()) if probes is None else list(probes)
        """By default the shipped probes fitted on this model (none for most models)."""

    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        route = self.rules.route(question, choices)
        if not self.rules.confident(route):
            route = self.model.route(question, choices)
        for probe in self.probes:
            route = probe.reroute(route, self.engine, question)
        return route
