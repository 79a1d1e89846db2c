"""Pull a program out of what a small model actually writes.

Small models wrap code in prose, forget or mislabel fences, open a fence and never
close it, think aloud in ``<think>`` blocks, or print the answer instead of assigning
it. The fence and thinking cases are handled here; "printed instead of assigned" is
language-specific and lives in the backend (``Backend.prepare``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+.#-]*)[^\n]*\n(?P<body>.*?)(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",
    re.DOTALL | re.MULTILINE,
)


LOOP_MIN_CHARS = 200
"""How long a reply's repeating end must be to count as a loop (two copies at least)."""


@dataclass(frozen=True)
class Block:
    lang: str
    body: str


def strip_thinking(text: str) -> str:
    """Drop ``<think>...</think>`` blocks (an unclosed one runs to the end)."""
    return _THINK.sub("", text)


def fenced_blocks(text: str) -> list[Block]:
    return [
        Block(lang=m.group("lang").lower(), body=m.group("body").rstrip() + "\n")
        for m in _FENCE.finditer(text)
    ]


def extract_program(text: str, languages: Sequence[str] = ()) -> str:
    """The program in ``text``: the best fenced block, else the text itself.

    Among several fences, prefer one labelled with an accepted language, then the
    longest (small models often add a one-line usage example after the real program).
    """
    text = strip_thinking(text).strip()
    blocks = [b for b in fenced_blocks(text) if b.body.strip()]
    if not blocks:
        return text + "\n" if text else ""
    accepted = {lang.lower() for lang in languages}
    preferred = [b for b in blocks if b.lang in accepted] or blocks
    return max(preferred, key=lambda b: len(b.body)).body


def repeats_itself(text: str) -> bool:
    """True when ``text`` ends in the same passage twice or more, over 200+ characters.

    Greedy decoding sometimes falls into a loop (the same fact, rule or comment lines
    again and again) and runs to the token limit, leaving a program cut off mid-line.
    The end of such a reply is periodic: shifted by the passage's length, it matches
    itself. Complete programs do not end that way (measured: docs/decisions.md).
    """
    return repeating_period(text) is not None


def repeating_period(text: str) -> int | None:
    """The shortest period with which the end of ``text`` repeats over 200+ characters
    (``LOOP_MIN_CHARS``), or None."""
    for period in range(1, len(text) // 2 + 1):
        span = max(2 * period, LOOP_MIN_CHARS)
        if span > len(text):
            break
        if text[-span:-period] == text[len(text) - span + period:]:
            return period
    return None
