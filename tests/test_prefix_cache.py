"""Prefix reuse: the LRU itself (fast), transformers on the tiny random model and llama.cpp
on the real 0.5B (slow). The cache may only save work, never change an output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REAL_HOME

from reasoner import catalog
from reasoner.models.prefix_cache import PrefixCache, common_prefix_len, prefix_boundary
from reasoner.types import Completion, GenerateOptions, Message

# --- the LRU ---------------------------------------------------------------------------------


def test_common_prefix_and_boundary() -> None:
    assert common_prefix_len([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix_len([1, 2], [1, 2, 3]) == 2
    assert common_prefix_len([], [1]) == 0
    assert prefix_boundary([1, 2, 3, 9], [1, 2, 3, 7, 8]) == 3
    # The full prompt must keep one token to evaluate, even if the head covers all of it.
    assert prefix_boundary([1, 2, 3], [1, 2, 3, 4]) == 2


def test_longest_stored_prefix_wins() -> None:
    cache: PrefixCache[str] = PrefixCache(max_entries=4, max_bytes=100)
    cache.put([1, 2], "short", 1)
    cache.put([1, 2, 3, 4], "long", 1)
    cache.put([1, 9], "other", 1)
    entry = cache.longest([1, 2, 3, 4, 5])
    assert entry is not None and entry.state == "long"
    entry = cache.longest([1, 2, 3])
    assert entry is not None and entry.state == "short"
    assert cache.longest([2, 1]) is None
    assert (cache.stats.hits, cache.stats.misses, cache.stats.tokens_restored) == (2, 1, 6)
    assert [1, 9] in cache and [1, 3] not in cache


def test_evicts_least_recently_used_by_count() -> None:
    cache: PrefixCache[str] = PrefixCache(max_entries=2, max_bytes=100)
    cache.put([1], "a", 1)
    cache.put([2], "b", 1)
    assert cache.longest([1, 5]) is not None  # [1] is now the most recent
    cache.put([3], "c", 1)
    assert [1] in cache and [3] in cache and [2] not in cache
    assert cache.stats.evictions == 1


def test_evicts_by_bytes_and_refuses_oversized_states() -> None:
    cache: PrefixCache[str] = PrefixCache(max_entries=10, max_bytes=10)
    cache.put([1], "a", 4)
    cache.put([2], "b", 4)
    cache.put([3], "c", 4)  # 12 > 10: the oldest goes
    assert len(cache) == 2 and [1] not in cache and cache.stats.bytes == 8
    assert cache.put([4], "huge", 11) is False
    assert [4] not in cache and cache.stats.bytes == 8
    cache.put([2], "b again", 2)  # replacing an entry frees its old bytes
    assert cache.stats.bytes == 6 and len(cache) == 2


def test_bounds_must_leave_room() -> None:
    with pytest.raises(ValueError):
        PrefixCache(max_entries=0)


def test_engine_options() -> None:
    from reasoner.models.hf import HFEngine
    from reasoner.models.llamacpp import LlamaCppEngine

    for engine in (LlamaCppEngine, HFEngine):
        options = engine.Options.model_validate({"prefix_cache": "false", "prefix_cache_mb": "64"})
        assert options.prefix_cache is False and options.prefix_cache_mb == 64
        with pytest.raises(ValueError):
            engine.Options.model_validate({"prefix_cache_mb": "0"})


# --- the pipeline sends byte-identical prefixes (what server-side caches need) ---------------


def test_pipeline_prefixes_are_byte_identical_across_questions() -> None:
    """Router, program and final-answer calls: only the last message differs per question,
    and every call marks all earlier messages as the shared prefix."""
    import json

    from reasoner.models.mock import MockEngine, calculator
    from reasoner.pipeline import Reasoner

    calls: list[tuple[list[Message], GenerateOptions]] = []

    def respond(messages):  # type: ignore[no-untyped-def]
        return "python" if "choose the tool" in messages[0].content else calculator(messages)

    class Recording(MockEngine):
        def generate(self, messages, options):  # type: ignore[no-untyped-def]
            calls.append((list(messages), options))
            return super().generate(messages, options)

    reasoner = Reasoner(model=Recording("rec", responder=respond), router="model")
    for question in ("What is 12 * 7?", "What is 1000 - 1?"):
        assert reasoner.solve(question).answer is not None
    assert len(calls) == 6
    first, second = calls[:3], calls[3:]
    for (a, a_options), (b, b_options) in zip(first, second, strict=True):
        assert a_options.prefix_messages == len(a) - 1 == len(b) - 1 == b_options.prefix_messages
        shared = [m.model_dump() for m in a[:-1]]
        assert json.dumps(shared) == json.dumps([m.model_dump() for m in b[:-1]])
        assert a[-1] != b[-1]


# --- conversations shaped like the pipeline's ------------------------------------------------

SYSTEM_A = "You write a short program for each question. Reply with one code block."
SYSTEM_B = "Reply with the final answer only."
SHOTS_A = [("What is 2 + 2?", "```python\nanswer = 2 + 2\n```"),
           ("What is 3 * 5?", "```python\nanswer = 3 * 5\n```")]
SHOTS_B = [("A box holds 12 eggs. How many in 7 boxes?\nResult: 84", "84")]
QUESTIONS = ["What is 17 + 25?", "What is 9 * 8?", "How much is 100 - 37?"]


def _conversation(system: str, shots: list[tuple[str, str]], question: str) -> list[Message]:
    messages = [Message(role="system", content=system)]
    for user, assistant in shots:
        messages += [Message(role="user", content=user), Message(role="assistant", content=assistant)]
    return [*messages, Message(role="user", content=question)]


def _alternating() -> Iterator[list[Message]]:
    """Program prompt, then final-answer prompt, per question: the two prefixes alternate."""
    for question in QUESTIONS:
        yield _conversation(SYSTEM_A, SHOTS_A, question)
        yield _conversation(SYSTEM_B, SHOTS_B, question + "\nResult: 42")


def _run(engine, options: GenerateOptions) -> list[Completion]:  # type: ignore[no-untyped-def]
    return [
        engine.generate(messages, options.model_copy(update={"prefix_messages": len(messages) - 1}))
        for messages in _alternating()
    ]


# --- transformers, tiny random model ---------------------------------------------------------

from test_engine_hf import _suppress_all_but, _text_ids, tiny_model  # noqa: E402, F401


@pytest.fixture(scope="module")
def hf_pair(tiny_model: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    from reasoner.models.hf import HFEngine

    options = {"device": "cpu", "dtype": "float32"}
    with_cache = HFEngine(str(tiny_model), options)
    without = HFEngine(str(tiny_model), {**options, "prefix_cache": "false"})
    for engine in (with_cache, without):
        _suppress_all_but(engine, _text_ids(engine))
    yield with_cache, without
    with_cache.close()
    without.close()


@pytest.mark.slow
@pytest.mark.parametrize("sampling", [GenerateOptions(max_tokens=12),
                                      GenerateOptions(max_tokens=12, temperature=1.0, seed=3)],
                         ids=["greedy", "seeded"])
def test_hf_outputs_identical_with_and_without_cache(hf_pair, sampling: GenerateOptions) -> None:  # type: ignore[no-untyped-def]
    with_cache, without = hf_pair
    with_cache.prefix_cache.clear()
    embedded: list[int] = []  # tokens the model really reads, to check the accounting
    hook = with_cache.model.get_input_embeddings().register_forward_hook(
        lambda module, args, output: embedded.append(args[0].numel()))
    try:
        cached = _run(with_cache, sampling)
    finally:
        hook.remove()
    plain = _run(without, sampling)
    # Prompt tokens read = prompt - cached; each generated token but the last is read once.
    assert sum(embedded) == sum(c.usage.prompt_tokens - c.usage.cached_prompt_tokens
                                + c.usage.completion_tokens - 1 for c in cached)
    assert [c.text for c in cached] == [p.text for p in plain]
    assert [c.usage.prompt_tokens for c in cached] == [p.usage.prompt_tokens for p in plain]
    assert all(p.usage.cached_prompt_tokens == 0 for p in plain)
    # First sight of each prefix evaluates it; every later question reuses it.
    assert [c.usage.cached_prompt_tokens for c in cached[:2]] == [0, 0]
    for completion in cached[2:]:
        assert 0 < completion.usage.cached_prompt_tokens < completion.usage.prompt_tokens
    program_prefix = cached[2].usage.cached_prompt_tokens
    assert all(c.usage.cached_prompt_tokens == program_prefix for c in cached[2::2])
    if sampling.temperature:
        assert len({c.text for c in cached}) > 1  # the check compares varied text, not one repeat


@pytest.mark.slow
def test_hf_longer_prefix_extends_a_kept_one(hf_pair) -> None:  # type: ignore[no-untyped-def]
    """A repair turn's prefix (prompt + failed program) starts from the k-shot prefix's cache."""
    with_cache, without = hf_pair
    with_cache.prefix_cache.clear()
    options = GenerateOptions(max_tokens=6)
    first = _conversation(SYSTEM_A, SHOTS_A, QUESTIONS[0])
    with_cache.generate(first, options.model_copy(update={"prefix_messages": len(first) - 1}))
    [entry] = with_cache.prefix_cache._entries.values()
    repair = [*first, Message(role="assistant", content="```python\nanswer = 17 +\n```"),
              Message(role="user", content="That failed (syntax). Fix it.")]
    options = options.model_copy(update={"prefix_messages": len(repair) - 1})
    extended = with_cache.generate(repair, options)
    assert extended.usage.cached_prompt_tokens == len(entry.tokens)
    assert extended.text == without.generate(repair, options).text
    assert len(with_cache.prefix_cache) == 2


# --- llama.cpp, the real 0.5B ----------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_pair():  # type: ignore[no-untyped-def]
    from reasoner.models.llamacpp import LlamaCppEngine

    path = catalog.model_path(catalog.SMALL_MODEL, home=REAL_HOME)
    if not path.is_file():
        pytest.fail(f"The 0.5B test model is missing at {path}. Run `make setup` or "
                    f"`reasoner models pull {catalog.SMALL_MODEL}`.")
    # Module-scoped fixtures are made before each test's isolated home, so these would see
    # the real one: the in-memory cache is what they test, the disk store stays off.
    with_cache = LlamaCppEngine(str(path), {"n_ctx": "1024", "prefix_cache_disk": "false"})
    without = LlamaCppEngine(str(path), {"n_ctx": "1024", "prefix_cache": "false"})
    yield with_cache, without
    with_cache.close()
    without.close()


@pytest.mark.slow
def test_llamacpp_greedy_identical_and_prefixes_reused(llama_pair) -> None:  # type: ignore[no-untyped-def]
    with_cache, without = llama_pair
    options = GenerateOptions(max_tokens=16)
    cached = _run(with_cache, options)
    plain = _run(without, options)
    assert [c.text for c in cached] == [p.text for p in plain]
    assert any("42" in c.text or "answer" in c.text for c in cached)  # real text, not noise
    assert [c.usage.prompt_tokens for c in cached] == [p.usage.prompt_tokens for p in plain]
    # Alternating prefixes: without the cache each call only shares the template's opening
    # tokens with the call before; with it, every question after the first reuses its prefix.
    assert all(p.usage.cached_prompt_tokens < 10 for p in plain)
    assert all(c.usage.cached_prompt_tokens < 10 for c in cached[:2])
    for completion in cached[2:]:
        tail = completion.usage.prompt_tokens - completion.usage.cached_prompt_tokens
        assert 0 < tail < 30, completion.usage
    stats = with_cache.prefix_cache.stats
    assert (stats.stores, stats.entries) == (2, 2)


@pytest.mark.slow
def test_llamacpp_renders_what_the_call_evaluates(llama_pair) -> None:  # type: ignore[no-untyped-def]
    """The prefix boundary is found on the tokens the chat handler really produces."""
    with_cache, _ = llama_pair
    messages = _conversation(SYSTEM_A, SHOTS_A, QUESTIONS[1])
    completion = with_cache.generate(messages, GenerateOptions(max_tokens=1))
    tokens = with_cache._render([m.model_dump() for m in messages])
    assert tokens == with_cache._llm.input_ids[: completion.usage.prompt_tokens].tolist()


@pytest.mark.slow
def test_llamacpp_next_process_restores_the_shared_prefix_from_disk(llama_pair, _isolated_home: Path) -> None:  # type: ignore[no-untyped-def]
    """A new engine (as in a new `reasoner ask`) restores the k-shot prefix an earlier one
    saved, and answers exactly as an engine that evaluated everything."""
    from reasoner.models.llamacpp import LlamaCppEngine

    _, without = llama_pair
    path = catalog.model_path(catalog.SMALL_MODEL, home=REAL_HOME)
    options = GenerateOptions(max_tokens=16)

    def call(engine, messages: list[Message]) -> Completion:  # type: ignore[no-untyped-def]
        return engine.generate(messages, options.model_copy(update={"prefix_messages": len(messages) - 1}))

    first = _conversation(SYSTEM_A, SHOTS_A, QUESTIONS[0])
    repair = [*first, Message(role="assistant", content="```python\nanswer = 17 +\n```"),
              Message(role="user", content="That failed (syntax). Fix it.")]
    writer = LlamaCppEngine(str(path), {"n_ctx": "1024"})
    try:
        call(writer, first)
        call(writer, repair)
    finally:
        writer.close()
    # The repair extends a kept prefix: a conversation going on, kept in memory only.
    assert len(list((_isolated_home / "prefix-states").glob("*/*.state"))) == 1

    second = _conversation(SYSTEM_A, SHOTS_A, QUESTIONS[1])
    reader = LlamaCppEngine(str(path), {"n_ctx": "1024"})
    off = LlamaCppEngine(str(path), {"n_ctx": "1024", "prefix_cache_disk": "false"})
    try:
        restored, fresh = call(reader, second), call(off, second)
    finally:
        reader.close()
        off.close()
    assert restored.text == fresh.text == call(without, second).text
    assert 0 < restored.usage.prompt_tokens - restored.usage.cached_prompt_tokens < 30
    assert fresh.usage.cached_prompt_tokens < 10 and off.state_store is None
    assert reader.state_store is not None and reader.state_store.stats.hits == 1
