"""The strategies compared, each a few lines on top of one loaded model.

- ``direct``: a short system prompt, k worked question/answer pairs, the question; the
  reply is the answer (for multiple choice, the option).
- ``cot``: the same k questions with their reasoning, ending "The answer is X."; the
  answer is what follows the last "answer is".
- ``tool``: :meth:`reasoner.pipeline.Reasoner.solve` with no backend (routed by the
  pipeline), options passed as ``choices``; ``tool:<backend>`` forces the backend.

All share the model, greedy decoding, the seed, and ``k`` (``--shots``, also the
Reasoner's number of program examples). The examples for ``direct`` and ``cot`` are the
worked chains of ``fewshot/chains.yaml``, written for this project (never from a test
split), which the pipeline's chain-of-thought vote candidates are shown too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import fewshot
from backends import backend_names
from backends.registry import UnknownNameError, unknown_message
from evals.records import ErrorInfo, Item, SampleUsage
from evals.scoring import AnswerFormat
from reasoner.extraction import strip_thinking
from reasoner.pipeline import Reasoner
from reasoner.prompting import NEXT_QUESTION, clean_final_answer, stated_answer, tidy_answer, worked_messages
from reasoner.types import Attempt, Candidate, GenerateOptions, Message
from reasoner.votes import Tally, replies, vote_key, vote_options

BASE_STRATEGIES = ("direct", "cot", "tool")

FORMAT_HINTS: dict[AnswerFormat, str] = {
    "number": "a number",
    "latex": "the exact value in LaTeX",
    "choice": "the letter of the correct option",
    "text": "a word or a short phrase",
}
DIRECT_SYSTEM = "Answer the question. Reply with the final answer only: {hint}, no explanation."
COT_SYSTEM = (
    "Answer the question. Think step by step, then finish with one line "
    "'The answer is X.' where X is {hint}."
)
DIRECT_OPTIONS = GenerateOptions(max_tokens=48, stop=[NEXT_QUESTION])
COT_OPTIONS = GenerateOptions(max_tokens=512, stop=[NEXT_QUESTION])



@dataclass
class Outcome:
    """What one strategy produced for one item, before scoring."""

    output: str = ""
    prediction: str | None = None
    route: str | None = None
    route_by: str | None = None
    fallback: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    usage: SampleUsage = field(default_factory=SampleUsage)
    error: ErrorInfo | None = None
    candidates: list[Candidate] = field(default_factory=list)
    agreement: float | None = None


@dataclass
class Context:
    """What every strategy shares in a run: one model, one Reasoner, one k, one seed."""

    reasoner: Reasoner
    shots: int
    seed: int = 0
    direct_options: GenerateOptions = field(default_factory=lambda: DIRECT_OPTIONS)
    cot_options: GenerateOptions = field(default_factory=lambda: COT_OPTIONS)

    def __post_init__(self) -> None:
        self.direct_options = self.direct_options.model_copy(update={"seed": self.seed})
        self.cot_options = self.cot_options.model_copy(update={"seed": self.seed})
        r = self.reasoner
        r.program_options = r.program_options.model_copy(update={"seed": self.seed})
        r.answer_options = r.answer_options.model_copy(update={"seed": self.seed})

    def sampling(self) -> dict[str, dict[str, Any]]:
        """Every kind of call's settings, for the run header."""
        return {
            "direct": self.direct_options.model_dump(),
            "cot": self.cot_options.model_dump(),
            "tool_program": self.reasoner.program_options.model_dump(),
            "tool_answer": self.reasoner.answer_options.model_dump(),
        }


class Strategy(ABC):
    name: str

    @abstractmethod
    def answer(self, item: Item, ctx: Context) -> Outcome:
        """Answer ``item``; model errors propagate (the runner records them)."""

    @abstractmethod
    def extract(self, output: str, item: Item) -> str | None:
        """The answer in the final reply; rescoring calls this again on the logged output."""


class _Prompted(Strategy):
    """``direct`` and ``cot``: one call with k worked examples in the prompt."""

    system: str
    with_reasoning: bool

    def messages(self, item: Item, shots: int) -> list[Message]:
        system = self.system.format(hint=FORMAT_HINTS[item.format])
        chains = fewshot.chains(item.format)[:shots]
        return worked_messages(system, item.question, chains, with_reasoning=self.with_reasoning)

    def options(self, ctx: Context) -> GenerateOptions:
        return ctx.cot_options if self.with_reasoning else ctx.direct_options

    def answer(self, item: Item, ctx: Context) -> Outcome:
        messages = self.messages(item, ctx.shots)
        options = self.options(ctx).model_copy(update={"prefix_messages": len(messages) - 1})
        completion = ctx.reasoner.model.generate(messages, options)
        usage = SampleUsage()
        usage.add(completion.usage)
        return Outcome(output=completion.text, prediction=self.extract(completion.text, item), usage=usage)


class Direct(_Prompted):
    name = "direct"
    system = DIRECT_SYSTEM
    with_reasoning = False

    def extract(self, output: str, item: Item) -> str | None:
        stated = stated_answer(output)
        return stated if stated is not None else clean_final_answer(output) or None


class ChainOfThought(_Prompted):
    name = "cot"
    system = COT_SYSTEM
    with_reasoning = True

    def extract(self, output: str, item: Item) -> str | None:
        stated = stated_answer(output)
        if stated is not None:
            return stated
        lines = strip_thinking(output).strip().splitlines()
        return tidy_answer(lines[-1]) if lines else None


class SelfConsistency(ChainOfThought):
    """``cot@N``: chain-of-thought N times (the first greedy, the others sampled as the
    tool's candidates are) and a vote on the stated answers, stopping once it is settled.
    An engine that batches writes all N together, as it does the tool's programs."""

    def __init__(self, votes: int) -> None:
        self.votes = votes
        self.name = f"cot@{votes}"

    def answer(self, item: Item, ctx: Context) -> Outcome:
        messages = self.messages(item, ctx.shots)
        base = ctx.cot_options.model_copy(update={"prefix_messages": len(messages) - 1})
        tally, usage = Tally(), SampleUsage()
        candidates: list[Candidate] = []
        outputs: dict[str, str] = {}
        drawn = replies(ctx.reasoner.model, messages, vote_options(base, self.votes),
                        written=lambda completion: usage.add(completion.usage))
        for number, completion in enumerate(drawn):
            answer = self.extract(completion.text, item)
            key = vote_key(answer, item.choices)
            tally.add(key)
            candidates.append(Candidate(backend="cot", answer=answer))
            if key is not None:
                outputs.setdefault(key, completion.text)
            if tally.settled(self.votes - number - 1):
                break
        winner = tally.winner()
        output = outputs[winner] if winner is not None else ""
        return Outcome(output=output, prediction=self.extract(output, item) if output else None, usage=usage,
                       candidates=candidates, agreement=tally.agreement())


class Tool(Strategy):
    """The pipeline; ``backend=None`` lets it route; ``votes`` > 1 (``tool@N``) votes, and
    ``cot`` chains of thought join the vote (``tool@N+cot@M``)."""

    def __init__(self, backend: str | None = None, votes: int = 1, cot: int = 0) -> None:
        self.backend = backend
        self.votes = votes
        self.cot = cot
        self.name = ((f"tool:{backend}" if backend else "tool") + (f"@{votes}" if votes > 1 or cot else "")
                     + (f"+cot@{cot}" if cot else ""))

    def answer(self, item: Item, ctx: Context) -> Outcome:
        solution = ctx.reasoner.solve(item.question, backend=self.backend, choices=item.choices, votes=self.votes,
                                      vote_cot=self.cot)
        usage = SampleUsage()
        usage.add(solution.usage, calls=solution.usage.model_calls)
        error = None
        if solution.error is not None or solution.answer is None:
            # The program path failed, even when a fallback then answered: the sample
            # records the last program's error kind, else the solution's.
            last = solution.attempts[-1].result.error if solution.attempts else None
            kind = last.kind.value if last is not None else solution.error.kind.value if solution.error else "no_answer"
            error = ErrorInfo(kind=kind, message=solution.error.message if solution.error else "no answer")
        output = solution.answer or ""
        route = solution.route.backend if solution.route is not None else solution.backend
        voted = self.votes > 1 or self.cot > 0
        return Outcome(output=output, prediction=self.extract(output, item), route=route,
                       route_by=solution.route.by if solution.route is not None else None,
                       fallback=solution.fallback, attempts=list(solution.attempts), usage=usage, error=error,
                       candidates=list(solution.candidates) if voted else [],
                       agreement=solution.agreement if voted else None)

    def extract(self, output: str, item: Item) -> str | None:
        return output.strip() or None


def known_strategies() -> list[str]:
    return [*BASE_STRATEGIES, *(f"tool:{b}" for b in backend_names()), "cot@N", "tool@N", "tool:<backend>@N",
            "tool@N+cot@M"]


def make_strategy(name: str) -> Strategy:
    """A strategy by name: ``direct``, ``cot``, ``tool``, ``tool:<backend>``, and ``cot@N``,
    ``tool@N``, ``tool:<backend>@N`` for N votes, and ``tool@N+cot@M`` for N programs and M
    chains of thought in one vote."""
    name = name.strip()
    name, plus, cot_part = name.partition("+")
    cot = 0
    if plus:
        cot_base, _, cot_count = cot_part.partition("@")
        if cot_base != "cot" or not cot_count.isdigit() or int(cot_count) < 1 or not name.startswith("tool"):
            raise ValueError(f"strategy {name + plus + cot_part!r}: write tool@N+cot@M, with M at least 1")
        cot = int(cot_count)
    base, at, count = name.partition("@")
    votes = 1
    if at:
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"strategy {name!r}: the number after '@' must be a whole number of at least 1")
        votes = int(count)
    if base == "direct" and not at:
        return Direct()
    if base == "cot":
        return SelfConsistency(votes) if at else ChainOfThought()
    if base == "tool":
        return Tool(votes=votes, cot=cot)
    if base.startswith("tool:") and base[5:] in backend_names():
        return Tool(base[5:], votes=votes, cot=cot)
    raise UnknownNameError(unknown_message("strategy", name, known_strategies()))


def parse_strategies(spec: str | list[str]) -> list[Strategy]:
    """``"direct,cot,tool"`` -> strategies, in order, without duplicates."""
    names = spec.split(",") if isinstance(spec, str) else [n for s in spec for n in s.split(",")]
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not names:
        raise ValueError("no strategy given; use e.g. --strategy direct,cot,tool")
    return [make_strategy(n) for n in names]
