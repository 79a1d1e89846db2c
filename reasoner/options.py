"""Multiple-choice options, defined once: their letters, how they are shown, and matching an
answer to one of them (whatever the model said, the answer is one of the options)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

OPTION_LETTER = "[A-Z]"
"""The letters that label options: "A)" through "Z)" (some tasks offer 18 options)."""

_LETTER = re.compile(rf"^\(?({OPTION_LETTER})\)?(?:[).:]|\s|$)")
_OPTION_LABEL = re.compile(rf"^\(?{OPTION_LETTER}\)\s*|^{OPTION_LETTER}[.:]\s+")
_BARE_LETTER = re.compile(rf"\(?({OPTION_LETTER})\)?")
_OFFERED_OPTION = re.compile(
    rf"\({OPTION_LETTER}\)|(?:^|\s){OPTION_LETTER}\)\s|^\s*{OPTION_LETTER}[.:]\s", re.MULTILINE
)
"""An option offered in the text: "(A)" or " B) " anywhere, "C. " or "D: " at a line's start."""


def letter(index: int) -> str:
    """The label of the option at ``index``: 0 is "A"."""
    return chr(ord("A") + index)


def with_options(question: str, choices: Sequence[str] | None, *, lettered: bool = False) -> str:
    """The question followed by its options, one a line: ``- text``, or ``A) text`` when
    ``lettered`` (the options' letters are then how the answer is given)."""
    if not choices:
        return question
    lines = [f"{letter(i)}) {choice}" if lettered else f"- {choice}" for i, choice in enumerate(choices)]
    return question.rstrip() + "\nOptions:\n" + "\n".join(lines)


def option_text(choice: str) -> str:
    """``'A) True'`` -> ``'True'``: the option without its letter label."""
    return _OPTION_LABEL.sub("", choice.strip()).strip()


def option_letter(value: str) -> str | None:
    """The letter when ``value`` is nothing but an option letter ("B", "(C)"), else None."""
    found = _BARE_LETTER.fullmatch(unquoted(value))
    return found.group(1) if found else None


def offers_options(question: str, choices: Sequence[str] | None) -> bool:
    """The question has options to pick from: given as ``choices`` or written in its text."""
    return bool(choices) or bool(_OFFERED_OPTION.search(question))


def match_choice(answer: str, choices: Sequence[str], *, guess: bool = True) -> str | None:
    """The option ``answer`` means, by letter, exact text, containment or (``guess``)
    similarity.

    Returns None when ``answer`` or ``choices`` is empty, or, without ``guess``, when
    ``answer`` names no option: a vote counts such a value as no vote, where a final
    answer still wants the nearest option.
    """
    text = answer.strip()
    if not text or not choices:
        return None
    bare = [option_text(choice) for choice in choices]
    lowered = text.lower().rstrip(".")
    for choice, option in zip(choices, bare, strict=True):
        if lowered in (choice.strip().lower(), option.lower()):
            return choice
    letter_match = _LETTER.match(text)
    if letter_match:
        index = ord(letter_match.group(1)) - ord("A")
        if 0 <= index < len(choices):
            return choices[index]
    containing = [c for c, option in zip(choices, bare, strict=True) if option and option.lower() in lowered]
    if containing:
        return max(containing, key=lambda c: len(option_text(c)))
    if not guess:
        return None
    scores = [difflib.SequenceMatcher(None, lowered, option.lower()).ratio() for option in bare]
    return choices[max(range(len(choices)), key=scores.__getitem__)]


DEFINITE = frozenset({"true", "false", "yes", "no"})
UNDETERMINED = frozenset({"unknown", "uncertain", "undetermined"})


def unquoted(value: str) -> str:
    """A program's value without surrounding space, quotes or full stop: ``"'B.'"`` -> ``B``."""
    return value.strip().strip(".'\"")


def bare_word(value: str) -> str:
    """A program's value as a bare lower-case word: ``"'Unknown.'"`` -> ``unknown``."""
    return unquoted(value).lower()


def only_truth_values(choices: Sequence[str] | None) -> bool:
    """Every option is a definite truth value (True/False, Yes/No)."""
    return bool(choices) and all(option_text(choice).rstrip(".").lower() in DEFINITE for choice in choices or ())
