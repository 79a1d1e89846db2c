"""Answer checks: a program ran, yet its value cannot answer the question it was written for.

A check sees the value, the question and its options, and returns None, or why the value
cannot be the answer; the pipeline then treats the run as failed (``no_answer``) and sends
that reason back for repair, like an error. Checks come from three places, run in this
order, the first objection winning:

- :data:`GENERAL_CHECKS`, about the shape of any answer, for every backend;
- a backend's ``answer_checks`` (``Backend.answer_checks``): names from :data:`CHECKS`, or
  functions of its own;
- the caller's (``Reasoner.solve(..., checks=...)``), e.g. an eval task's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from reasoner.options import (
    DEFINITE,
    UNDETERMINED,
    bare_word,
    offers_options,
    only_truth_values,
    option_letter,
)

AnswerCheck = Callable[[str, str, Sequence[str] | None], str | None]
"""``check(value, question, choices)``: None when ``value`` may answer, else why it cannot."""

_ASKED = re.compile(r"([^.?!]*)\?\s*$")
"""The question's last sentence, when it is a question."""
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
_LONE_CAPITAL = re.compile(r"(?<!\w)[A-Z](?!\w)")


def asks_who(question: str) -> bool:
    """The question ends by asking "Who ...?" (or whom/whose)."""
    asked = _ASKED.search(question.strip())
    return bool(asked and _WHO.search(asked.group(1)))


def letters_named(question: str) -> set[str]:
    """Single capital letters the question uses as names ("A says", "vertices A, B and C").

    "A" and "I" alone are taken for words ("A farmer has ...", "I think"); with any other
    letter beside them, they are names too.
    """
    letters = set(_LONE_CAPITAL.findall(question))
    return letters if letters - {"A", "I"} else set()


def truth_value_for_who(value: str, question: str, choices: Sequence[str] | None = None) -> str | None:
    """A bare truth value (``true``, ``no``, ``unknown``) given to a "who" question."""
    if bare_word(value) in DEFINITE | UNDETERMINED and asks_who(question):
        return ("the question asks who: the answer is a person (or a list of them), so the query must "
                "find the person, not test a statement")
    return None


def letter_without_options(value: str, question: str, choices: Sequence[str] | None = None) -> str | None:
    """An option letter ("B") given to a question that offers no options to pick from
    (a program that copied a multiple-choice example and invented options)."""
    found = option_letter(value)
    if found is None or offers_options(question, choices) or found in letters_named(question):
        return None
    return ("the question offers no options to choose from: the answer is what it asks for (a name, a thing "
            "or a number), so drop any invented options and take the answer from the solution itself")


def undetermined_between_true_and_false(
    value: str, question: str, choices: Sequence[str] | None = None
) -> str | None:
    """The program found the statement undetermined, yet every option is a definite truth value.

    For a program over facts and rules, that means its encoding lost a link the question
    relies on; mapping "unknown" onto True or False would be a coin toss.
    """
    if bare_word(value) not in UNDETERMINED or not only_truth_values(choices):
        return None
    return (f"the question says the statement is either true or false (options: {', '.join(choices or [])}): "
            "a fact or rule the statement depends on is missing or written differently from the rest "
            "(check every name and every rule's direction)")


GENERAL_CHECKS: tuple[AnswerCheck, ...] = (truth_value_for_who, letter_without_options)
"""Checks about the shape of any answer, run for every backend."""

CHECKS: dict[str, AnswerCheck] = {
    "undetermined_between_true_and_false": undetermined_between_true_and_false,
}
"""Checks a backend names in its ``answer_checks`` (backends do not import this package)."""


def resolve(checks: Iterable[str | AnswerCheck]) -> list[AnswerCheck]:
    """Checks given by name or as functions, as functions; an unknown name is an error."""
    resolved: list[AnswerCheck] = []
    for check in checks:
        if isinstance(check, str):
            if check not in CHECKS:
                raise ValueError(f"Unknown answer check {check!r}. Known: {', '.join(CHECKS)}.")
            resolved.append(CHECKS[check])
        else:
            resolved.append(check)
    return resolved


def first_objection(checks: Iterable[AnswerCheck], value: str, question: str,
                    choices: Sequence[str] | None) -> str | None:
    """Why ``value`` cannot answer, from the first check that objects; None if none does."""
    for check in checks:
        why = check(value, question, choices)
        if why is not None:
            return why
    return None
