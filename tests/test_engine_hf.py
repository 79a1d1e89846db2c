"""The hf engine on a tiny randomly initialised Qwen2 model the test builds (no download).

Tests that load torch are marked slow: importing torch and transformers alone takes
5-8 s on a 2-core machine.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from reasoner.models.base import MissingExtraError, ModelError
from reasoner.types import GenerateOptions, Message

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MESSAGES = [
    Message(role="system", content="Answer briefly."),
    Message(role="user", content="What is 6 * 7?"),
]


def _byte_chars() -> dict[int, str]:
    """GPT-2's byte-to-printable-char table, which byte-level BPE vocabularies are written in."""
    keep = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table, extra = {b: chr(b) for b in keep}, 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide Qwen2 with a byte-level tokenizer over printable ASCII."""
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    chars = _byte_chars()
    vocab = {chars[b]: i for i, b in enumerate([10, *range(32, 127)])}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.add_special_tokens(SPECIALS)
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="<|im_end|>", pad_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    config = transformers.Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    model = transformers.Qwen2ForCausalLM(config)
    # Sampling defaults like real checkpoints ship; greedy calls must override them.
    model.generation_config.update(do_sample=True, temperature=0.7, top_k=20)
    path = tmp_path_factory.mktemp("tiny-qwen2")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def engine(tiny_model: Path):  # type: ignore[no-untyped-def]
    from reasoner.models.hf import HFEngine

    engine = HFEngine(str(tiny_model), {"device": "cpu", "dtype": "float32"})
    yield engine
    engine.close()


def _suppress_all_but(engine, keep: set[int]) -> None:  # type: ignore[no-untyped-def]
    """Make the random model unable to emit anything outside ``keep`` (its output is noise)."""
    vocab = len(engine.tokenizer)
    engine.model.generation_config.suppress_tokens = [i for i in range(vocab) if i not in keep]


def _text_ids(engine) -> set[int]:  # type: ignore[no-untyped-def]
    specials = set(engine.tokenizer.all_special_ids)
    return {i for i in range(len(engine.tokenizer)) if i not in specials}


@pytest.mark.slow
def test_generates_until_length(engine) -> None:  # type: ignore[no-untyped-def]
    _suppress_all_but(engine, _text_ids(engine))
    first = engine.generate(MESSAGES, GenerateOptions(max_tokens=8))
    again = engine.generate(MESSAGES, GenerateOptions(max_tokens=8))
    assert first.finish_reason == "length"
    assert first.usage.completion_tokens == 8
    assert len(first.text) == 8  # one printable character per token
    assert again.text == first.text  # greedy is deterministic
    expected_prompt = engine.tokenizer.apply_chat_template(
        [m.model_dump() for m in MESSAGES], add_generation_prompt=True, return_dict=False
    )
    assert first.usage.prompt_tokens == len(expected_prompt)
    assert first.usage.cached_prompt_tokens == 0
    assert first.seconds > 0


@pytest.mark.slow
def test_stop_string_cuts_the_text(engine) -> None:  # type: ignore[no-untyped-def]
    """Seeded sampling gives varied text (greedy on random weights repeats one character)."""
    _suppress_all_but(engine, _text_ids(engine))
    sample = GenerateOptions(max_tokens=12, temperature=1.0, seed=5)
    full = engine.generate(MESSAGES, sample).text
    stop = full[4:6]
    result = engine.generate(MESSAGES, sample.model_copy(update={"stop": [stop]}))
    assert result.text == full[: full.index(stop)]
    assert result.finish_reason == "stop"
    assert result.usage.completion_tokens < 12


@pytest.mark.slow
def test_end_of_turn_token_stops(engine) -> None:  # type: ignore[no-untyped-def]
    _suppress_all_but(engine, {engine.tokenizer.eos_token_id})
    result = engine.generate(MESSAGES, GenerateOptions(max_tokens=8))
    assert (result.text, result.finish_reason, result.usage.completion_tokens) == ("", "stop", 1)


@pytest.mark.slow
def test_sampling_follows_the_seed(engine) -> None:  # type: ignore[no-untyped-def]
    _suppress_all_but(engine, _text_ids(engine))
    sample = GenerateOptions(max_tokens=10, temperature=1.0, seed=1)
    a = engine.generate(MESSAGES, sample)
    b = engine.generate(MESSAGES, sample)
    c = engine.generate(MESSAGES, sample.model_copy(update={"seed": 2}))
    assert a.text == b.text
    assert a.text != c.text


@pytest.mark.slow
def test_describe(engine, tiny_model: Path) -> None:  # type: ignore[no-untyped-def]
    info = engine.describe()
    assert info["id"] == f"hf/{tiny_model}"
    assert (info["source"], info["device"], info["dtype"]) == (str(tiny_model), "cpu", "float32")


def test_bad_options_and_paths(tmp_path: Path) -> None:
    from reasoner.models.hf import HFEngine

    with pytest.raises(ValueError, match="device"):
        HFEngine(str(tmp_path), {"device": "tpu"})
    with pytest.raises(ModelError, match="No GGUF file"):
        HFEngine(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelError, match="No model directory"):
        HFEngine(str(tmp_path / "missing-dir"))


@pytest.mark.slow
def test_empty_dir_is_no_model(tmp_path: Path) -> None:
    from reasoner.models.hf import HFEngine

    with pytest.raises(ModelError, match="Could not load"):
        HFEngine(str(tmp_path), {"device": "cpu"})


def test_catalog_name_missing_names_the_pull_command() -> None:
    from reasoner.models.hf import HFEngine

    with pytest.raises(ModelError, match=re.escape("reasoner models pull qwen2.5-coder-0.5b")):
        HFEngine("qwen2.5-coder-0.5b")


@pytest.mark.parametrize("package", ["torch", "transformers"])
def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    from reasoner.models.hf import HFEngine

    monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail
    with pytest.raises(MissingExtraError) as info:
        HFEngine("Qwen/Qwen2.5-0.5B-Instruct")
    assert package in str(info.value)
    assert "reasoner[hf]" in str(info.value)


@pytest.mark.slow
def test_real_gguf_through_transformers() -> None:
    """The 0.5B GGUF, dequantised by transformers: slow to load, but it must answer."""
    from conftest import REAL_HOME

    from reasoner import catalog
    from reasoner.models.hf import HFEngine

    path = catalog.model_path(catalog.SMALL_MODEL, home=REAL_HOME)
    if not path.is_file():
        pytest.fail(f"The 0.5B test model is missing at {path}. Run `make setup` or "
                    f"`reasoner models pull {catalog.SMALL_MODEL}`.")
    start = time.perf_counter()
    engine = HFEngine(str(path), {"device": "cpu"})
    load = time.perf_counter() - start
    try:
        result = engine.generate(
            [Message(role="user", content="What is 17 + 25? Reply with the number only.")],
            GenerateOptions(max_tokens=8),
        )
    finally:
        engine.close()
    print(f"hf gguf load {load:.1f}s, {result.usage.completion_tokens} tokens "
          f"in {result.seconds:.2f}s")
    assert "42" in result.text
    assert result.finish_reason == "stop"


@pytest.mark.slow
def test_one_of_constrains_the_reply_to_a_choice(engine) -> None:  # type: ignore[no-untyped-def]
    """The random model writes noise unless masked; with ``one_of`` it can only spell a label."""
    _suppress_all_but(engine, _text_ids(engine) | {engine.tokenizer.eos_token_id})
    labels = ["python", "prolog", "direct"]
    replies = set()
    for seed in range(4):
        sample = GenerateOptions(max_tokens=12, temperature=1.0, seed=seed)
        assert engine.generate(MESSAGES, sample).text not in labels
        constrained = engine.generate(MESSAGES, sample.model_copy(update={"one_of": labels}))
        assert constrained.text in labels and constrained.finish_reason == "stop"
        replies.add(constrained.text)
    assert len(replies) > 1  # sampling still chooses among the labels


def _count_generate_calls(engine, monkeypatch: pytest.MonkeyPatch) -> list[dict]:  # type: ignore[no-untyped-def]
    """Record the keyword arguments of every ``model.generate`` call the engine makes."""
    calls: list[dict] = []
    real = engine.model.generate

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.model, "generate", counted)
    return calls


@pytest.mark.slow
def test_generate_many_samples_in_one_batch(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _suppress_all_but(engine, _text_ids(engine))
    options = [GenerateOptions(max_tokens=10, temperature=1.0, seed=seed) for seed in (1, 2, 3)]
    calls = _count_generate_calls(engine, monkeypatch)
    results = engine.generate_many(MESSAGES, options)
    assert len(calls) == 1
    assert calls[0]["generation_config"].num_return_sequences == 3
    assert engine.capabilities.batched_generation
    assert len(results) == 3
    assert len({r.text for r in results}) > 1  # the streams sample apart
    assert all(len(r.text) == 10 and r.finish_reason == "length" for r in results)
    prompt = engine.tokenizer.apply_chat_template(
        [m.model_dump() for m in MESSAGES], add_generation_prompt=True, return_dict=False
    )
    # The prompt is evaluated once: the first completion carries it, as on llama.cpp.
    assert [r.usage.prompt_tokens for r in results] == [len(prompt), 0, 0]
    assert [r.usage.completion_tokens for r in results] == [10, 10, 10]
    again = engine.generate_many(MESSAGES, options)
    assert [r.text for r in again] == [r.text for r in results]  # reproducible from the first seed


@pytest.mark.slow
def test_generate_many_cuts_each_stream_at_its_stop(engine) -> None:  # type: ignore[no-untyped-def]
    """Each stream stops where a stop string first appears in its own text, and counts only
    the tokens it generated up to there, while the batch goes on for the others."""
    from reasoner.models.chat import cut_at_stop

    _suppress_all_but(engine, _text_ids(engine))
    options = [GenerateOptions(max_tokens=12, temperature=1.0, seed=seed) for seed in (7, 8, 9)]
    full = [r.text for r in engine.generate_many(MESSAGES, options)]
    stops = list(dict.fromkeys(text[3 + i] for i, text in enumerate(full)))  # one char in each stream
    results = engine.generate_many(MESSAGES, [o.model_copy(update={"stop": stops}) for o in options])
    expected = [cut_at_stop(text, stops)[0] for text in full]
    assert [r.text for r in results] == expected
    assert all(r.finish_reason == "stop" for r in results)
    # One character per token, and the token that completed the stop string counts.
    assert [r.usage.completion_tokens for r in results] == [len(text) + 1 for text in expected]
    assert len({len(text) for text in expected}) > 1 or len(set(expected)) > 1


@pytest.mark.slow
def test_generate_many_reuses_the_prefix_cache(engine) -> None:  # type: ignore[no-untyped-def]
    _suppress_all_but(engine, _text_ids(engine))
    options = [GenerateOptions(max_tokens=8, temperature=1.0, seed=seed) for seed in (4, 5)]
    whole = engine.generate_many(MESSAGES, options)
    with_prefix = [o.model_copy(update={"prefix_messages": 1}) for o in options]
    engine.generate_many(MESSAGES, with_prefix)  # the first call keeps the system message's cache
    cached = engine.generate_many(MESSAGES, with_prefix)
    assert [r.text for r in cached] == [r.text for r in whole]
    assert cached[0].usage.cached_prompt_tokens > 0
    assert [r.usage.cached_prompt_tokens for r in cached[1:]] == [0]
    assert cached[0].usage.prompt_tokens == whole[0].usage.prompt_tokens


@pytest.mark.slow
def test_generate_many_batches_the_sampled_options_that_agree(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A vote's list, one greedy option and sampled ones, is one call for the greedy reply
    and one batch for the sampled; an option with settings of its own is a call of its own."""
    _suppress_all_but(engine, _text_ids(engine))
    greedy = GenerateOptions(max_tokens=8)
    sampled = [GenerateOptions(max_tokens=8, temperature=1.0, seed=seed) for seed in (3, 4)]
    hotter = GenerateOptions(max_tokens=8, temperature=1.5, seed=5)
    calls = _count_generate_calls(engine, monkeypatch)
    results = engine.generate_many(MESSAGES, [greedy, sampled[0], hotter, sampled[1]])
    assert [call["generation_config"].num_return_sequences or 1 for call in calls] == [1, 2, 1]
    alone = engine.generate(MESSAGES, greedy)
    assert (results[0].text, results[0].finish_reason, results[0].usage) == (
        alone.text, alone.finish_reason, alone.usage)
    assert [r.text for r in (results[1], results[3])] == [r.text for r in engine.generate_many(MESSAGES, sampled)]
    assert results[2].text == engine.generate(MESSAGES, hotter).text  # its own seed, alone
    assert results[2].usage.prompt_tokens == alone.usage.prompt_tokens  # each call counts its prompt


@pytest.mark.slow
def test_a_looping_reply_is_cut_while_written(engine) -> None:  # type: ignore[no-untyped-def]
    """Greedy decoding on random weights repeats one character: watched, it stops once the
    repetition is long enough to tell (200 characters), alone and as batched streams."""
    _suppress_all_but(engine, _text_ids(engine))
    watched = GenerateOptions(max_tokens=300, cut_loops=True)
    unwatched = engine.generate(MESSAGES, watched.model_copy(update={"cut_loops": False}))
    alone = engine.generate(MESSAGES, watched)
    assert unwatched.finish_reason == "length" and unwatched.usage.completion_tokens == 300
    assert alone.finish_reason == "loop" and 200 <= alone.usage.completion_tokens < 300
    assert unwatched.text.startswith(alone.text)
    one = sorted(_text_ids(engine))[:1]
    _suppress_all_but(engine, set(one))  # every stream writes the same character
    streams = engine.generate_many(MESSAGES, [watched.model_copy(update={"temperature": 1.0, "seed": s})
                                              for s in (1, 2)])
    assert [s.finish_reason for s in streams] == ["loop", "loop"]
    assert all(s.usage.completion_tokens < 300 for s in streams)
