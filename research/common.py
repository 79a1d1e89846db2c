"""Helpers shared by the research scripts, on the public API only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import backends
import fewshot
from backends import Backend, ExecResult
from reasoner import Reasoner, prompting
from reasoner.extraction import extract_program
from reasoner.models import get_model
from reasoner.types import Message


def program_runner() -> Reasoner:
    """A Reasoner for ``run_program`` alone (rerunning recorded programs): its model, the
    scripted mock, is never called."""
    return Reasoner(model=get_model("mock/calculator"))


@contextmanager
def loaded_backend(name: str) -> Iterator[Backend]:
    """A backend loaded on its own, without a Reasoner, with a sandbox of its own; closed after."""
    backend = backends.load_backend(name)
    try:
        yield backend
    finally:
        backend.close()


def program_prompt(backend: Backend, question: str, choices: Sequence[str] | None, shots: int) -> list[Message]:
    """The first program prompt the pipeline builds for ``question`` with ``shots`` examples:
    the backend's examples it would show, then the question."""
    shown = prompting.shown_examples(fewshot.load(backend.name, backend.examples_file), shots, question, choices,
                                     open_first=backend.open_examples_first)
    return prompting.program_messages(backend, shown, question)


def one_repair(
    reasoner: Reasoner, backend: str, question: str, choices: Sequence[str] | None,
    failed: str, result: ExecResult,
) -> tuple[str, ExecResult]:
    """One greedy repair of ``failed``, whose run gave ``result``: the conversation the
    pipeline builds for a repair (the examples it shows, the question, the failed program,
    its error), one reply, and its program run and checked as the pipeline runs it.
    Returns the repaired program (prepared) and its result."""
    engine = reasoner.backend(backend)
    first = program_prompt(engine, question, choices, reasoner.shots)
    messages = prompting.repair_messages(first, engine, failed, result)
    # As the pipeline asks: everything before the last user turn is a shareable prefix.
    options = reasoner.program_options.model_copy(update={"prefix_messages": len(messages) - 1})
    program = extract_program(reasoner.model.generate(messages, options).text, engine.languages)
    return engine.prepare(program), reasoner.run_program(program, backend=backend, question=question, choices=choices)
