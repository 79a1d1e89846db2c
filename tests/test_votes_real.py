"""Votes with the real 0.5B model: one vote is the single greedy program, and three votes
draw three candidates whose first is that same program."""

from __future__ import annotations

import pytest
from conftest import REAL_HOME

from reasoner import Reasoner, catalog
from reasoner.models import get_model
from reasoner.types import GenerateOptions, Message

QUESTION = "A shop sells pens at $3 each. Ana buys 7 pens and pays with a $50 note. How much change does she get?"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_one_vote_is_unchanged_and_three_votes_draw_three_candidates() -> None:
    model = get_model(f"llamacpp/{catalog.require(catalog.SMALL_MODEL, home=REAL_HOME)}")
    try:
        with Reasoner(model=model, shots=2) as single:
            one = single.solve(QUESTION, backend="python")
        with Reasoner(model=model, shots=2, votes=3, stop_early=False) as voting:
            three = voting.solve(QUESTION, backend="python")
    finally:
        model.close()
    assert len(one.candidates) == 1
    assert len(three.candidates) == 3
    first = three.candidates[0]
    assert [three.attempts[i].program for i in first.attempts] == [a.program for a in one.attempts]
    assert first.answer == one.candidates[0].answer
    assert three.agreement is not None and 0 < three.agreement <= 1


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_batched_replies_are_programs_and_each_follows_its_own_seed() -> None:
    """llama.cpp decodes sampled replies as one batch: each stream is a whole reply, and a
    stream's tokens depend on its seed alone (not on which streams share the batch)."""
    model = get_model(f"llamacpp/{catalog.require(catalog.SMALL_MODEL, home=REAL_HOME)}")
    messages = [Message(role="system", content="Reply with one fenced python block that sets `answer`."),
                Message(role="user", content="Question: " + QUESTION)]
    sampled = GenerateOptions(max_tokens=120, temperature=0.7, prefix_messages=1)
    try:
        three = model.generate_many(messages, [sampled.model_copy(update={"seed": s}) for s in (1, 2, 3)])
        again = model.generate_many(messages, [sampled.model_copy(update={"seed": s}) for s in (3, 1)])
    finally:
        model.close()
    assert len(three) == 3 and all("50" in c.text for c in three)  # each works on the question
    assert [again[1].text, again[0].text] == [three[0].text, three[2].text]
    assert three[0].usage.prompt_tokens > 0 and all(c.usage.completion_tokens > 0 for c in three)
