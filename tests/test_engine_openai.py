"""The openai engine against real HTTP: a scripted server in a thread, and llama.cpp's server."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from llama_server import llama_server
from llama_server import start as start_llama_server
from llama_server import stop as stop_llama_server

from reasoner.models.base import ModelError
from reasoner.models.llama_server import free_port
from reasoner.models.openai import OpenAIEngine
from reasoner.types import GenerateOptions, Message

__all__ = ["llama_server"]  # the real-server fixture, imported for the tests below

Reply = tuple[int, dict[str, Any]]


def _completion(text: str, *, prompt: int = 11, completion: int = 3, cached: int | None = None,
                finish: str = "stop") -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt, "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "served-name",
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": text}}],
        "usage": usage,
    }


@dataclass
class FakeServer:
    """Answers each POST with the next scripted reply and records what it was sent."""

    url: str
    replies: list[Reply | Callable[[], Reply]]
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with _fake_server() as state:
        yield state


@pytest.fixture
def other_server() -> Iterator[FakeServer]:
    """A second scripted server, for the tests of several endpoints."""
    with _fake_server() as state:
        yield state


@contextmanager
def _fake_server() -> Iterator[FakeServer]:
    state = FakeServer(url="", replies=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": json.loads(body),
            })
            reply = state.replies.pop(0) if state.replies else (500, {"error": "no reply left"})
            status, payload = reply() if callable(reply) else reply
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _engine(url: str, **options: Any) -> OpenAIEngine:
    return OpenAIEngine("test-model", {"base_url": url, "backoff": 0.01, **options})


MESSAGES = [
    Message(role="system", content="You are terse."),
    Message(role="user", content="What is 2 + 2?"),
]


def test_request_shape_and_usage(server: FakeServer) -> None:
    server.replies = [(200, _completion("4", prompt=20, completion=2, cached=16))]
    engine = _engine(server.url, api_key="sk-test")
    result = engine.generate(
        MESSAGES, GenerateOptions(max_tokens=7, stop=["\n\n"], temperature=0.0, seed=3)
    )
    assert result.text == "4"
    assert result.finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.cached_prompt_tokens,
            result.usage.completion_tokens) == (20, 16, 2)
    assert result.seconds > 0
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-test"
    sent = request["json"]
    assert sent["model"] == "test-model"
    assert sent["messages"] == [m.model_dump() for m in MESSAGES]
    assert (sent["max_tokens"], sent["stop"], sent["temperature"], sent["seed"]) == (
        7, ["\n\n"], 0.0, 3)
    assert engine.describe()["served_model"] == "served-name"
    assert engine.describe()["base_url"] == server.url


def test_same_messages_send_identical_bytes(server: FakeServer) -> None:
    """Prefix caching on the server needs the same prefix to arrive byte-identical."""
    server.replies = [(200, _completion("a")), (200, _completion("b"))]
    engine = _engine(server.url)
    engine.generate(MESSAGES, GenerateOptions())
    engine.generate([*MESSAGES, Message(role="assistant", content="a")], GenerateOptions())
    first, second = (r["json"]["messages"] for r in server.requests)
    assert second[: len(first)] == first
    assert {k: v for k, v in server.requests[0]["json"].items() if k != "messages"} == {
        k: v for k, v in server.requests[1]["json"].items() if k != "messages"}


def test_missing_usage_and_cache_details(server: FakeServer) -> None:
    no_usage = _completion("x", finish="length")
    del no_usage["usage"]
    server.replies = [(200, _completion("ok")), (200, no_usage)]
    engine = _engine(server.url)
    first = engine.generate(MESSAGES, GenerateOptions())
    assert (first.usage.prompt_tokens, first.usage.cached_prompt_tokens) == (11, 0)
    second = engine.generate(MESSAGES, GenerateOptions())
    assert second.finish_reason == "length"
    assert second.usage.prompt_tokens == 0


def test_env_supplies_url_and_key(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    server.replies = [(200, _completion("ok"))]
    assert OpenAIEngine("m").generate(MESSAGES, GenerateOptions()).text == "ok"
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-from-env"


def test_retries_on_5xx_then_succeeds(server: FakeServer) -> None:
    server.replies = [
        (500, {"error": {"message": "overloaded"}}),
        (503, {"error": {"message": "still overloaded"}}),
        (200, _completion("42")),
    ]
    result = _engine(server.url, max_retries=3).generate(MESSAGES, GenerateOptions())
    assert result.text == "42"
    assert len(server.requests) == 3


def test_gives_up_after_bounded_5xx(server: FakeServer) -> None:
    server.replies = [(502, {"error": {"message": "bad gateway"}})] * 5
    with pytest.raises(ModelError) as info:
        _engine(server.url, max_retries=2).generate(MESSAGES, GenerateOptions())
    assert len(server.requests) == 3
    assert server.url in str(info.value)
    assert "3 attempts" in str(info.value)
    assert "bad gateway" in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 404, 429])
def test_no_retry_on_4xx(server: FakeServer, status: int) -> None:
    server.replies = [(status, {"error": {"message": "context length exceeded"}})] * 3
    with pytest.raises(ModelError) as info:
        _engine(server.url, max_retries=3).generate(MESSAGES, GenerateOptions())
    assert len(server.requests) == 1
    assert "context length exceeded" in str(info.value)
    assert f"HTTP {status}" in str(info.value)


def test_timeout_is_retried(server: FakeServer) -> None:
    def slow() -> Reply:
        time.sleep(1.0)
        return 200, _completion("late")

    server.replies = [slow, (200, _completion("on time"))]
    result = _engine(server.url, timeout=0.2, max_retries=1).generate(MESSAGES, GenerateOptions())
    assert result.text == "on time"
    assert len(server.requests) == 2


def test_connection_refused_names_url_after_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    engine = _engine(url, max_retries=2, backoff=0.05)
    start = time.perf_counter()
    with pytest.raises(ModelError) as info:
        engine.generate(MESSAGES, GenerateOptions())
    elapsed = time.perf_counter() - start
    message = str(info.value)
    assert url in message
    assert "3 attempts" in message
    assert re.search(r"refused|connect", message, re.IGNORECASE)
    assert elapsed >= 0.05 + 0.1  # backoff happened: 0.05 then 0.1


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(ValueError, match="no_such_option"):
        OpenAIEngine("m", {"no_such_option": "1"})


def test_string_options_are_coerced() -> None:
    engine = OpenAIEngine("m", {"base_url": "http://127.0.0.1:9/v1", "max_retries": "5",
                                "timeout": "2.5", "send_seed": "false"})
    assert (engine.options.max_retries, engine.options.timeout, engine.options.send_seed) == (
        5, 2.5, False)


# --- against a real OpenAI-compatible server -------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("a", "b"), [(17, 25), (48, 36), (123, 219)])
def test_real_server_arithmetic(llama_server: str, a: int, b: int) -> None:
    engine = OpenAIEngine("qwen2.5-coder-0.5b", {"base_url": llama_server, "max_retries": 1})
    question = f"What is {a} + {b}? Reply with the number only."
    result = engine.generate([Message(role="user", content=question)],
                             GenerateOptions(max_tokens=16))
    assert re.findall(r"-?\d+", result.text.replace(",", "")) == [str(a + b)], result.text
    assert result.usage.prompt_tokens > 0
    assert 0 < result.usage.completion_tokens <= 16
    assert result.finish_reason == "stop"


def test_several_replies_go_out_as_concurrent_requests(server: FakeServer) -> None:
    """generate_many (votes) sends one request per seed at once, for the server to batch."""
    def slow() -> Reply:
        time.sleep(0.3)
        return 200, _completion("4")

    server.replies = [slow, slow, slow]
    engine = _engine(server.url)
    options = [GenerateOptions(temperature=0.7, seed=seed) for seed in (1, 2, 3)]
    start = time.perf_counter()
    replies = engine.generate_many(MESSAGES, options)
    elapsed = time.perf_counter() - start
    assert [r.text for r in replies] == ["4", "4", "4"]
    assert sorted(r["json"]["seed"] for r in server.requests) == [1, 2, 3]
    assert elapsed < 0.8  # three 0.3 s replies overlapped


# --- several endpoints: -M base_url=URL1,URL2 --------------------------------------------------


def test_one_url_is_one_endpoint_and_answers_are_labelled(server: FakeServer) -> None:
    server.replies = [(200, _completion("4"))]
    engine = _engine(server.url + "/")
    assert engine.endpoints == [server.url] and engine.base_url == server.url
    assert engine.generate(MESSAGES, GenerateOptions()).endpoint == server.url


def test_base_url_list_is_parsed() -> None:
    engine = OpenAIEngine("m", {"base_url": " http://127.0.0.1:9/v1/ , http://127.0.0.1:10/v1,http://127.0.0.1:9/v1"})
    assert engine.endpoints == ["http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1"]
    assert engine.describe()["base_url"] == "http://127.0.0.1:9/v1,http://127.0.0.1:10/v1"
    with pytest.raises(ModelError, match="names no endpoint"):
        OpenAIEngine("m", {"base_url": " , "})


def test_concurrent_requests_spread_over_endpoints(server: FakeServer, other_server: FakeServer) -> None:
    def slow() -> Reply:
        time.sleep(0.3)
        return 200, _completion("4")

    server.replies = [slow, slow]
    other_server.replies = [slow, slow]
    engine = _engine(f"{server.url},{other_server.url}")
    replies = engine.generate_many(MESSAGES, [GenerateOptions(seed=s) for s in range(4)])
    assert len(server.requests) == len(other_server.requests) == 2
    assert sorted(r.endpoint or "" for r in replies) == sorted([server.url] * 2 + [other_server.url] * 2)


def test_refused_endpoint_fails_over_and_cools_down(server: FakeServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    server.replies = [(200, _completion("a")), (200, _completion("b"))]
    engine = _engine(f"{dead},{server.url}", max_retries=0)
    first = engine.generate(MESSAGES, GenerateOptions())
    second = engine.generate(MESSAGES, GenerateOptions())
    assert (first.text, first.endpoint, second.text, second.endpoint) == ("a", server.url, "b", server.url)
    assert engine.pool.failures == {dead: 1, server.url: 0}  # the second went straight to the live one
    assert engine.pool.cooling(dead) and not engine.pool.cooling(server.url)


def test_5xx_fails_over_without_backoff(server: FakeServer, other_server: FakeServer) -> None:
    server.replies = [(503, {"error": {"message": "loading model"}})]
    other_server.replies = [(200, _completion("42"))]
    engine = _engine(f"{server.url},{other_server.url}", max_retries=0, backoff=5.0)
    start = time.perf_counter()
    result = engine.generate(MESSAGES, GenerateOptions())
    assert (result.text, result.endpoint) == ("42", other_server.url)
    assert time.perf_counter() - start < 2.0


def test_4xx_is_not_moved_to_another_endpoint(server: FakeServer, other_server: FakeServer) -> None:
    server.replies = [(400, {"error": {"message": "context length exceeded"}})]
    other_server.replies = [(200, _completion("never"))]
    engine = _engine(f"{server.url},{other_server.url}")
    with pytest.raises(ModelError, match="context length exceeded") as info:
        engine.generate(MESSAGES, GenerateOptions())
    assert server.url in str(info.value) and "HTTP 400" in str(info.value)
    assert other_server.requests == []
    assert not engine.pool.cooling(server.url)


def test_all_endpoints_down_names_each_with_its_error(server: FakeServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    server.replies = [(502, {"error": {"message": "bad gateway"}})] * 4
    engine = _engine(f"{dead},{server.url}", max_retries=1, backoff=0.01)
    with pytest.raises(ModelError) as info:
        engine.generate(MESSAGES, GenerateOptions())
    message = str(info.value)
    assert f"any of the 2 endpoints ({dead}, {server.url})" in message
    assert "after 2 rounds" in message
    assert re.search(rf"{re.escape(dead)}: connection failed: .*(refused|connect)", message, re.IGNORECASE)
    assert f"{server.url}: HTTP 502: bad gateway" in message
    assert len(server.requests) == 2  # once per round


def test_eval_sample_records_the_endpoints_that_answered(server: FakeServer, other_server: FakeServer,
                                                         tmp_path: Path) -> None:
    from evals.records import Item, SampleRecord
    from evals.run import RunDir, run_one
    from evals.strategies import Context, make_strategy
    from reasoner.models.mock import MockEngine
    from reasoner.pipeline import Reasoner

    item = Item(id="q1", question="What is 2 + 2?", gold="4", format="number")
    server.replies = [(503, {"error": {"message": "overloaded"}})]
    other_server.replies = [(200, _completion("4"))]
    engine = _engine(f"{server.url},{other_server.url}")
    record = run_one("t", item, make_strategy("direct"), Context(reasoner=Reasoner(model=engine, shots=0), shots=0))
    assert record.correct and record.endpoints == {other_server.url: 1}

    local = run_one("u", item, make_strategy("direct"),
                    Context(reasoner=Reasoner(model=MockEngine("m", replies=["4"]), shots=0), shots=0))
    assert local.correct and local.endpoints is None

    run_dir = RunDir(tmp_path)
    run_dir.rewrite_records([record, local])
    served, local_line = (json.loads(line) for line in run_dir.samples_path.read_text().splitlines())
    assert served["endpoints"] == {other_server.url: 1}
    assert "endpoints" not in local_line  # a local engine's sample reads as before
    assert [r.endpoints for r in run_dir.read_records()] == [{other_server.url: 1}, None]
    assert SampleRecord.model_validate(local_line).endpoints is None


# Two real llama.cpp servers with the small model.


@pytest.fixture
def two_llama_servers(tmp_path: Path) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Two llama-server processes on free local ports (started together), stopped whatever happens."""
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for n in (1, 2):
            proc, url = start_llama_server(tmp_path / f"server{n}.log")
            started.append((url, proc))
        yield started
    finally:
        for _, proc in started:
            stop_llama_server(proc)


QUESTION = [Message(role="user", content="Name a colour. One word.")]


@pytest.mark.slow
def test_real_servers_share_a_batch(two_llama_servers: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    from reasoner.models.endpoints import endpoint_counts, recording_endpoints

    (a, _), (b, _) = two_llama_servers
    engine = OpenAIEngine("qwen2.5-coder-0.5b", {"base_url": f"{a},{b}", "max_retries": 1})
    options = [GenerateOptions(max_tokens=8, temperature=0.7, seed=s) for s in range(6)]
    with recording_endpoints() as answered:
        replies = engine.generate_many(QUESTION, options)
    assert all(r.text.strip() and r.usage.completion_tokens > 0 for r in replies)
    counts = endpoint_counts(answered)
    assert counts is not None and set(counts) == {a, b}, counts  # each answered some
    assert sum(counts.values()) == 6
    assert counts == {url: sum(r.endpoint == url for r in replies) for url in counts}
    assert engine.pool.failures == {a: 0, b: 0}


@pytest.mark.slow
def test_real_server_killed_mid_batch_then_all_down(
    two_llama_servers: list[tuple[str, subprocess.Popen[bytes]]],
) -> None:
    """One server is killed while a batch is in flight on both: every request still gets its
    reply, from the other; once that one is gone too, the error names both."""
    (a, proc_a), (b, proc_b) = two_llama_servers
    engine = OpenAIEngine("qwen2.5-coder-0.5b", {"base_url": f"{a},{b}", "max_retries": 1, "backoff": 0.1,
                                                 "timeout": 120})
    options = [GenerateOptions(max_tokens=24, temperature=0.7, seed=s) for s in range(8)]
    outcome: dict[str, Any] = {}

    def batch() -> None:
        try:
            outcome["replies"] = engine.generate_many(QUESTION, options)
        except BaseException as e:  # reported by the assertions below
            outcome["error"] = e

    worker = threading.Thread(target=batch)
    worker.start()
    deadline = time.monotonic() + 120
    # Kill the first server once it has answered one request and still has others queued.
    while not (engine.pool.answered[a] >= 1 and engine.pool.in_flight[a] >= 1):
        assert worker.is_alive() and time.monotonic() < deadline, (outcome, engine.pool.answered)
        time.sleep(0.01)
    answered_before_kill = engine.pool.answered[a]
    proc_a.kill()
    proc_a.wait()
    worker.join(timeout=300)
    assert not worker.is_alive()
    assert "error" not in outcome, outcome.get("error")
    replies = outcome["replies"]
    assert len(replies) == 8 and all(r.text.strip() for r in replies)
    assert {r.endpoint for r in replies} <= {a, b}
    assert sum(r.endpoint == a for r in replies) == answered_before_kill
    assert sum(r.endpoint == b for r in replies) == 8 - answered_before_kill
    assert engine.pool.failures[a] >= 1  # requests in flight on it were moved
    assert engine.pool.cooling(a)

    after = engine.generate(QUESTION, GenerateOptions(max_tokens=8))
    assert after.endpoint == b

    stop_llama_server(proc_b)
    with pytest.raises(ModelError) as info:
        engine.generate(QUESTION, GenerateOptions(max_tokens=8))
    message = str(info.value)
    assert f"any of the 2 endpoints ({a}, {b})" in message
    assert f"{a}: connection failed" in message and f"{b}: connection failed" in message
