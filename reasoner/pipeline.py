"""The path every question takes: route, prompt, generate, extract, run isolated, repair, answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, cast

import fewshot
from backends import Backend, ErrorKind, ExecError, ExecResult, Limits, Sandbox, load_backend
from reasoner import prompting
from reasoner.checks import GENERAL_CHECKS, AnswerCheck, first_objection
from reasoner.checks import resolve as resolve_checks
from reasoner.extraction import extract_program, repeats_itself
from reasoner.models import ModelEngine, get_model
from reasoner.models.loops import LOOP
from reasoner.options import match_choice
from reasoner.routing import DEFAULT_ROUTER, DIRECT, ForcedRouter, Router, make_router
from reasoner.types import (
    Attempt,
    Candidate,
    Completion,
    GenerateOptions,
    Message,
    Solution,
    SolutionError,
    SolutionErrorKind,
    SolutionUsage,
)
from reasoner.votes import Tally, replies, sampled, vote_key, vote_options

Fallback = Literal["python", "direct", "none"]
"""When no program of the routed backend works: ``python`` writes Python programs (the
language the model writes best) and then answers directly if those fail too; ``direct``
answers directly; ``none`` gives up."""
FALLBACKS: tuple[Fallback, ...] = ("python", "direct", "none")
FALLBACK_BACKEND = "python"

PROGRAM_TOKENS = 512
"""A program's token budget."""
PROGRAM_OPTIONS = GenerateOptions(max_tokens=PROGRAM_TOKENS, cut_loops=True)
"""How programs are written by default: greedily, cut as soon as the reply loops."""
ANSWER_TOKENS = 48
"""The final answer's token budget: a number, a word or a short phrase."""

VOTE_REPAIRS = 0
"""Repairs a sampled candidate gets (the greedy one gets the full loop): none, since a failed
sample is cheaper to outvote than to repair. With one repair each, on 300 math and logic
items, the repairs changed no vote's answer and cost time, each decoded alone
(``research.benchmarks.vote_repairs``, docs/decisions.md)."""
VOTE_RUNNER_UP = 0.5
"""``vote_backends="auto"`` also samples the router's second backend when its score is at
least half the first's."""

REPAIR_TEMPERATURE = 0.7
"""Sampling temperature for a fresh program in place of one that repeated a failed program
or looped until the token limit."""
RUNAWAY_MESSAGE = "the reply repeated itself until the token limit; the program was cut off and not run"


class _Metered:
    """The model as one ``solve`` call sees it: each completion is added to that call's usage.

    The one place usage is counted. Every other attribute (optional engine methods such as
    ``last_hidden_state``, ``capabilities``, ``id``) is the engine's own, so a new engine
    method needs no forwarding here. One per call, so concurrent calls never mix counts.
    """

    def __init__(self, model: ModelEngine, usage: SolutionUsage) -> None:
        self._model, self._usage = model, usage

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        return self._count(self._model.generate(messages, options))

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        return [self._count(completion) for completion in self._model.generate_many(messages, options)]

    def _count(self, completion: Completion) -> Completion:
        self._usage.prompt_tokens += completion.usage.prompt_tokens
        self._usage.cached_prompt_tokens += completion.usage.cached_prompt_tokens
        self._usage.completion_tokens += completion.usage.completion_tokens
        self._usage.draft_tokens_accepted += completion.usage.draft_tokens_accepted
        self._usage.model_seconds += completion.seconds
        self._usage.model_calls += 1
        return completion

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class Reasoner:
    """Answers questions with one loaded model; reuse one instance across questions.

    >>> from reasoner.models.mock import MockEngine
    >>> Reasoner(model=MockEngine("calculator")).solve("What is 6 * 7?").answer
    '42'
    """

    def __init__(
        self,
        model: ModelEngine | str | None = None,
        *,
        model_options: Mapping[str, Any] | None = None,
        router: str | Router = DEFAULT_ROUTER,
        shots: int = 4,
        max_attempts: int = 3,
        fallback: Fallback = "direct",
        limits: Limits | None = None,
        program_options: GenerateOptions | None = None,
        answer_options: GenerateOptions | None = None,
        sandbox: Sandbox | None = None,
        votes: int = 1,
        vote_backends: Sequence[str] | Literal["auto"] | None = None,
        vote_cot: int = 0,
        stop_early: bool = True,
        retrieved_examples: int = 0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if shots < 0:
            raise ValueError("shots must not be negative")
        if not 0 <= retrieved_examples <= shots:
            raise ValueError(f"retrieved_examples must be between 0 and shots ({shots})")
        check_votes(votes, vote_cot)
        self.model = model if isinstance(model, ModelEngine) else get_model(model, model_options)
        self.router = router
        self.shots = shots
        self.max_attempts = max_attempts
        self.fallback = fallback
        self.limits = limits or Limits()
        self.program_options = program_options or PROGRAM_OPTIONS
        self.answer_options = answer_options or GenerateOptions(max_tokens=ANSWER_TOKENS)
        self._owns_model = not isinstance(model, ModelEngine)
        self._owns_sandbox = sandbox is None
        self.sandbox = sandbox if sandbox is not None else Sandbox()
        """Where programs run; made here (and closed by ``close``) when not given."""
        self._backends: dict[str, Backend] = {}
        self._loading = threading.Lock()
        self.votes = votes
        """Candidate programs per question (1: one greedy program, as without voting)."""
        self.vote_backends = vote_backends
        """Backends the candidates come from: the routed one (None), these, or ``"auto"``:
        the routed one and the router's runner-up when it was close (``VOTE_RUNNER_UP``)."""
        self.vote_cot = vote_cot
        """Chain-of-thought candidates added to the vote, drawn when the programs did not
        settle it (all of them when not ``stop_early``)."""
        self.stop_early = stop_early
        """Stop drawing candidates once the vote is settled (``Tally.settled``)."""
        self.retrieved_examples = retrieved_examples
        """How many of the ``shots`` examples are chosen per question (the nearest by BM25)
        rather than fixed per backend; the fixed ones stay a cached prompt prefix."""

    def backend(self, name: str) -> Backend:
        """The backend called ``name``, loaded once, running in this Reasoner's sandbox."""
        with self._loading:  # evals may solve several questions at once
            if name not in self._backends:
                self._backends[name] = load_backend(name, self.sandbox)
            return self._backends[name]

    def close(self) -> None:
        """Close the backends loaded here, the sandbox if it is ours, and the model if this
        Reasoner loaded it (a model passed in stays open: it is the caller's)."""
        with self._loading:
            loaded, self._backends = list(self._backends.values()), {}
        for backend in loaded:
            backend.close()
        if self._owns_sandbox:
            self.sandbox.close()
        if self._owns_model:
            self.model.close()

    def __enter__(self) -> Reasoner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def solve(
        self,
        question: str,
        *,
        backend: str | None = None,
        choices: Sequence[str] | None = None,
        checks: Sequence[AnswerCheck] = (),
        votes: int | None = None,
        vote_cot: int | None = None,
    ) -> Solution:
        """Answer ``question``; a program's failure never raises, only a model error does.

        ``backend`` forces a backend (or ``"direct"``); ``choices`` makes the answer one
        of those options; ``checks`` are answer checks of the caller's, run after the
        general and the backend's (``reasoner/checks.py``); ``votes`` overrides the
        Reasoner's number of candidates for this question, and ``vote_cot`` its number of
        chain-of-thought candidates.
        """
        if not question or not question.strip():
            raise ValueError("The question is empty.")
        votes = self.votes if votes is None else votes
        vote_cot = self.vote_cot if vote_cot is None else vote_cot
        check_votes(votes, vote_cot)
        started = time.monotonic()
        solution = Solution(question=question, model=self.model.id)
        model = self._metered(solution)
        route = self._router(backend, model).route(question, choices)
        solution.route, solution.backend = route, route.backend
        if route.backend == DIRECT:
            solution.answer = self._direct_answer(model, question, choices)
            if solution.answer is None:
                solution.error = SolutionError(kind=SolutionErrorKind.no_answer, message="the model gave no answer")
        else:
            self._answer_with_program(solution, model, self.backend(route.backend), question, choices, checks, votes,
                                      vote_cot)
        solution.usage.total_seconds = time.monotonic() - started
        return solution

    def first_attempt(
        self,
        question: str,
        *,
        backend: str,
        choices: Sequence[str] | None = None,
        examples: Sequence[fewshot.Example] | None = None,
        options: GenerateOptions | None = None,
    ) -> Attempt:
        """One program, written from the prompt ``solve`` would build (or from ``examples``
        in place of its choice of examples), prepared, run isolated and checked as ``solve``
        checks it; no repair and no final answer. For measuring the first program alone."""
        chosen = self.backend(backend)
        shown = self._examples(chosen, question, choices) if examples is None else list(examples)
        messages = prompting.program_messages(chosen, shown, question)
        completion, program = self._write(self.model, chosen, messages, options or self.program_options)
        result = self._run_checked(chosen, program, question, choices, ())
        return Attempt(backend=chosen.name, program=program, result=result, completion=completion.text)

    def run_program(
        self, program: str, *, backend: str, question: str, choices: Sequence[str] | None = None
    ) -> ExecResult:
        """``program`` prepared as the pipeline prepares a model's program, run isolated and
        checked against ``question``; no model involved."""
        chosen = self.backend(backend)
        return self._run_checked(chosen, chosen.prepare(program), question, choices, ())

    def _metered(self, solution: Solution) -> ModelEngine:
        return cast(ModelEngine, _Metered(self.model, solution.usage))

    def _router(self, backend: str | None, model: ModelEngine) -> Router:
        if backend is not None:
            return ForcedRouter(backend)
        if isinstance(self.router, Router):
            return self.router
        return make_router(self.router, model)

    def _answer_with_program(
        self, solution: Solution, model: ModelEngine, backend: Backend, question: str,
        choices: Sequence[str] | None, checks: Sequence[AnswerCheck], votes: int = 1, vote_cot: int = 0,
    ) -> None:
        missing = backend.availability()
        if missing:
            solution.error = SolutionError(
                kind=SolutionErrorKind.unavailable, message=f"backend {backend.name!r} is unavailable: {missing}",
            )
        else:
            plan = _plan(backend, self._vote_sources(solution, backend) if votes > 1 else [backend], votes)
            drafts = self._draft_all(model, plan, question, choices) if votes > 1 else {}
            result = self._greedy_candidate(solution, model, backend, question, choices, checks, drafts.pop(0, None))
            if votes > 1 or vote_cot:
                result = self._vote(solution, model, plan, drafts, question, choices, checks, result, vote_cot)
            else:
                solution.agreement = 1.0 if result.ok else None
            if result.ok:
                solution.answer = self._final_answer(model, question, result, choices)
                return
        if self.fallback == "python" and backend.name != FALLBACK_BACKEND:
            # The routed backend's programs all failed (or it is unavailable): try programs in
            # the general language before a guess. The Solution keeps every attempt, and the
            # routed backend's error beside the answer, and says it fell back.
            routed_error = solution.error
            result = self._greedy_candidate(solution, model, self.backend(FALLBACK_BACKEND), question, choices,
                                            checks)
            if result.ok:
                solution.fallback, solution.error = FALLBACK_BACKEND, routed_error
                solution.answer = self._final_answer(model, question, result, choices)
                return
        if self.fallback in ("python", "direct"):
            # Documented fallback: no program worked, so the model answers directly; the
            # Solution keeps the failed attempts and the error, and says it fell back.
            solution.fallback = DIRECT
            solution.answer = self._direct_answer(model, question, choices)

    def _greedy_candidate(
        self, solution: Solution, model: ModelEngine, backend: Backend, question: str,
        choices: Sequence[str] | None, checks: Sequence[AnswerCheck], draft: tuple[Completion, str] | None = None,
    ) -> ExecResult:
        """``backend``'s greedy program (``draft`` when already written) through the repair
        loop, recorded as one candidate."""
        drawn = len(solution.attempts)
        result = self._write_and_run(solution, model, backend, question, choices, checks, draft)
        solution.candidates.append(_candidate(backend.name, result, range(drawn, len(solution.attempts))))
        return result

    def _vote(
        self, solution: Solution, model: ModelEngine, plan: Sequence[tuple[Backend, bool]],
        drafts: dict[int, tuple[Completion, str]], question: str, choices: Sequence[str] | None,
        checks: Sequence[AnswerCheck], first: ExecResult, vote_cot: int = 0,
    ) -> ExecResult:
        """Draw the ``plan``'s candidates after the greedy one until the vote is settled,
        then, unless the programs settled it, ``vote_cot`` chains of thought; the winner's
        result (a representative run of the winning value), or the last failure."""
        tally = Tally()
        won: dict[str, ExecResult] = {}

        def count(result: ExecResult) -> None:
            """One vote; the first result of each answer stands for it."""
            key = vote_key(result.value if result.ok else None, choices)
            tally.add(key)
            if key is not None:
                won.setdefault(key, result)

        count(first)
        terminal = first.error is not None and not first.error.recoverable
        for number, (backend, greedy) in enumerate(plan[1:], start=1):
            if terminal or (self.stop_early and tally.settled(len(plan) - number)):
                break
            drawn = len(solution.attempts)
            draft = drafts.pop(number, None)
            if greedy:
                # Another backend's first candidate is its greedy program, repaired as usual.
                result = self._write_and_run(solution, model, backend, question, choices, checks, draft)
            else:
                result = self._sampled_candidate(solution, model, backend, question, choices, checks, number, draft)
            solution.candidates.append(_candidate(backend.name, result, range(drawn, len(solution.attempts))))
            count(result)
        # Chains of thought are drawn only when the programs left the vote open, as any
        # further candidate is: where the programs agreed, adding chains answered no better
        # in the measured pooled run (docs/decisions.md), and chains are most of its time.
        if vote_cot and not (self.stop_early and tally.settled(vote_cot)):
            for number, value in enumerate(self._cot_candidates(model, question, choices, vote_cot), start=1):
                solution.candidates.append(Candidate(backend="cot", answer=value))
                count(ExecResult(ok=value is not None, value=value))
                if self.stop_early and tally.settled(vote_cot - number):
                    break
        winner = tally.winner()
        solution.agreement = tally.agreement()
        if winner is None:
            return first
        solution.error = None  # some candidate answered: the failures above are only votes lost
        return won[winner]

    def _vote_sources(self, solution: Solution, routed: Backend) -> list[Backend]:
        """The backends sampled candidates come from, in turn."""
        if self.vote_backends is None:
            return [routed]
        if self.vote_backends == "auto":
            names = [routed.name]
            scores = solution.route.scores if solution.route is not None else {}
            top = scores.get(routed.name, 0.0)
            runners = sorted((s, n) for n, s in scores.items() if n not in (routed.name, DIRECT))
            if runners and runners[-1][0] >= VOTE_RUNNER_UP * top:
                names.append(runners[-1][1])
        else:
            names = list(self.vote_backends)
        loaded = [self.backend(name) for name in names]
        return [b for b in loaded if b.availability() is None] or [routed]

    def _draft_all(
        self, model: ModelEngine, plan: Sequence[tuple[Backend, bool]], question: str,
        choices: Sequence[str] | None,
    ) -> dict[int, tuple[Completion, str]]:
        """The first program of every candidate, greedy ones included, one batch per backend,
        when the engine decodes several replies together (a batch of five costs about three
        single replies on a CPU); none otherwise, and each is written when its turn comes."""
        if not model.capabilities.batched_generation:
            return {}
        chosen: dict[str, list[int]] = {}
        for number, (backend, _) in enumerate(plan):
            chosen.setdefault(backend.name, []).append(number)
        drafts: dict[int, tuple[Completion, str]] = {}
        for name, numbers in chosen.items():
            backend = self.backend(name)
            messages = self._program_messages(backend, question, choices)
            shared = self._shared_messages() or len(messages) - 1
            options = [(self.program_options if plan[n][1] else sampled(self.program_options, n)).model_copy(
                update={"prefix_messages": shared}) for n in numbers]
            for number, completion in zip(numbers, model.generate_many(messages, options), strict=True):
                drafts[number] = (completion, backend.prepare(extract_program(completion.text, backend.languages)))
        return drafts

    def _sampled_candidate(
        self, solution: Solution, model: ModelEngine, backend: Backend, question: str,
        choices: Sequence[str] | None, checks: Sequence[AnswerCheck], number: int,
        draft: tuple[Completion, str] | None = None,
    ) -> ExecResult:
        """One sampled program (seeded by ``number``; ``draft`` when already written) and at
        most ``VOTE_REPAIRS`` repairs."""
        options = sampled(self.program_options, number)
        messages: list[Message] | None = None  # built only when a program is still to be written
        result = ExecResult.failure(ErrorKind.syntax, "no program")
        for _ in range(1 + VOTE_REPAIRS):
            if draft is not None:
                (completion, program), draft = draft, None
            else:
                messages = messages or self._program_messages(backend, question, choices)
                completion, program = self._write(model, backend, messages, options)
            result = self._attempt(solution, backend, completion, program, question, choices, checks)
            if result.ok or result.error is None or not result.error.recoverable:
                break
            if result.error.kind == ErrorKind.runaway:
                break
            messages = prompting.repair_messages(
                messages or self._program_messages(backend, question, choices), backend, program, result)
        return result

    def _cot_candidates(
        self, model: ModelEngine, question: str, choices: Sequence[str] | None, count: int
    ) -> Iterator[str | None]:
        """``count`` chain-of-thought answers (the first greedy, the others sampled; one
        batch on an engine that decodes several together), each shown as many worked chains
        as a program prompt is shown examples, so it is no weaker a voter than the eval's
        ``cot`` strategy."""
        messages = prompting.cot_messages(question, choices, self.shots)
        chain = self.program_options.model_copy(update={
            "stop": [*self.program_options.stop, prompting.NEXT_QUESTION], "prefix_messages": len(messages) - 1,
        })
        options = vote_options(chain, count)
        options[0] = chain.model_copy(update={"temperature": 0.0})
        return (prompting.stated_answer(reply.text) for reply in replies(model, messages, options))

    def _program_messages(self, backend: Backend, question: str, choices: Sequence[str] | None) -> list[Message]:
        """The first program prompt for ``question``: the examples shown, then the question."""
        return prompting.program_messages(backend, self._examples(backend, question, choices), question)

    def _examples(self, backend: Backend, question: str, choices: Sequence[str] | None) -> list[fewshot.Example]:
        if not self.shots:
            return []
        return prompting.shown_examples(
            fewshot.load(backend.name, backend.examples_file), self.shots, question, choices,
            open_first=backend.open_examples_first, retrieved=self.retrieved_examples,
        )

    def _shared_messages(self) -> int | None:
        """Leading messages of a program prompt that every question shares (system text and
        the fixed examples), when examples are retrieved; None: all but the last message."""
        return 1 + 2 * (self.shots - self.retrieved_examples) if self.retrieved_examples else None

    def _write_and_run(
        self, solution: Solution, model: ModelEngine, backend: Backend, question: str,
        choices: Sequence[str] | None, checks: Sequence[AnswerCheck], draft: tuple[Completion, str] | None = None,
    ) -> ExecResult:
        """The repair loop: up to ``max_attempts`` programs (the first ``draft`` when already
        written), each run isolated."""
        messages = first = self._program_messages(backend, question, choices)
        result: ExecResult | None = None
        failed: set[str] = set()
        resampled = repeated = False
        for number in range(self.max_attempts):
            if result is not None and result.error is not None and result.error.kind == ErrorKind.runaway:
                # The last reply looped; the conversation holds no program worth repairing.
                completion, program = self._write(model, backend, first, self._resampling(number))
                resampled = True
            elif draft is not None:
                (completion, program), draft = draft, None
            else:
                completion, program = self._write(model, backend, messages, self.program_options)
            if _same_program(program) in failed:
                # A small model tends to copy its failed program back unchanged, and the same
                # program fails the same way. Shown that program, it copies it even when
                # sampled; so sample a fresh one from the original prompt instead.
                completion, program = self._write(model, backend, first, self._resampling(number))
                resampled = True
                if _same_program(program) in failed:
                    repeated = True
                    break
            result = self._attempt(solution, backend, completion, program, question, choices, checks, resampled)
            resampled = False
            if result.ok:
                return result
            failed.add(_same_program(program))
            assert result.error is not None
            if not result.error.recoverable:
                break
            if result.error.kind != ErrorKind.runaway:
                messages = prompting.repair_messages(messages, backend, program, result)
        assert result is not None and result.error is not None
        solution.error = _failure(result.error, len(solution.attempts), repeated)
        return result

    def _attempt(
        self, solution: Solution, backend: Backend, completion: Completion, program: str, question: str,
        choices: Sequence[str] | None, checks: Sequence[AnswerCheck], resampled: bool = False,
    ) -> ExecResult:
        """Run a written program (unless its reply looped or held none) and record the attempt."""
        looped = completion.finish_reason == LOOP
        if looped or (completion.finish_reason == "length" and repeats_itself(completion.text)):
            result = ExecResult.failure(ErrorKind.runaway, RUNAWAY_MESSAGE)
        elif program.strip():
            result = self._run_checked(backend, program, question, choices, checks)
        else:
            result = ExecResult.failure(ErrorKind.syntax, "the reply contained no program")
        solution.usage.exec_seconds += result.elapsed_ms / 1000
        solution.attempts.append(Attempt(
            backend=backend.name, program=program, result=result, completion=completion.text, resampled=resampled,
        ))
        return result

    def _write(
        self, model: ModelEngine, backend: Backend, messages: list[Message], options: GenerateOptions
    ) -> tuple[Completion, str]:
        """One model call, and the program extracted from its reply in the backend's form."""
        completion = _generate(model, messages, options, self._shared_messages())
        return completion, backend.prepare(extract_program(completion.text, backend.languages))

    def _run_checked(
        self, backend: Backend, program: str, question: str, choices: Sequence[str] | None,
        checks: Sequence[AnswerCheck],
    ) -> ExecResult:
        """Run ``program``; a value that cannot answer the question (or be any option) is a
        failed program, which goes back for repair like an error."""
        result = backend.run(program, self.limits)
        if not result.ok:
            return result
        applicable = [*GENERAL_CHECKS, *resolve_checks(backend.answer_checks), *checks]
        why = first_objection(applicable, result.value or "", question, choices)
        if why is None:
            return result
        message = f"the program answered {result.value!r}, but {why}"
        return result.model_copy(update={"ok": False, "error": ExecError(kind=ErrorKind.no_answer, message=message)})

    def _resampling(self, number: int) -> GenerateOptions:
        """Settings for a fresh program in place of a repeated or looping one: sampled, seeded."""
        return self.program_options.model_copy(update={
            "temperature": max(self.program_options.temperature, REPAIR_TEMPERATURE),
            "seed": self.program_options.seed + number,
        })

    def _final_answer(
        self, model: ModelEngine, question: str, result: ExecResult, choices: Sequence[str] | None
    ) -> str:
        value = result.value or ""
        messages = prompting.final_answer_messages(question, value, choices)
        answer = prompting.clean_final_answer(_generate(model, messages, self.answer_options).text) or value
        return _as_choice(answer, choices)

    def _direct_answer(self, model: ModelEngine, question: str, choices: Sequence[str] | None) -> str | None:
        messages = prompting.direct_messages(question, choices)
        answer = prompting.clean_final_answer(_generate(model, messages, self.answer_options).text)
        return _as_choice(answer, choices) if answer else None


def check_votes(votes: int, vote_cot: int = 0) -> None:
    """Votes are a whole number of at least 1; chain-of-thought candidates at least 0."""
    if isinstance(votes, bool) or not isinstance(votes, int) or votes < 1:
        raise ValueError(f"votes must be a whole number of at least 1, not {votes!r}")
    if isinstance(vote_cot, bool) or not isinstance(vote_cot, int) or vote_cot < 0:
        raise ValueError(f"vote_cot must be a whole number of at least 0, not {vote_cot!r}")


def _candidate(backend: str, result: ExecResult, attempts: range) -> Candidate:
    return Candidate(backend=backend, answer=result.value if result.ok else None, attempts=list(attempts))


def _plan(routed: Backend, sources: Sequence[Backend], votes: int) -> list[tuple[Backend, bool]]:
    """Who writes each of ``votes`` candidates, and whether greedily: the routed backend's
    greedy program, then each other source's, then sampled programs from the sources in turn."""
    writers = [(routed, True)] + [(backend, True) for backend in sources if backend.name != routed.name]
    writers = writers[:votes]
    return writers + [(sources[turn % len(sources)], False) for turn in range(votes - len(writers))]


def _failure(error: ExecError, attempts: int, repeated: bool) -> SolutionError:
    """Why the programs gave no answer: the sandbox's or backend's fault, or the programs'."""
    last_line = (error.message.strip().splitlines() or [""])[-1]
    if not error.recoverable:
        return SolutionError(kind=SolutionErrorKind.unavailable, message=f"the program could not be run: {last_line}")
    why = (
        "the model kept repeating a program that had failed, even when sampled" if repeated
        else f"no program produced an answer after {attempts} attempt(s)"
    )
    return SolutionError(
        kind=SolutionErrorKind.programs_failed, message=f"{why}; last error ({error.kind.value}): {last_line}",
    )


def _same_program(program: str) -> str:
    """A program's identity for spotting repeats: its non-blank lines, stripped."""
    return "\n".join(line.strip() for line in program.splitlines() if line.strip())


def _generate(
    model: ModelEngine, messages: list[Message], options: GenerateOptions, shared: int | None = None
) -> Completion:
    """One call; the first ``shared`` messages (default: everything before the last user
    turn) are a prefix other questions share."""
    prefix = len(messages) - 1 if shared is None else min(shared, len(messages) - 1)
    return model.generate(messages, options.model_copy(update={"prefix_messages": prefix}))


def _as_choice(answer: str, choices: Sequence[str] | None) -> str:
    if not choices:
        return answer
    return match_choice(answer, choices) or answer
