"""The openai engine against real HTTP: a scripted server in a thread, and llama.cpp's server."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reasoner.models.base import ModelError
from reasoner.models.openai import OpenAIEngine
from reasoner.types import GenerateOptions, Message

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_names_url_after_retries() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
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


def _small_model() -> Path:
    from conftest import REAL_HOME

    from reasoner import catalog

    path = catalog.model_path("qwen2.5-coder-0.5b", home=REAL_HOME)
    if not path.is_file():
        pytest.fail(
            f"The 0.5B test model is missing at {path}. "
            "Run `make setup` or `reasoner models pull qwen2.5-coder-0.5b`."
        )
    return path


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's server on a free local port, stopped whatever happens."""
    model = _small_model()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
            stdout=log, stderr=subprocess.STDOUT,
            env={"OMP_WAIT_POLICY": "PASSIVE", **os.environ},  # as the llamacpp engine sets it
        )
        try:
            _wait_until_up(proc, url, log_path)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("llama_cpp.server did not answer /v1/models within 120 s")
        time.sleep(0.3)


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
