"""The path every question takes: prompt, generate, extract, run isolated, repair, answer."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import fewshot
from backends import Backend, ErrorKind, ExecResult, Limits, get_backend
from reasoner import prompting
from reasoner.extraction import extract_program
from reasoner.models import ModelEngine, get_model
from reasoner.types import Attempt, Completion, GenerateOptions, Message, Solution

DEFAULT_BACKEND = "python"


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
        shots: int = 4,
        max_attempts: int = 3,
        limits: Limits | None = None,
        program_options: GenerateOptions | None = None,
        answer_options: GenerateOptions | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if shots < 0:
            raise ValueError("shots must not be negative")
        self.model = model if isinstance(model, ModelEngine) else get_model(model, model_options)
        self.shots = shots
        self.max_attempts = max_attempts
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
        """Answer ``question``; never raises for a program's failure, only for model errors."""
        if not question or not question.strip():
            raise ValueError("The question is empty.")
        started = time.monotonic()
        engine = get_backend(backend or DEFAULT_BACKEND)
        solution = Solution(question=question, backend=engine.name, model=self.model.id)
        missing = engine.availability()
        if missing:
            solution.error = f"backend {engine.name!r} is unavailable: {missing}"
        else:
            result = self._write_and_run(solution, engine, question)
            if result is not None and result.ok:
                solution.answer = self._final_answer(solution, question, result, choices)
        solution.usage.total_seconds = time.monotonic() - started
        return solution

    def _write_and_run(
        self, solution: Solution, engine: Backend, question: str
    ) -> ExecResult | None:
        """The repair loop: up to ``max_attempts`` programs, each run isolated."""
        examples = fewshot.load(engine.name)[: self.shots]
        messages = prompting.program_messages(engine, examples, question)
        result: ExecResult | None = None
        for _ in range(self.max_attempts):
            completion = self._generate(solution, messages, self.program_options)
            program = engine.prepare(extract_program(completion.text, engine.languages))
            if program.strip():
                result = engine.run(program, self.limits)
            else:
                result = ExecResult.failure(ErrorKind.syntax, "the reply contained no program")
            solution.usage.exec_seconds += result.elapsed_ms / 1000
            solution.attempts.append(
                Attempt(backend=engine.name, program=program, result=result,
                        completion=completion.text)
            )
            if result.ok:
                return result
            assert result.error is not None
            if not result.error.recoverable:
                break
            messages = prompting.repair_messages(messages, engine, program, result)
        assert result is not None and result.error is not None
        last_line = (result.error.message.strip().splitlines() or [""])[-1]
        solution.error = (
            f"no program produced an answer after {len(solution.attempts)} attempt(s); "
            f"last error ({result.error.kind.value}): {last_line}"
        )
        return result

    def _final_answer(
        self, solution: Solution, question: str, result: ExecResult,
        choices: Sequence[str] | None,
    ) -> str:
        value = result.value or ""
        messages = prompting.final_answer_messages(question, value, choices)
        completion = self._generate(solution, messages, self.answer_options)
        return prompting.clean_final_answer(completion.text) or value

    def _generate(
        self, solution: Solution, messages: list[Message], options: GenerateOptions
    ) -> Completion:
        # Everything before the last user turn can be shared with other questions.
        options = options.model_copy(update={"prefix_messages": len(messages) - 1})
        completion = self.model.generate(messages, options)
        usage = solution.usage
        usage.prompt_tokens += completion.usage.prompt_tokens
        usage.cached_prompt_tokens += completion.usage.cached_prompt_tokens
        usage.completion_tokens += completion.usage.completion_tokens
        usage.model_seconds += completion.seconds
        usage.model_calls += 1
        return completion
