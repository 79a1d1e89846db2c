"""Program values that cannot answer the question they were written for.

A run that succeeds can still be wrong in a way the pipeline can see without knowing
the answer: a "who" question answered ``false`` (a repair that copied a rule-base
example, True/False/Unknown, for a family question), or a question with no options
answered with an option letter (a program that copied a multiple-choice example and
invented options A-E). Such a value goes back for repair like an error, instead of
becoming the final answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reasoner.choices import DEFINITE, UNDETERMINED, bare_word, unquoted

_ASKED = re.compile(r"([^.?!]*)\?\s*$")
"""The question's last sentence, when it is a question."""
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
_OPTION_LETTER = re.compile(r"\(?([A-E])\)?")
_OFFERED_OPTION = re.compile(r"\([A-E]\)|(?:^|\s)[A-E]\)\s|^\s*[A-E][.:]\s", re.MULTILINE)
"""An option offered in the text: "(A)" or " B) " anywhere, "C. " or "D: " at a line's start."""
_LONE_CAPITAL = re.compile(r"(?<!\w)[A-Z](?!\w)")


def asks_who(question: str) -> bool:
    """The question ends by asking "Who ...?" (or whom/whose)."""
    asked = _ASKED.search(question.strip())
    return bool(asked and _WHO.search(asked.group(1)))


def truth_value_for_who(value: str, question: str) -> bool:
    """A bare truth value (``true``, ``no``, ``unknown``) given to a "who" question."""
    return bare_word(value) in DEFINITE | UNDETERMINED and asks_who(question)


def letters_named(question: str) -> set[str]:
    """Single capital letters the question uses as names ("A says", "vertices A, B and C").

    "A" and "I" alone are taken for words ("A farmer has ...", "I think"); with any other
    letter beside them, they are names too.
    """
    letters = set(_LONE_CAPITAL.findall(question))
    return letters if letters - {"A", "I"} else set()


def offers_options(question: str, choices: Sequence[str] | None) -> bool:
    """The question has options to pick from: given as ``choices`` or written in its text."""
    return bool(choices) or bool(_OFFERED_OPTION.search(question))


def letter_without_options(value: str, question: str, choices: Sequence[str] | None) -> bool:
    """An option letter ("B") given to a question that offers no options to pick from."""
    letter = _OPTION_LETTER.fullmatch(unquoted(value))
    if letter is None or offers_options(question, choices):
        return False
    return letter.group(1) not in letters_named(question)
