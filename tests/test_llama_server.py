"""llama.cpp's llama-server (built by setup) behind the openai engine, with parallel slots."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from llama_server import CONTEXT, SLOTS, binary, get_json, llama_server

from reasoner.models import get_model
from reasoner.models.openai import OpenAIEngine
from reasoner.types import GenerateOptions, Message

__all__ = ["llama_server"]  # the fixture, imported for the tests below


def _root(url: str) -> str:
    return url.removesuffix("/v1")


def test_missing_binary_fails_with_the_build_command(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REASONER_LLAMA_SERVER", str(tmp_path / "no-such-llama-server"))
    with pytest.raises(pytest.fail.Exception) as info:
        binary()
    message = str(info.value)
    assert "no-such-llama-server" in message
    assert "make setup" in message
    assert "scripts/build-llama-server.sh" in message


@pytest.mark.slow
def test_openai_engine_answers_through_llama_server(llama_server: str) -> None:
    engine = get_model("openai/qwen2.5-coder-0.5b", {"base_url": llama_server, "max_retries": 1})
    assert isinstance(engine, OpenAIEngine)
    try:
        result = engine.generate(
            [Message(role="user", content="What is 17 + 25? Reply with the number only.")],
            GenerateOptions(max_tokens=16),
        )
    finally:
        engine.close()
    assert re.findall(r"-?\d+", result.text) == ["42"], result.text
    assert result.usage.prompt_tokens > 0
    assert 0 < result.usage.completion_tokens <= 16
    assert result.finish_reason == "stop"
    assert engine.describe()["served_model"] == "qwen2.5-coder-0.5b"


@pytest.mark.slow
def test_server_reports_four_slots(llama_server: str) -> None:
    props = get_json(f"{_root(llama_server)}/props")
    assert props["total_slots"] == SLOTS
    # -c is the whole KV cache, shared out between the slots: 4096 / 4 each.
    assert props["default_generation_settings"]["n_ctx"] == CONTEXT // SLOTS
    slots = get_json(f"{_root(llama_server)}/slots")
    assert [slot["id"] for slot in slots] == list(range(SLOTS))


@pytest.mark.slow
def test_four_concurrent_requests_run_in_parallel_slots(llama_server: str) -> None:
    """generate_many sends the 4 requests at once; /slots, polled meanwhile, shows the
    server decoding them in separate slots at the same time (continuous batching)."""
    engine = get_model("openai/qwen2.5-coder-0.5b", {"base_url": llama_server, "max_retries": 0})
    busy: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                slots = get_json(f"{_root(llama_server)}/slots", timeout=5)
            except OSError:
                continue
            busy.append(sum(1 for slot in slots if slot["is_processing"]))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    messages = [Message(role="user", content="Count from 1 to 40, separated by spaces.")]
    options = [GenerateOptions(max_tokens=64, temperature=0.7, seed=seed) for seed in (1, 2, 3, 4)]
    watcher.start()
    start = time.perf_counter()
    try:
        replies = engine.generate_many(messages, options)
    finally:
        done.set()
        watcher.join(timeout=10)
        engine.close()
    seconds = time.perf_counter() - start
    assert len(replies) == SLOTS
    for reply in replies:
        assert reply.text.strip(), reply
        assert 0 < reply.usage.completion_tokens <= 64
        assert reply.finish_reason in {"stop", "length"}
    assert max(busy, default=0) == SLOTS, (busy, seconds)
