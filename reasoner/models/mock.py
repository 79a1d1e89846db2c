"""A scripted model shipped with the package, so tests and docs run without weights.

``mock/<name>`` replies from a list (``replies``), from a function of the messages
(``responder``), or, for the built-in name ``calculator``, by writing a one-line
Python program for the arithmetic expression in the question and then repeating
the program's result as the final answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from reasoner.models.base import EngineOptions, ModelEngine, ModelError
from reasoner.models.loops import LOOP, LoopCut
from reasoner.types import Completion, GenerateOptions, Message, Usage

Responder = Callable[[Sequence[Message]], str]

_EXPRESSION = re.compile(r"[\d(][\d\s.+\-*/()]*[\d)]")
_WORD = re.compile(r"\s*\S+\s*")
_RESULT = re.compile(r"^Result:\s*(?P<value>.+)$", re.MULTILINE)


def calculator(messages: Sequence[Message]) -> str:
    """Answer like a perfect small model would, for questions holding one expression."""
    last = messages[-1].content
    result = _RESULT.search(last)
    if result:
        return result.group("value").strip()
    question = last.rsplit("Question:", 1)[-1]
    expressions = [m.group(0).strip() for m in _EXPRESSION.finditer(question)]
    expression = max(expressions, key=len, default="0")
    return f"```python\nanswer = {expression}\n```"


BUILTIN_RESPONDERS: dict[str, Responder] = {"calculator": calculator}


class MockOptions(EngineOptions):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    replies: list[str] = Field(default_factory=list, description="Replies in order; the last repeats.")
    responder: Responder | None = None

    @field_validator("replies", mode="before")
    @classmethod
    def _parse_json_list(cls, value: Any) -> Any:
        """``-M replies='["a", "b"]'`` arrives as a string from the command line."""
        return json.loads(value) if isinstance(value, str) else value


class MockEngine(ModelEngine):
    provider = "mock"
    Options = MockOptions

    def __init__(self, name: str, options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(name, {**(options or {}), **kwargs})
        self.options: MockOptions
        self.calls: list[list[Message]] = []
        self.options_seen: list[GenerateOptions] = []
        """The options of every call, in order (tests check what the pipeline asked for)."""
        if not self.options.replies and self.options.responder is None:
            if name not in BUILTIN_RESPONDERS:
                raise ModelError(
                    f"mock/{name} has no script: pass replies or a responder, or use one of "
                    f"{', '.join('mock/' + n for n in BUILTIN_RESPONDERS)}"
                )
            self.options.responder = BUILTIN_RESPONDERS[name]

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        self.calls.append(list(messages))
        self.options_seen.append(options)
        if self.options.responder is not None:
            text = self.options.responder(messages)
        else:
            replies = self.options.replies
            text = replies[min(len(self.calls), len(replies)) - 1]
        for stop in options.stop:
            if stop in text:
                text = text[: text.index(stop)]
        # A word is a token here; a reply longer than max_tokens is cut off like a real one.
        words = _WORD.findall(text)
        finish_reason = "length" if len(words) > options.max_tokens else "stop"
        if options.cut_loops:  # watched word by word, as the real engines watch tokens
            cut = LoopCut()
            looped = next((i for i, word in enumerate(words[: options.max_tokens]) if cut.add(word)), None)
            if looped is not None:
                words, finish_reason = words[: looped + 1], LOOP
        text = "".join(words[: options.max_tokens]) if finish_reason != "stop" else text
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        return Completion(
            text=text, finish_reason=finish_reason,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=min(len(words), options.max_tokens)),
        )
