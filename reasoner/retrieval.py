"""The worked examples nearest a question, by BM25 over the examples' questions.

A 1.5B model copies the shape of the examples it is shown; an example of the same kind
as the question (a seating puzzle for a seating puzzle, a probability for a probability)
gives it an encoding to copy. BM25 ranks by shared rare words, needs no model and takes
well under a millisecond for a few hundred examples.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rank_bm25 import BM25Okapi

from fewshot import Example

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=32)
def _index(questions: tuple[str, ...]) -> BM25Okapi:
    return BM25Okapi([words(q) or ["_"] for q in questions])


def nearest(examples: Sequence[Example], question: str, k: int) -> list[Example]:
    """The ``k`` examples whose questions score highest against ``question``, the best
    last (the one nearest the question in the prompt); ties keep file order."""
    if k <= 0 or not examples:
        return []
    scores = _index(tuple(e.question for e in examples)).get_scores(words(question))
    ranked = sorted(range(len(examples)), key=lambda i: (-scores[i], i))[:k]
    return [examples[i] for i in reversed(ranked)]
