"""The llamacpp engine: error paths (fast) and the real 0.5B model (slow)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REAL_HOME

from reasoner import catalog
from reasoner.models.base import MissingExtraError, ModelError
from reasoner.models.llamacpp import LlamaCppEngine
from reasoner.types import GenerateOptions, Message

SMALL = catalog.SMALL_MODEL


def _real_small_model() -> Path:
    path = catalog.model_path(SMALL, home=REAL_HOME)
    if not path.is_file():
        pytest.fail(f"The 0.5B test model is missing at {path}. "
                    f"Run `make setup` or `reasoner models pull {SMALL}`.")
    return path


def _ask(question: str) -> list[Message]:
    return [Message(role="user", content=question)]


# --- errors, no model needed -----------------------------------------------------------------


def test_missing_catalog_model_names_the_pull_command() -> None:
    with pytest.raises(ModelError, match=re.escape(f"reasoner models pull {SMALL}")):
        LlamaCppEngine(SMALL)


def test_missing_file_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="No GGUF file") as info:
        LlamaCppEngine(str(tmp_path / "nope.gguf"))
    assert "reasoner models pull" in str(info.value)


def test_unknown_name_lists_the_catalog() -> None:
    with pytest.raises(ModelError) as info:
        LlamaCppEngine("qwen2.5-coder-0.5")
    assert SMALL in str(info.value)


def test_corrupt_catalog_file_names_the_pull_command(_isolated_home: Path) -> None:
    """Right size, wrong bytes (a sparse file of zeros): llama.cpp refuses it."""
    path = catalog.model_path(SMALL)
    path.parent.mkdir(parents=True)
    with open(path, "wb") as f:
        f.truncate(catalog.get_entry(SMALL).size)
    with pytest.raises(ModelError, match=re.escape(f"reasoner models pull {SMALL}")):
        LlamaCppEngine(SMALL)


def test_garbage_gguf_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelError, match="Could not load"):
        LlamaCppEngine(str(path))


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(MissingExtraError, match=re.escape("reasoner[llamacpp]")):
        LlamaCppEngine(str(path))


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="n_ctxx"):
        LlamaCppEngine.Options.model_validate({"n_ctxx": "10"})
    assert LlamaCppEngine.Options.model_validate({"n_ctx": "2048"}).n_ctx == 2048


# --- the real 0.5B model ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaCppEngine]:
    # Made before each test's isolated home: no prefix states written to the real one.
    engine = LlamaCppEngine(str(_real_small_model()), {"n_ctx": "2048", "prefix_cache_disk": "false"})
    yield engine
    engine.close()


@pytest.mark.slow
@pytest.mark.parametrize(("a", "b"), [(17, 25), (48, 36), (123, 219)])
def test_one_step_arithmetic(engine: LlamaCppEngine, a: int, b: int) -> None:
    result = engine.generate(_ask(f"What is {a} + {b}? Reply with the number only."),
                             GenerateOptions(max_tokens=16))
    assert re.findall(r"-?\d+", result.text.replace(",", "")) == [str(a + b)], result.text
    assert result.finish_reason == "stop"
    assert result.usage.prompt_tokens > 0
    assert 0 < result.usage.completion_tokens <= 16
    assert result.seconds > 0


@pytest.mark.slow
def test_length_limit(engine: LlamaCppEngine) -> None:
    result = engine.generate(_ask("Write a long story about a dragon."),
                             GenerateOptions(max_tokens=5))
    assert result.finish_reason == "length"
    assert result.usage.completion_tokens == 5
    assert result.text.strip()


@pytest.mark.slow
def test_stop_string_is_cut(engine: LlamaCppEngine) -> None:
    question = _ask("List the numbers from 1 to 10, one per line, digits only.")
    full = engine.generate(question, GenerateOptions(max_tokens=40)).text
    assert "5" in full, full
    result = engine.generate(question, GenerateOptions(max_tokens=40, stop=["5"]))
    assert result.text == full[: full.index("5")]
    assert result.finish_reason == "stop"


@pytest.mark.slow
def test_shared_prefix_is_reported_cached(engine: LlamaCppEngine) -> None:
    system = Message(role="system", content="You answer arithmetic questions. " * 20)
    engine.generate(_ask("Say hi."), GenerateOptions(max_tokens=2))  # evict the system prompt
    first = engine.generate([system, *_ask("What is 2 + 3?")], GenerateOptions(max_tokens=4))
    second = engine.generate([system, *_ask("What is 7 + 1?")], GenerateOptions(max_tokens=4))
    system_tokens = len(engine._llm.tokenize(system.content.encode(), add_bos=False))
    assert first.usage.cached_prompt_tokens < 10  # at most the template's opening tokens
    assert system_tokens < second.usage.cached_prompt_tokens < second.usage.prompt_tokens


@pytest.mark.slow
def test_prompt_longer_than_context(engine: LlamaCppEngine) -> None:
    with pytest.raises(ModelError, match="n_ctx"):
        engine.generate(_ask("word " * 3000), GenerateOptions(max_tokens=4))
    after = engine.generate(_ask("What is 2 + 2? Reply with the number only."),
                            GenerateOptions(max_tokens=4))
    assert after.text.strip() == "4"


@pytest.mark.slow
def test_odd_context_size_is_padded() -> None:
    """A context llama.cpp pads (300 -> 512) must still give the clear error, not a crash."""
    small = LlamaCppEngine(str(_real_small_model()), {"n_ctx": "300"})
    try:
        assert small.describe()["n_ctx"] == 512
        with pytest.raises(ModelError, match=r"exceed context window of 512"):
            small.generate(_ask("word " * 600), GenerateOptions(max_tokens=4))
    finally:
        small.close()


@pytest.mark.slow
def test_same_answer_twice_when_greedy(engine: LlamaCppEngine) -> None:
    question = _ask("Name three prime numbers.")
    a = engine.generate(question, GenerateOptions(max_tokens=24))
    b = engine.generate(question, GenerateOptions(max_tokens=24))
    assert a.text == b.text
    assert b.usage.cached_prompt_tokens == b.usage.prompt_tokens - 1


@pytest.mark.slow
def test_catalog_name_loads_quietly(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """By catalog name from the real cache; llama.cpp's load logs must not reach the terminal."""
    _real_small_model()
    monkeypatch.setenv("REASONER_HOME", str(REAL_HOME))
    engine = LlamaCppEngine(SMALL, {"n_ctx": "512"})
    try:
        engine.generate(_ask("What is 1 + 1?"), GenerateOptions(max_tokens=4))
        info = engine.describe()
    finally:
        engine.close()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert info["path"] == str(catalog.model_path(SMALL, home=REAL_HOME))
    assert info["size"] == catalog.get_entry(SMALL).size
    assert info["catalog"] == SMALL
    assert re.fullmatch(r"[0-9a-f]{64}", info["sha256"])


@pytest.mark.slow
def test_one_of_constrains_the_reply_to_a_choice(engine: LlamaCppEngine) -> None:
    question = _ask("Explain in two sentences how you would solve x^2 = 4.")
    labels = ["python", "prolog", "direct"]
    free = engine.generate(question, GenerateOptions(max_tokens=16))
    assert free.text.strip() not in labels  # left alone, the model writes prose
    constrained = engine.generate(question, GenerateOptions(max_tokens=16, one_of=labels))
    assert constrained.text in labels
    assert constrained.finish_reason == "stop"
