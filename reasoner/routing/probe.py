"""Linear probes on the model's hidden state that move a question from one backend to another.

What makes a word problem want equations ("together they are 120 inches; Joe is 6 more
than double Sara") is its structure, which keyword rules barely see and the model's
hidden state does, at one forward pass and no generation (how the probe was chosen:
docs/decisions.md). A probe reads one model's states only, so each probe file names the
engine it was fitted on and is used with that engine only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from reasoner.models import ModelEngine
from reasoner.types import Route

PROBES_DIR = Path(__file__).with_name("probes")


class ProbeCheck(BaseModel):
    """A question and the score the fitting script gave it: the engine must reproduce it."""

    question: str
    score: float


class RouteProbe(BaseModel):
    """Moves a question routed to ``source`` to ``target`` when its score reaches ``threshold``."""

    engine: str = Field(description="The engine id whose hidden states the probe reads.")
    source: str
    target: str
    prefix: str = Field(description="Put before the question, as when the probe was fitted.")
    threshold: float
    bias: float
    weights: list[float] = Field(description="Per hidden dimension, standardisation folded in.")
    checks: list[ProbeCheck] = Field(default_factory=list)
    fitted_by: str = Field(description="The command that wrote this file.")

    def score(self, model: ModelEngine, question: str) -> float:
        """The probability that ``question`` belongs with ``target``."""
        state = model.last_hidden_state(self.prefix + question.strip())
        if state is None or len(state) != len(self.weights):
            raise ValueError(f"{model.id} gave no hidden state of size {len(self.weights)} for the probe")
        logit = self.bias + math.fsum(w * x for w, x in zip(self.weights, state, strict=True))
        odds = math.exp(-abs(logit))  # never overflows, however far the state lies from the boundary
        return 1.0 / (1.0 + odds) if logit >= 0 else odds / (1.0 + odds)

    def reroute(self, route: Route, model: ModelEngine, question: str) -> Route:
        """``route`` itself unless it goes to ``source`` and the probe is sure enough of ``target``."""
        if route.backend != self.source:
            return route
        score = self.score(model, question)
        if score < self.threshold:
            return route
        return Route(backend=self.target, by="probe",
                     scores={self.source: round(1 - score, 4), self.target: round(score, 4)})


def probes_for(model: ModelEngine, labels: Sequence[str], directory: Path = PROBES_DIR) -> list[RouteProbe]:
    """The probes fitted on ``model`` whose two backends are both among ``labels`` (none for an
    engine that cannot give hidden states)."""
    if not model.capabilities.hidden_states:
        return []
    probes = [RouteProbe.model_validate_json(path.read_text()) for path in sorted(directory.glob("*.json"))]
    return [p for p in probes if p.engine == model.id and p.source in labels and p.target in labels]
