"""``openai/<model>``: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp).

The openai client's own retries are off; this engine retries itself, with exponential
backoff, on connection errors, timeouts and 5xx answers only. A 4xx is the caller's
fault (bad key, unknown model, prompt too long) and retrying cannot fix it, so it raises
at once with the server's message.

Prefix caching: the request carries the messages exactly as given (role and content,
nothing generated per call such as timestamps or request ids), so calls that share a
leading run of messages send byte-identical prefixes and servers with prefix caching
(vLLM, llama.cpp server, OpenAI) can reuse them; the cached count comes back in
``usage.prompt_tokens_details.cached_tokens`` and lands in ``Usage.cached_prompt_tokens``.

Several endpoints: ``base_url`` may list several servers, comma-separated
(``-M base_url=http://a:8000/v1,http://b:8000/v1``), all serving the same model. Each attempt
goes to the endpoint with the fewest requests in flight (ties: the first listed); when an
endpoint fails (connection refused or reset, timeout, HTTP 5xx; never a 4xx, which is the
request's fault) the request moves at once to an endpoint it has not tried yet, and the failed
endpoint cools down for ``cool_down`` seconds (default 30), during which it is tried only
after every other one (:class:`reasoner.models.endpoints.EndpointPool`). A *round* tries each
endpoint at most once; the backoff comes between rounds, and after ``max_retries + 1`` rounds
the request fails with every endpoint's last error. With one URL a round is one attempt, so a
single server behaves as before. ``Completion.endpoint`` names the endpoint that answered.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from pydantic import Field

from reasoner.models.base import Capabilities, EngineOptions, MissingExtraError, ModelEngine, ModelError
from reasoner.models.chat import as_dicts
from reasoner.models.endpoints import COOL_DOWN, EndpointPool, note_endpoint
from reasoner.types import Completion, GenerateOptions, Message, Usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIOptions(EngineOptions):
    base_url: str | None = Field(
        None, description="Endpoint, or several comma-separated (requests spread over them, "
                          "failing over when one fails); default $OPENAI_BASE_URL, else the OpenAI API."
    )
    api_key: str | None = Field(
        None, description="Default $OPENAI_API_KEY, else 'none' (local servers ignore it)."
    )
    timeout: float = Field(300.0, gt=0, description="Seconds per request.")
    max_retries: int = Field(3, ge=0, description="Retries after the first attempt.")
    backoff: float = Field(1.0, ge=0, description="First retry delay in seconds; doubles.")
    max_backoff: float = Field(30.0, ge=0, description="Cap on one retry delay.")
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = Field(
        "max_tokens", description="Newer OpenAI models only accept max_completion_tokens."
    )
    send_seed: bool = Field(True, description="Some servers reject the seed parameter.")
    cool_down: float = Field(
        COOL_DOWN, ge=0, description="With several endpoints: seconds one that failed is tried only last."
    )


MAX_PARALLEL = 8
"""Concurrent requests one ``generate_many`` call keeps in flight."""


class OpenAIEngine(ModelEngine):
    provider = "openai"
    capabilities = Capabilities(concurrent_requests=True)
    Options = OpenAIOptions
    options: OpenAIOptions

    def __init__(self, name: str, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(name, options)
        try:
            import openai
        except ImportError as e:
            raise MissingExtraError("openai", "openai", "openai") from e
        self._openai = openai
        given = self.options.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.endpoints = parse_endpoints(given)
        """The servers requests go to, in the order given (ties go to the first)."""
        self.base_url = ",".join(self.endpoints)
        api_key = self.options.api_key or os.environ.get("OPENAI_API_KEY") or "none"
        self._clients = {
            url: openai.OpenAI(api_key=api_key, base_url=url, timeout=self.options.timeout, max_retries=0)
            for url in self.endpoints
        }
        self.pool = EndpointPool(self.endpoints, cool_down=self.options.cool_down)
        self._served: dict[str, Any] = {}

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        request: dict[str, Any] = {
            "model": self.name,
            "messages": as_dicts(messages),
            "temperature": options.temperature,
            "top_p": options.top_p,
            self.options.max_tokens_param: options.max_tokens,
        }
        if options.stop:
            request["stop"] = list(options.stop)
        if self.options.send_seed:
            request["seed"] = options.seed
        start = time.perf_counter()
        response, endpoint = self._call_with_retries(request)
        seconds = time.perf_counter() - start
        if not response.choices:
            raise ModelError(f"{endpoint} returned no choices for model {self.name!r}")
        choice = response.choices[0]
        self._served = {"served_model": response.model}
        if response.system_fingerprint:
            self._served["system_fingerprint"] = response.system_fingerprint
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            usage=_usage(response.usage),
            seconds=seconds,
            endpoint=endpoint,
        )

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        """Several replies as concurrent requests, one per options entry: a server with
        parallel slots or continuous batching (vLLM, llama-server -np N) decodes them together.
        (The ``n`` parameter would share one seed between the replies, and not every server
        honours it.) Each runs in a copy of the caller's context, so the endpoints that
        answer are recorded where the caller records them."""
        if len(options) < 2:
            return super().generate_many(messages, options)
        with ThreadPoolExecutor(max_workers=min(len(options), MAX_PARALLEL)) as pool:
            futures = [pool.submit(contextvars.copy_context().run, self.generate, messages, one)
                       for one in options]
            return [future.result() for future in futures]

    def _call_with_retries(self, request: dict[str, Any]) -> tuple[Any, str]:
        """The response and the endpoint that gave it: rounds of attempts, each round trying
        every endpoint at most once (the pool's choice), with the backoff between rounds."""
        openai = self._openai
        rounds = self.options.max_retries + 1
        last: dict[str, str] = {}
        for round_ in range(rounds):
            if round_:
                delay = self.options.backoff * 2 ** (round_ - 1)
                time.sleep(min(delay, self.options.max_backoff))
            tried: set[str] = set()
            while (url := self.pool.acquire(exclude=tried)) is not None:
                tried.add(url)
                failed = False
                try:
                    response = self._clients[url].chat.completions.create(**request)
                except openai.APIStatusError as e:
                    if e.status_code < 500:
                        raise ModelError(
                            f"{url} refused the request for model {self.name!r} "
                            f"(HTTP {e.status_code}): {_server_message(e)}"
                        ) from e
                    failed = True
                    last[url] = f"HTTP {e.status_code}: {_server_message(e)}"
                except openai.APITimeoutError:
                    failed = True
                    last[url] = f"timed out after {self.options.timeout:g} s"
                except openai.APIConnectionError as e:
                    failed = True
                    last[url] = f"connection failed: {_root_cause(e)}"
                else:
                    note_endpoint(url)
                    return response, url
                finally:
                    self.pool.release(url, failed=failed)
        if len(self.endpoints) == 1:
            (url,) = self.endpoints
            raise ModelError(
                f"Could not get a reply from {url} after {rounds} "
                f"attempt{'s' if rounds != 1 else ''}; last error: {last[url]}"
            )
        errors = "; ".join(f"{url}: {last[url]}" for url in self.endpoints if url in last)
        raise ModelError(
            f"Could not get a reply from any of the {len(self.endpoints)} endpoints "
            f"({', '.join(self.endpoints)}) after {rounds} round{'s' if rounds != 1 else ''} "
            f"of attempts; last errors: {errors}"
        )

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "base_url": self.base_url, **self._served}

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def parse_endpoints(base_url: str) -> list[str]:
    """``"URL1, URL2/"`` -> ``["URL1", "URL2"]``: trailing slashes and repeats dropped."""
    urls = list(dict.fromkeys(u.strip().rstrip("/") for u in base_url.split(",") if u.strip()))
    if not urls:
        raise ModelError(f"base_url {base_url!r} names no endpoint; give one URL or several, comma-separated")
    return urls


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        cached_prompt_tokens=cached or 0,
        completion_tokens=usage.completion_tokens or 0,
    )


def _server_message(error: Any) -> str:
    """The server's own words (``{"error": {"message": ...}}``) rather than the client's."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        if body.get("detail"):
            return str(body["detail"])
    return str(getattr(error, "message", error))


def _root_cause(error: BaseException) -> str:
    """'Connection error.' says nothing; the innermost cause says e.g. 'Connection refused'."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error) or type(error).__name__
