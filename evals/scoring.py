"""Scoring: is a prediction the gold answer? One scorer per answer format.

A task declares its answer format and every logged sample carries it, so a run can be
rescored from its log alone (``reasoner rescore``) after a scorer is fixed:

- ``number``: the last number in the prediction (``$1,080.00`` -> 1080, ``3/4`` -> 0.75,
  ``25%`` -> 25, a LaTeX ``\\frac`` through :mod:`evals.latex`) equals the gold within
  :data:`NUMBER_REL_TOL` relative / :data:`NUMBER_ABS_TOL` absolute;
- ``latex``: equivalence through SymPy (:func:`evals.latex.latex_equal`);
- ``choice``: the prediction names an option, by letter (``B``, ``(B)``, ``B) ...``) or by
  text, and it is the gold option; gold is the option letter;
- ``text``: equal after :func:`normalize_text` (case, punctuation, articles, spaces).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Sequence
from typing import Literal

from evals import latex
from reasoner.options import OPTION_LETTER

AnswerFormat = Literal["number", "latex", "choice", "text"]
FORMATS: tuple[AnswerFormat, ...] = ("number", "latex", "choice", "text")

NUMBER_REL_TOL = 1e-7
NUMBER_ABS_TOL = 1e-6

NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen", "twenty"]
    )
}

_NUMBER = re.compile(
    r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?(?![\d])|(?<![\w.])-?\.\d+"
)
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_LETTER = re.compile(rf"^\(?({OPTION_LETTER})\)?(?:[).:\]]|\s|$)", re.IGNORECASE)
_OPTION_WORD = re.compile(r"^(?:option|answer|choice)\s*[:\s]\s*", re.IGNORECASE)


def letter_index(text: str) -> int | None:
    text = text.strip().upper()
    if len(text) == 1 and text in string.ascii_uppercase:
        return string.ascii_uppercase.index(text)
    return None


# --------------------------------------------------------------------------- numbers


def _to_float(token: str) -> float | None:
    token = token.replace(",", "").replace(" ", "")
    try:
        if "/" in token:
            num, den = token.split("/")
            return float(num) / float(den) if float(den) != 0 else None
        return float(token)
    except ValueError:
        return None


def parse_number(text: str | None) -> float | None:
    """The number a short answer states: the whole text, else its last number."""
    if text is None:
        return None
    s = text.strip().replace("$", "").replace("\\$", "").replace("\\!", "")
    s = s.rstrip(".").replace("%", "").strip()
    whole = _to_float(s)
    if whole is not None and math.isfinite(whole):
        return whole
    if "\\" in s:  # \frac{3}{4}, \dfrac12
        expr = latex.to_sympy(latex.clean(s))
        if expr is not None and not expr.free_symbols:
            try:
                return float(expr.evalf())
            except (TypeError, ValueError):
                pass
    found = [_to_float(m.group(0)) for m in _NUMBER.finditer(s)]
    numbers = [n for n in found if n is not None and math.isfinite(n)]
    if numbers:
        return numbers[-1]
    word = normalize_text(s)
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else None


def numbers_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=NUMBER_REL_TOL, abs_tol=NUMBER_ABS_TOL)


def score_number(prediction: str | None, gold: str) -> bool:
    p, g = parse_number(prediction), parse_number(gold)
    return p is not None and g is not None and numbers_close(p, g)


# --------------------------------------------------------------------------- text


def normalize_text(text: str | None) -> str:
    """Lower case, no LaTeX text wrapper, no punctuation or articles, single spaces."""
    if text is None:
        return ""
    s = re.sub(r"\\text\{([^}]*)\}", r"\1", text).lower()
    s = "".join(" " if ch in string.punctuation else ch for ch in s)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def score_text(prediction: str | None, gold: str) -> bool:
    p = normalize_text(prediction)
    if not p:
        return False
    if p == normalize_text(gold):
        return True
    pn, gn = parse_number(prediction), parse_number(gold)
    # "18" and "18 dollars" for a numeric gold in a text-scored task.
    return pn is not None and gn is not None and _is_number(gold) and numbers_close(pn, gn)


def _is_number(text: str) -> bool:
    return _to_float(text.strip().replace("$", "").rstrip(".")) is not None


# --------------------------------------------------------------------------- choices


def _choice_key(text: str) -> str:
    words = normalize_text(text).split()
    return " ".join(str(NUMBER_WORDS[w]) if w in NUMBER_WORDS else w for w in words)


def match_choice(prediction: str | None, choices: Sequence[str]) -> int | None:
    """Which option ``prediction`` names, or None when it names none or several.

    Tried in order: an option letter (``B``, ``(B)``, ``B) text``, ``Option B``); the
    option's text exactly (case, punctuation and number words ignored: ``two`` = ``2``);
    then the one option whose text occurs in the prediction as whole words (when
    several occur, the longest wins only if it contains the others: ``not sour``
    over ``sour``).
    """
    if prediction is None or not choices:
        return None
    text = _OPTION_WORD.sub("", prediction.strip())
    m = _LETTER.match(text)
    if m:
        index = letter_index(m.group(1))
        rest = text[m.end():].strip()
        # A bare letter, or a letter in option form; not an English word like "A book".
        if index is not None and index < len(choices) and (not rest or m.group(0).rstrip()[-1] in ").:]"):
            return index
    key = _choice_key(text)
    keys = [_choice_key(c) for c in choices]
    exact = [i for i, k in enumerate(keys) if k and k == key]
    if len(exact) == 1:
        return exact[0]
    found = [i for i, k in enumerate(keys) if k and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", key)]
    if len(found) == 1:
        return found[0]
    if found:
        longest = max(found, key=lambda i: len(keys[i]))
        if all(keys[i] in keys[longest] for i in found):
            return longest
    return None


def score_choice(prediction: str | None, gold: str, choices: Sequence[str]) -> bool:
    want = letter_index(gold)
    return want is not None and match_choice(prediction, choices) == want


# --------------------------------------------------------------------------- dispatch


Scorer = Callable[[str | None, str, Sequence[str]], bool]

SCORERS: dict[AnswerFormat, Scorer] = {
    "number": lambda p, g, _c: score_number(p, g),
    "latex": lambda p, g, _c: latex.latex_equal(p, g),
    "choice": score_choice,
    "text": lambda p, g, _c: score_text(p, g),
}


def score(answer_format: AnswerFormat, prediction: str | None, gold: str, choices: Sequence[str] = ()) -> bool:
    """True when ``prediction`` is the gold answer under ``answer_format``."""
    return SCORERS[answer_format](prediction, gold, choices)
