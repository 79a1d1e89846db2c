"""Multiple-choice answers: whatever the model said, return one of the options."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

_LETTER = re.compile(r"^\(?([A-Z])\)?(?:[).:]|\s|$)")
_OPTION_LABEL = re.compile(r"^\(?[A-Z]\)\s*|^[A-Z][.:]\s+")


def option_text(choice: str) -> str:
    """``'A) True'`` -> ``'True'``: the option without its letter label."""
    return _OPTION_LABEL.sub("", choice.strip()).strip()


def letter(index: int) -> str:
    return chr(ord("A") + index)


def match_choice(answer: str, choices: Sequence[str]) -> str | None:
    """The option ``answer`` means, by letter, exact text, containment or similarity.

    Returns None only when ``answer`` is empty or ``choices`` is.
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


def undetermined_but_definite_options(value: str, choices: Sequence[str] | None) -> bool:
    """The program found the statement undetermined, yet every option is a definite truth value.

    Then the program's encoding lost a link the question relies on (a small model's
    Prolog often does), and mapping "unknown" onto True or False would be a coin
    toss; the program is wrong, not the options.
    """
    if not choices or bare_word(value) not in UNDETERMINED:
        return False
    return all(option_text(choice).rstrip(".").lower() in DEFINITE for choice in choices)
