"""The path every question takes: route, prompt, generate, extract, run isolated, repair, answer."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import fewshot
from backends import Backend, ErrorKind, ExecError, ExecResult, Limits, get_backend
from reasoner import prompting
from reasoner.answer_shape import letter_without_options, truth_value_for_who
from reasoner.choices import match_choice, undetermined_but_definite_options
from reasoner.extraction import extract_program, repeats_itself
from reasoner.models import ModelEngine, get_model
from reasoner.routing import DEFAULT_ROUTER, DIRECT, ForcedRouter, Router, make_router
from reasoner.types import Attempt, Completion, GenerateOptions, Message, Solution, SolutionUsage

Fallback = Literal["direct", "none"]

REPAIR_TEMPERATURE = 0.7
"""Sampling temperature for a fresh program in place of one that repeated a failed program
or looped until the token limit."""
RUNAWAY_MESSAGE = "the reply repeated itself until the token limit; the program was cut off and not run"


class _Metered(ModelEngine):
    """The model as seen by one ``solve`` call: every completion is added to its usage.

    One per call, so concurrent ``solve`` calls (server engines in evals) never mix counts.
    """

    provider = "metered"

    def __init__(self, model: ModelEngine, usage: SolutionUsage) -> None:
        self.model, self.usage, self.name = model, usage, model.name

    @property
    def id(self) -> str:
        return self.model.id

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        completion = self.model.generate(messages, options)
        self.usage.prompt_tokens += completion.usage.prompt_tokens
        self.usage.cached_prompt_tokens += completion.usage.cached_prompt_tokens
        self.usage.completion_tokens += completion.usage.completion_tokens
        self.usage.model_seconds += completion.seconds
        self.usage.model_calls += 1
        return completion

    def last_hidden_state(self, text: str) -> Sequence[float] | None:
        """Passed through: the auto router's probes read the engine's states."""
        return self.model.last_hidden_state(text)


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
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if shots < 0:
            raise ValueError("shots must not be negative")
        self.model = model if isinstance(model, ModelEngine) else get_model(model, model_options)
        self.router = router
        self.shots = shots
        self.max_attempts = max_attempts
        self.fallback = fallback
        self.limits = limits or Limits()
        self.program_options = program_options or GenerateOptions(max_tokens=512)
        self.answer_options = answer_options or GenerateOptions(max_tokens=48)

    def solve(
        self,
        question: str,
        *,
        backend: str | None = None,
        choices: Sequence[str] | None = None,
    ) -> Solution:
        """Answer ``question``; a program's failure never raises, only a model error does.

        ``backend`` forces a backend (or ``"direct"``); ``choices`` makes the answer one
        of those options.
        """
        if not question or not question.strip():
            raise ValueError("The question is empty.")
        started = time.monotonic()
        solution = Solution(question=question, model=self.model.id)
        model = _Metered(self.model, solution.usage)
        route = self._router(backend, model).route(question, choices)
        solution.route, solution.backend = route, route.backend
        if route.backend == DIRECT:
            solution.answer = self._direct_answer(model, question, choices)
        else:
            self._answer_with_program(solution, model, get_backend(route.backend), question, choices)
        if solution.answer is not None:
            solution.error = None if solution.fallback is None else solution.error
        solution.usage.total_seconds = time.monotonic() - started
        return solution

    def _router(self, backend: str | None, model: ModelEngine) -> Router:
        if backend is not None:
            return ForcedRouter(backend)
        if isinstance(self.router, Router):
            return self.router
        return make_router(self.router, model)

    def _answer_with_program(
        self, solution: Solution, model: ModelEngine, engine: Backend, question: str,
        choices: Sequence[str] | None,
    ) -> None:
        missing = engine.availability()
        if missing:
            solution.error = f"backend {engine.name!r} is unavailable: {missing}"
        else:
            result = self._write_and_run(solution, model, engine, question, choices)
            if result is not None and result.ok:
                solution.answer = self._final_answer(model, question, result, choices)
                return
        if self.fallback == "direct":
            # Documented fallback: no program worked, so the model answers directly;
            # the Solution keeps the failed attempts and says it fell back.
            solution.fallback = DIRECT
            solution.answer = self._direct_answer(model, question, choices)

    def _write_and_run(
        self, solution: Solution, model: ModelEngine, engine: Backend, question: str,
        choices: Sequence[str] | None = None,
    ) -> ExecResult | None:
        """The repair loop: up to ``max_attempts`` programs, each run isolated."""
        examples = prompting.shown_examples(
            fewshot.load(engine.name, engine.examples_file), self.shots, question, choices,
            open_first=engine.open_examples_first,
        ) if self.shots else []
        messages = first = prompting.program_messages(engine, examples, question)
        result: ExecResult | None = None
        failed: set[str] = set()
        resampled = repeated = False
        for number in range(self.max_attempts):
            if result is not None and result.error is not None and result.error.kind == ErrorKind.runaway:
                # The last reply looped; the conversation holds no program worth repairing.
                completion, program = write_program(model, engine, first, self._resampling(number))
                resampled = True
            else:
                completion, program = write_program(model, engine, messages, self.program_options)
            if _same_program(program) in failed:
                # A small model tends to copy its failed program back unchanged, and the same
                # program fails the same way. Shown that program, it copies it even when
                # sampled; so sample a fresh one from the original prompt instead.
                completion, program = write_program(model, engine, first, self._resampling(number))
                resampled = True
                if _same_program(program) in failed:
                    repeated = True
                    break
            if completion.finish_reason == "length" and repeats_itself(completion.text):
                result = ExecResult.failure(ErrorKind.runaway, RUNAWAY_MESSAGE)
            elif program.strip():
                result = checked_answer(engine.run(program, self.limits), question, choices)
            else:
                result = ExecResult.failure(ErrorKind.syntax, "the reply contained no program")
            solution.usage.exec_seconds += result.elapsed_ms / 1000
            solution.attempts.append(Attempt(
                backend=engine.name, program=program, result=result, completion=completion.text, resampled=resampled,
            ))
            resampled = False
            if result.ok:
                return result
            failed.add(_same_program(program))
            assert result.error is not None
            if not result.error.recoverable:
                break
            if result.error.kind != ErrorKind.runaway:
                messages = prompting.repair_messages(messages, engine, program, result)
        assert result is not None and result.error is not None
        last_line = (result.error.message.strip().splitlines() or [""])[-1]
        why = (
            "the model kept repeating a program that had failed, even when sampled" if repeated
            else f"no program produced an answer after {len(solution.attempts)} attempt(s)"
        )
        solution.error = f"{why}; last error ({result.error.kind.value}): {last_line}"
        return result

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


def write_program(
    model: ModelEngine, engine: Backend, messages: list[Message], options: GenerateOptions
) -> tuple[Completion, str]:
    """One model call, and the program extracted from its reply in the backend's form."""
    completion = _generate(model, messages, options)
    return completion, engine.prepare(extract_program(completion.text, engine.languages))


def checked_answer(result: ExecResult, question: str, choices: Sequence[str] | None) -> ExecResult:
    """A value that cannot answer the question (or be any option) is a failed program:
    it goes back for repair like an error."""
    if not result.ok:
        return result
    value = result.value or ""
    if truth_value_for_who(value, question):
        why = ("the question asks who: the answer is a person (or a list of them), so the query must "
               "find the person, not test a statement")
    elif letter_without_options(value, question, choices):
        why = ("the question offers no options to choose from: the answer is what it asks for (a name, a thing "
               "or a number), so drop any invented options and take the answer from the solution itself")
    elif undetermined_but_definite_options(value, choices):
        why = (f"the question says the statement is either true or false (options: {', '.join(choices or [])}): "
               "a fact or rule the statement depends on is missing or written differently from the rest "
               "(check every name and every rule's direction)")
    else:
        return result
    message = f"the program answered {result.value!r}, but {why}"
    return result.model_copy(update={"ok": False, "error": ExecError(kind=ErrorKind.no_answer, message=message)})


def _same_program(program: str) -> str:
    """A program's identity for spotting repeats: its non-blank lines, stripped."""
    return "\n".join(line.strip() for line in program.splitlines() if line.strip())


def _generate(model: ModelEngine, messages: list[Message], options: GenerateOptions) -> Completion:
    # Everything before the last user turn can be shared with other questions.
    return model.generate(messages, options.model_copy(update={"prefix_messages": len(messages) - 1}))


def _as_choice(answer: str, choices: Sequence[str] | None) -> str:
    if not choices:
        return answer
    return match_choice(answer, choices) or answer
