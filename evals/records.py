"""The typed records of an eval: items a task yields, and what a run writes to disk.

A run directory holds ``header.json`` (:class:`RunHeader`), ``samples.jsonl`` (one
:class:`SampleRecord` per item and strategy) and ``summary.json`` (:class:`RunSummary`).
Every sample carries its gold answer, options and answer format, so a run can be
rescored from the log alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evals.scoring import AnswerFormat
from reasoner.types import Attempt, Candidate, Usage

SCHEMA_VERSION = 1


def now() -> datetime:
    return datetime.now(UTC)


class Item(BaseModel):
    """One question of a task, as every strategy sees it."""

    model_config = ConfigDict(frozen=True)

    id: str
    question: str = Field(description="The full text shown to the model (options included).")
    gold: str = Field(description="The gold answer; the option letter for multiple choice.")
    format: AnswerFormat
    choices: list[str] | None = Field(None, description="Option texts, in letter order.")
    gold_route: str | None = Field(None, description="The backend that obviously fits, when known.")


class ErrorInfo(BaseModel):
    kind: str = Field(description="'model', 'internal', or a backend ErrorKind such as 'syntax'.")
    message: str


class SampleUsage(BaseModel):
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    draft_tokens_accepted: int = Field(0, description="Completion tokens drafted from the prompt and confirmed.")
    model_calls: int = 0

    def add(self, usage: Usage, calls: int = 1) -> None:
        """Count ``calls`` model calls that used ``usage``."""
        self.prompt_tokens += usage.prompt_tokens
        self.cached_prompt_tokens += usage.cached_prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.draft_tokens_accepted += usage.draft_tokens_accepted
        self.model_calls += calls


class SampleRecord(BaseModel):
    """One line of ``samples.jsonl``: one item answered by one strategy."""

    task: str
    id: str
    strategy: str
    question: str
    choices: list[str] | None = None
    gold: str
    format: AnswerFormat
    gold_route: str | None = None
    prediction: str | None = Field(None, description="The answer extracted from ``output``.")
    output: str = Field("", description="The model's final reply, before extraction.")
    correct: bool = False
    route: str | None = Field(None, description="The backend the tool strategy used.")
    route_by: str | None = Field(None, description="Who chose it: 'rules', 'model' or 'forced'.")
    fallback: str | None = Field(None, description="Set when no program worked and the answer came another way.")
    attempts: list[Attempt] = Field(default_factory=list)
    candidates: list[Candidate] = Field(
        default_factory=list, description="A voting strategy's candidate answers, in the order drawn.",
    )
    agreement: float | None = Field(None, description="The share of the votes that went to the answer.")
    error: ErrorInfo | None = Field(
        None, description="Why the strategy's own path failed (set even when a fallback then answered)."
    )
    usage: SampleUsage = Field(default_factory=SampleUsage)
    tokens: int = Field(0, description="Prompt plus completion tokens.")
    seconds: float = 0.0
    endpoints: dict[str, int] | None = Field(
        None, description="The servers that answered this sample's model calls (openai engine): calls answered "
                          "per base_url entry, in the order each first answered. None for a local engine, and in "
                          "runs written before it was recorded.",
    )
    finished_at: datetime = Field(default_factory=now)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.task, self.id, self.strategy)


class DataFileInfo(BaseModel):
    path: str
    origin: str
    sha256: str
    pinned_sha256: str | None = None
    matches_pin: bool | None = None


class TaskInfo(BaseModel):
    name: str
    total: int = Field(description="Items in the task's file(s).")
    selected: int = Field(description="Items after the seeded shuffle and --limit (and --shard: this shard's).")
    answer_format: str
    gold_route: str | None = None
    data: list[DataFileInfo] = Field(default_factory=list)


class Session(BaseModel):
    """One invocation of ``reasoner eval`` on this directory (a run resumed N times has N+1)."""

    started_at: datetime = Field(default_factory=now)
    ended_at: datetime | None = None
    written: int = Field(0, description="Samples this session appended.")
    status: str = Field(
        "running", description="'running', 'finished', 'interrupted' (Ctrl-C), 'failed' or 'killed'."
    )
    argv: list[str] = Field(default_factory=list)
    commit: str | None = Field(None, description="git commit of the code this session ran.")
    dirty: bool | None = Field(None, description="True when the code it ran had uncommitted edits.")

    @property
    def seconds(self) -> float:
        return ((self.ended_at or now()) - self.started_at).total_seconds()


class ShardInfo(BaseModel):
    """One slice of a run split across machines (``reasoner eval --shard INDEX/COUNT``): item k
    of each task's seeded selection (k from 0) belongs to shard (k mod COUNT) + 1."""

    index: int = Field(description="This shard, 1 to count.")
    count: int = Field(description="Shards the selection is split into.")
    items: dict[str, list[str]] = Field(
        default_factory=dict, description="Per task, the ids of this shard's items, in selection order.",
    )

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


class RunHeader(BaseModel):
    """``header.json``: everything needed to know what produced the samples."""

    schema_version: int = SCHEMA_VERSION
    tasks: list[TaskInfo]
    strategies: list[str]
    limit: int | None
    seed: int
    shots: int
    max_attempts: int
    model: dict[str, Any] = Field(description="The engine's describe(): id, file sha256 or revision, ...")
    model_options: dict[str, Any] = Field(default_factory=dict)
    pipeline: dict[str, Any] = Field(default_factory=dict, description="Reasoner settings: router, fallback.")
    sampling: dict[str, dict[str, Any]] = Field(description="GenerateOptions per kind of call.")
    git: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    prompts: dict[str, str] = Field(default_factory=dict, description="sha256 of each prompt source.")
    examples: dict[str, str] = Field(default_factory=dict, description="sha256 of each few-shot file.")
    started_at: datetime = Field(default_factory=now)
    ended_at: datetime | None = None
    sessions: list[Session] = Field(default_factory=list)
    shard: ShardInfo | None = Field(
        None, description="Set on one shard of a split run; absent from the file for a whole run.",
    )

    @property
    def elapsed_seconds(self) -> float:
        """Time actually spent running, summed over sessions (not wall time between them)."""
        return sum(s.seconds for s in self.sessions)


class AgreementBin(BaseModel):
    n: int = 0
    correct: int = 0


class StrategyStats(BaseModel):
    strategy: str
    n: int
    correct: int
    accuracy: float
    ci_low: float
    ci_high: float
    errors: int = 0
    error_kinds: dict[str, int] = Field(default_factory=dict)
    executable: int | None = Field(None, description="Tool samples whose program ran and gave a value.")
    executable_rate: float | None = None
    first_try: int | None = Field(None, description="Tool samples whose first program ran and gave a value.")
    first_try_rate: float | None = None
    fallbacks: int | None = Field(None, description="Tool samples answered by the pipeline's fallback.")
    accuracy_on_executable: float | None = None
    routed: int | None = Field(None, description="Tool samples with a known gold route (auto-routed only).")
    router_accuracy: float | None = None
    mean_seconds: float = 0.0
    mean_tokens: float = 0.0
    mean_prompt_tokens: float = 0.0
    mean_completion_tokens: float = 0.0
    by_agreement: dict[str, AgreementBin] = Field(
        default_factory=dict, description="Voting strategies: accuracy by how far the candidates agreed.",
    )


class TaskSummary(BaseModel):
    task: str
    strategies: list[StrategyStats]


class RunSummary(BaseModel):
    """``summary.json``."""

    run: str
    model: str
    samples: int
    expected: int | None = Field(None, description="Items x strategies the header asks for.")
    elapsed_seconds: float = 0.0
    tasks: list[TaskSummary]
    written_at: datetime = Field(default_factory=now)
