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
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from pydantic import Field

from reasoner.models.base import Capabilities, EngineOptions, MissingExtraError, ModelEngine, ModelError
from reasoner.models.chat import as_dicts
from reasoner.types import Completion, GenerateOptions, Message, Usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIOptions(EngineOptions):
    base_url: str | None = Field(
        None, description="Endpoint; default $OPENAI_BASE_URL, else the OpenAI API."
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
        self.base_url = (
            self.options.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        api_key = self.options.api_key or os.environ.get("OPENAI_API_KEY") or "none"
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=self.base_url,
            timeout=self.options.timeout,
            max_retries=0,
        )
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
        response = self._call_with_retries(request)
        seconds = time.perf_counter() - start
        if not response.choices:
            raise ModelError(f"{self.base_url} returned no choices for model {self.name!r}")
        choice = response.choices[0]
        self._served = {"served_model": response.model}
        if response.system_fingerprint:
            self._served["system_fingerprint"] = response.system_fingerprint
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            usage=_usage(response.usage),
            seconds=seconds,
        )

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        """Several replies as concurrent requests, one per options entry: a server with
        parallel slots or continuous batching (vLLM, llama-server -np N) decodes them together.
        (The ``n`` parameter would share one seed between the replies, and not every server
        honours it.)"""
        if len(options) < 2:
            return super().generate_many(messages, options)
        with ThreadPoolExecutor(max_workers=min(len(options), MAX_PARALLEL)) as pool:
            return list(pool.map(lambda one: self.generate(messages, one), options))

    def _call_with_retries(self, request: dict[str, Any]) -> Any:
        openai = self._openai
        attempts = self.options.max_retries + 1
        last: str = ""
        for attempt in range(attempts):
            if attempt:
                delay = self.options.backoff * 2 ** (attempt - 1)
                time.sleep(min(delay, self.options.max_backoff))
            try:
                return self._client.chat.completions.create(**request)
            except openai.APIStatusError as e:
                if e.status_code < 500:
                    raise ModelError(
                        f"{self.base_url} refused the request for model {self.name!r} "
                        f"(HTTP {e.status_code}): {_server_message(e)}"
                    ) from e
                last = f"HTTP {e.status_code}: {_server_message(e)}"
            except openai.APITimeoutError:
                last = f"timed out after {self.options.timeout:g} s"
            except openai.APIConnectionError as e:
                last = f"connection failed: {_root_cause(e)}"
        raise ModelError(
            f"Could not get a reply from {self.base_url} after {attempts} "
            f"attempt{'s' if attempts != 1 else ''}; last error: {last}"
        )

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "base_url": self.base_url, **self._served}

    def close(self) -> None:
        self._client.close()


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
