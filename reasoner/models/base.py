"""The one interface every model engine implements, and the errors engines raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from reasoner.types import Completion, GenerateOptions, Message


class ModelError(RuntimeError):
    """A model could not be loaded or called; the message says what to do."""


class MissingExtraError(ModelError):
    def __init__(self, engine: str, package: str, extra: str) -> None:
        super().__init__(
            f"The {engine!r} engine needs {package}, which is not installed. "
            f"Install it with: pip install 'reasoner[{extra}]'"
        )


class EngineOptions(BaseModel):
    """Per-engine options set with ``-M key=value``; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")


class Capabilities(BaseModel):
    """What an engine can do beyond ``generate``: callers read these, never provider names."""

    model_config = ConfigDict(frozen=True)

    concurrent_requests: bool = False
    """Several ``generate`` calls may run at once (a server): evals keep that many in flight."""
    hidden_states: bool = False
    """``last_hidden_state`` returns the model's state (routing probes read it)."""
    constrained_choice: bool = False
    """``GenerateOptions.one_of`` is enforced (grammar or token masks), not only parsed."""
    batched_generation: bool = False
    """Several sequences of one prompt decode as one batch."""


class ModelEngine(ABC):
    """A loaded model. Engines import their heavy library only when constructed."""

    provider: ClassVar[str]
    Options: ClassVar[type[EngineOptions]] = EngineOptions
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, name: str, options: Mapping[str, Any] | None = None) -> None:
        self.name = name
        self.options = self.Options.model_validate(dict(options or {}))

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.name}"

    @abstractmethod
    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        """Continue the chat ``messages`` with one assistant reply."""

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        """One reply per entry of ``options`` (e.g. the same settings with other seeds).

        Engines with ``capabilities.batched_generation`` decode them together; the rest,
        by default, one after another.
        """
        return [self.generate(messages, one) for one in options]

    def last_hidden_state(self, text: str) -> Sequence[float] | None:
        """The last layer's state at the last token of ``text``, which routing probes read;
        None when the engine cannot give it (a server, the mock)."""
        return None

    def describe(self) -> dict[str, Any]:
        """What identifies this model in an eval log (file hash, revision, ...)."""
        return {"id": self.id}

    def close(self) -> None:  # noqa: B027 - optional hook; engines without resources skip it
        """Free the model's memory."""
