"""The records that flow through the engine and into logs: messages, completions, solutions."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backends.result import ExecResult

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    role: Role
    content: str


class GenerateOptions(BaseModel):
    """Sampling settings for one call. Greedy by default: evals must be reproducible."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(512, gt=0)
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    stop: list[str] = Field(default_factory=list)
    seed: int = 0
    prefix_messages: int = Field(
        0, ge=0,
        description="How many leading messages are a prefix shared across calls (cacheable).",
    )
    cut_loops: bool = Field(
        False,
        description="Stop the reply as soon as it repeats itself (finish reason 'loop') where the "
                    "engine can watch it being written; other engines write to the token limit.",
    )
    one_of: list[str] | None = Field(
        None, min_length=1,
        description="Constrain the reply to exactly one of these strings where the engine can "
                    "(llama.cpp grammar, transformers token masks); other engines generate freely "
                    "and the caller still parses the reply.",
    )


class Usage(BaseModel):
    prompt_tokens: int = 0
    cached_prompt_tokens: int = Field(0, description="Prompt tokens reused, not re-evaluated.")
    completion_tokens: int = 0
    draft_tokens_accepted: int = Field(
        0, description="Completion tokens proposed from the prompt and confirmed by the model "
                       "(each saved one decoding step; engine option draft_tokens).",
    )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens + other.cached_prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            draft_tokens_accepted=self.draft_tokens_accepted + other.draft_tokens_accepted,
        )


class Completion(BaseModel):
    text: str
    finish_reason: str = Field("stop", description="'stop', 'length' or an engine's own reason.")
    usage: Usage = Field(default_factory=Usage)
    seconds: float = Field(0.0, description="Wall-clock seconds spent in the model.")
    endpoint: str | None = Field(
        None, description="The server that answered (the openai engine's base_url entry); None for a local engine.",
    )


class Attempt(BaseModel):
    """One program the model wrote and what running it produced."""

    backend: str
    program: str
    result: ExecResult
    completion: str = Field("", description="The model's raw text the program came from.")
    resampled: bool = Field(
        False, description="The repair repeated a failed program, so this one was sampled afresh from the "
                           "original prompt instead.",
    )


class Route(BaseModel):
    """A routing decision: where the question goes, who decided, and how sure it was."""

    backend: str = Field(description="A registered backend name, or 'direct'.")
    by: str = Field(description="What decided: 'rules', 'model', 'forced', or a 'probe' of the auto router.")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Per candidate, normalised to sum to 1."
    )

    @property
    def confidence(self) -> float:
        """The chosen backend's score: what a caller compares to a threshold."""
        return self.scores.get(self.backend, 0.0)


class SolutionUsage(Usage):
    model_seconds: float = 0.0
    exec_seconds: float = 0.0
    total_seconds: float = 0.0
    model_calls: int = 0


class SolutionErrorKind(StrEnum):
    """Why a question got no answer from a program; what a caller branches on."""

    programs_failed = "programs_failed"
    """Every program the model wrote failed (the last one's error is in the message)."""
    unavailable = "unavailable"
    """The backend or the sandbox cannot run here: not the program's fault, so nothing was
    repaired; the message says what to install or fix."""
    no_answer = "no_answer"
    """The model gave no answer at all (an empty reply to a direct question)."""


class SolutionError(BaseModel):
    kind: SolutionErrorKind
    message: str = Field(description="One line a person can act on.")


class Candidate(BaseModel):
    """One candidate answer of a vote: where it came from, its value, the programs behind it."""

    backend: str = Field(description="The backend whose program gave it, or 'cot' for chain-of-thought.")
    answer: str | None = Field(None, description="Its value, or None when it abstains (no program worked).")
    attempts: list[int] = Field(default_factory=list, description="Indices of its programs in Solution.attempts.")


class Solution(BaseModel):
    question: str
    answer: str | None = None
    backend: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    usage: SolutionUsage = Field(default_factory=SolutionUsage)
    route: Route | None = Field(None, description="How the backend was chosen.")
    fallback: str | None = Field(
        None, description="Set when no program of the routed backend worked and the answer came another way: "
        "'python' (a Python program) or 'direct'."
    )
    error: SolutionError | None = Field(
        None, description="Why no program answered: set when there is no answer, and kept beside a fallback's answer.",
    )
    candidates: list[Candidate] = Field(
        default_factory=list, description="Every candidate answer drawn, in order (one without voting).",
    )
    agreement: float | None = Field(
        None, description="The share of the candidates' votes (abstentions left out) that went to the answer.",
    )
    model: str = ""
