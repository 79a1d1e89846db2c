"""Program values that cannot answer the question they were written for.

A run that succeeds can still be wrong in a way the pipeline can see without knowing
the answer: a "who" question answered ``false``. Small models do this when a repair
copies a rule-base example (True/False/Unknown) for a family question. Such a value
goes back for repair like an error, instead of becoming the final answer.
"""

from __future__ import annotations

import re

from reasoner.choices import DEFINITE, UNDETERMINED, bare_word

_ASKED = re.compile(r"([^.?!]*)\?\s*$")
"""The question's last sentence, when it is a question."""
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)


def asks_who(question: str) -> bool:
    """The question ends by asking "Who ...?" (or whom/whose)."""
    asked = _ASKED.search(question.strip())
    return bool(asked and _WHO.search(asked.group(1)))


def truth_value_for_who(value: str, question: str) -> bool:
    """A bare truth value (``true``, ``no``, ``unknown``) given to a "who" question."""
    return bare_word(value) in DEFINITE | UNDETERMINED and asks_who(question)
