"""Replies that loop are cut while they are written, and programs that merely repeat a
pattern (many similar facts) are not."""

from __future__ import annotations

import pytest
from conftest import REAL_HOME

from reasoner import Reasoner, catalog
from reasoner.models import get_model
from reasoner.models.loops import LOOP, LoopCut
from reasoner.models.mock import MockEngine
from reasoner.pipeline import PROGRAM_OPTIONS
from reasoner.types import GenerateOptions, Message

FACTS = "".join(f"parent(person{i}, person{i + 1}).\nage(person{i}, {20 + i}).\n" for i in range(60))
"""A long legitimate program: 120 facts of two shapes, each different from the last."""
LOOP_LINE = "holds(tiger, visits(bear), true).\n"


def pieces(text: str, size: int = 3) -> list[str]:
    """``text`` in token-sized pieces, as an engine hands them over."""
    return [text[i: i + size] for i in range(0, len(text), size)]


def test_a_loop_is_cut_a_little_after_it_is_long_enough_to_tell() -> None:
    cut = LoopCut()
    program = "```prolog\n" + FACTS[:300]
    fed = 0
    for piece in pieces(program + LOOP_LINE * 40):
        fed += len(piece)
        if cut.add(piece):
            break
    assert cut.tripped
    looped = fed - len(program)
    # Two copies of 200+ characters tell a loop: the line (34 characters) is written about
    # seven times, not forty.
    assert 200 <= looped <= 200 + 2 * len(LOOP_LINE), looped
    assert cut.add("more") and "more" not in cut.text  # once cut, it stays cut


def test_many_similar_facts_are_not_a_loop_at_any_point() -> None:
    cut = LoopCut()
    assert not any(cut.add(piece) for piece in pieces("```prolog\n" + FACTS + "```\n"))


def test_the_pipeline_cuts_a_looping_reply_and_samples_afresh() -> None:
    looping = "```python\ntotal = 0\n" + "total = total + 1  # add one more\n" * 200 + "```"
    model = MockEngine("t", replies=[looping, "```python\nanswer = 21 * 2\n```", "42"])
    solution = Reasoner(model=model).solve("What is 21 doubled?", backend="python")
    assert solution.answer == "42"
    first, second = solution.attempts
    assert first.result.error is not None and first.result.error.kind == "runaway"
    assert len(first.completion) < len(looping) / 4  # cut while written, not at the limit
    assert second.resampled and second.result.ok
    assert model.options_seen[0].cut_loops and PROGRAM_OPTIONS.cut_loops


def test_a_long_program_is_written_whole_with_loops_watched() -> None:
    program = "```python\n" + "".join(f"x{i} = {i} * {i + 1}\n" for i in range(55)) + "answer = x54\n```"
    model = MockEngine("t", replies=[program, "2970"])
    solution = Reasoner(model=model).solve("What is x54?", backend="python")
    assert solution.attempts[0].completion == program
    assert solution.attempts[0].result.ok and solution.answer == "2970"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_real_model_stops_a_looping_reply_early() -> None:
    """The 0.5B model asked to write one fact 200 times loops; watched, it stops well before
    its token limit, both alone and as a batched stream."""
    model = get_model(f"llamacpp/{catalog.require(catalog.SMALL_MODEL, home=REAL_HOME)}")
    ask = [Message(role="user", content="Write the Prolog fact `likes(alice, bob).` on 200 lines, one per line.")]
    watched = GenerateOptions(max_tokens=400, cut_loops=True)
    try:
        alone = model.generate(ask, watched)
        streams = model.generate_many(ask, [watched.model_copy(update={"temperature": 0.7, "seed": s}) for s in (1, 2)])
    finally:
        model.close()
    for reply in [alone, *streams]:
        assert reply.finish_reason == LOOP, reply.text[-200:]
        assert reply.usage.completion_tokens < 400
        assert LoopCut().add(reply.text)  # what was kept ends in the loop it was cut for


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_drafts_from_the_prompt_leave_greedy_replies_unchanged() -> None:
    """Prompt-lookup drafts only skip steps: the greedy reply is the one written without
    them, and a reply that copies the prompt has drafted tokens confirmed."""
    from reasoner.models.llamacpp import LlamaCppEngine

    path = str(catalog.require(catalog.SMALL_MODEL, home=REAL_HOME))
    plain = LlamaCppEngine(path, {"n_ctx": "2048", "prefix_cache_disk": "false"})
    drafted = LlamaCppEngine(path, {"n_ctx": "2048", "prefix_cache_disk": "false", "draft_tokens": "8"})
    facts = "Anne is kind. Bob is big. Carl is red. Dave is round. Erin is cold. Fiona is young."
    asks = [
        f"Repeat this text exactly, once, and nothing else: {facts}",
        "List the numbers from 1 to 12, one per line, digits only.",
        "What is 17 + 25? Reply with the number only.",
    ]
    options = GenerateOptions(max_tokens=80)
    try:
        for ask in asks:
            messages = [Message(role="user", content=ask)]
            without, with_drafts = plain.generate(messages, options), drafted.generate(messages, options)
            assert with_drafts.text == without.text
            assert with_drafts.finish_reason == without.finish_reason
            assert with_drafts.usage.completion_tokens == without.usage.completion_tokens
        copying = drafted.generate([Message(role="user", content=asks[0])], options)
    finally:
        plain.close()
        drafted.close()
    assert "Fiona is young" in copying.text
    assert 0 < copying.usage.draft_tokens_accepted < copying.usage.completion_tokens
