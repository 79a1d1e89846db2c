"""Votes over candidate answers: the same answer written two ways is one vote, the most
votes win, and drawing stops once the winner is settled.

Values are compared the way a person grading them would: options by which option they
name, numbers by value (``210``, ``210.0``, ``$210`` and ``2.1e2`` are one answer), other
text without case, spacing, quotes or a trailing full stop. A candidate with no value,
or with one that names none of the question's options, abstains. A tie goes to the
answer that came first, so the greedy candidate, drawn first, decides a tie (and one
vote is always today's single answer).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction

from pydantic import BaseModel, Field

from reasoner.models.base import ModelEngine
from reasoner.options import match_choice
from reasoner.types import Completion, GenerateOptions, Message

VOTE_TEMPERATURE = 0.7
"""Sampling temperature of the candidates after the first (greedy) one, as PAL's
self-consistency used."""
VOTE_SEED_STRIDE = 1000
"""Candidate i samples with seed + 1000 * i: apart from the repair loop's seeds (seed + 0..2)."""

AGREE_TO_STOP = 2
"""Stop drawing once this many candidates, and every one so far, agree. Measured on the
recorded tool@5 votes of 100 math items (gsm8k, gsm_system; ``python -m
research.benchmarks.pooled_votes research/results/votes-math``): stopping at two agreeing
candidates answered exactly as many right as at three (26 and 23 of 50) with 3.2 and 3.8
candidates run per item instead of 4.1 and 4.3."""

_NUMBER = re.compile(r"^[-+]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_FRACTION = re.compile(r"^[-+]?\d+\s*/\s*\d+$")
_DECORATION = re.compile(r"^[\s$€£(]+|[\s%).]+$")


def vote_key(value: str | None, choices: Sequence[str] | None = None) -> str | None:
    """What ``value`` counts as in a vote; None for no value (an abstention)."""
    if value is None or not value.strip():
        return None
    if choices:
        return match_choice(value, choices, guess=False)
    number = as_number(value)
    if number is not None:
        return f"{float(number):.10g}"
    return " ".join(value.strip().strip("'\"").rstrip(".").lower().split())


def as_number(value: str) -> Fraction | None:
    """The number ``value`` is, if it is nothing but one (with $, % or thousands commas)."""
    text = _DECORATION.sub("", value.strip())
    if _FRACTION.fullmatch(text):
        numerator, denominator = (int(part) for part in text.replace(" ", "").lstrip("+").split("/"))
        return Fraction(numerator, denominator) if denominator else None
    if text and _NUMBER.fullmatch(text) and any(c.isdigit() for c in text):
        try:
            return Fraction(text.replace(",", ""))
        except (ValueError, ZeroDivisionError):
            return None
    return None


class Tally(BaseModel):
    """The votes so far."""

    keys: list[str | None] = Field(default_factory=list, description="Each candidate's key, in order.")

    def add(self, key: str | None) -> None:
        self.keys.append(key)

    @property
    def counts(self) -> Counter[str]:
        return Counter(key for key in self.keys if key is not None)

    def winner(self) -> str | None:
        """The key with the most votes; a tie goes to the one that came first."""
        counts = self.counts
        if not counts:
            return None
        top = max(counts.values())
        return next(key for key in self.keys if key is not None and counts[key] == top)

    def agreement(self) -> float | None:
        """The share of votes (abstentions left out) that went to the winner."""
        counts = self.counts
        winner = self.winner()
        return None if winner is None else counts[winner] / sum(counts.values())

    def settled(self, remaining: int, agree: int = AGREE_TO_STOP) -> bool:
        """No candidate still to come can change the winner, or the first ``agree`` or
        more all agree."""
        counts = self.counts.most_common(2)
        if not counts:
            return False
        lead = counts[0][1] - (counts[1][1] if len(counts) > 1 else 0)
        if lead > remaining:
            return True
        voted = [key for key in self.keys if key is not None]
        return len(voted) >= agree and len(set(voted)) == 1


def sampled(base: GenerateOptions, number: int) -> GenerateOptions:
    """Settings of the ``number``-th candidate (``number`` ≥ 1): ``base`` sampled, seeded apart."""
    return base.model_copy(update={
        "temperature": max(base.temperature, VOTE_TEMPERATURE), "seed": base.seed + VOTE_SEED_STRIDE * number,
    })


def vote_options(base: GenerateOptions, count: int) -> list[GenerateOptions]:
    """Settings of ``count`` candidates: the first is ``base`` itself (greedy by default),
    the others sampled."""
    return [base if number == 0 else sampled(base, number) for number in range(count)]


def replies(
    model: ModelEngine, messages: Sequence[Message], options: Sequence[GenerateOptions],
    written: Callable[[Completion], object] | None = None,
) -> Iterator[Completion]:
    """One reply per ``options`` entry, as the vote asks for them. An engine that decodes
    several replies together writes them all at the first ask, as one batch: on a CPU a
    batch of five costs about three single replies, not five. Any other engine writes each
    when it is asked for, so a vote that settles early stops paying. ``written`` sees every
    reply written, used or not."""
    if len(options) > 1 and model.capabilities.batched_generation:
        made = model.generate_many(messages, options)
        for completion in made:
            if written is not None:
                written(completion)
        yield from made
        return
    for one in options:
        completion = model.generate(messages, one)
        if written is not None:
            written(completion)
        yield completion
