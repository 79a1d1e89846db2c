"""Multi-word names in Prolog text, joined: ``holds(bald eagle, cold, true)`` is a syntax error.

Small models copy a rule base's names as written ("the bald eagle", "is cold"), and two
words side by side are never valid Prolog unless one of them is an operator. The fix runs
on the program text before it is run, outside comments and quoted text: an argument
that is a run of plain words becomes one atom (``bald_eagle``; ``the cat`` becomes
``cat``), and an ``is`` that opens an argument (``holds(dog, is cold, true)``) is
dropped, since ``is`` there has no left operand. Words outside an argument
(``all young people are cold.``) are a sentence, not a name, and stay a syntax error
for the model to repair.
"""

from __future__ import annotations

import re

OPERATOR_WORDS = frozenset({
    "is", "mod", "rem", "xor", "div", "rdiv", "as", "in", "ins",
    "dynamic", "discontiguous", "initialization", "meta_predicate", "module_transparent",
    "multifile", "public", "thread_local", "table",
})
"""Words SWI-Prolog (with clpfd) reads as operators: beside another word they are valid."""

ARTICLES = frozenset({"the", "a", "an"})

# Code, then one span that is not code: a % comment, a /* */ comment, or quoted text.
_NOT_CODE = re.compile(r"%[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", re.DOTALL)
_WORD = r"[a-z][A-Za-z0-9_]*"
# A run of words that is a whole argument: after "(", "," or "[", before ",", ")" or "]".
_WORD_RUN = re.compile(rf"(?<=[(,\[])([ \t]*)({_WORD}(?:[ \t]+{_WORD})+)(?=[ \t]*[,)\]])")
_IS_OPENING_ARGUMENT = re.compile(r"(?<=[(,\[])([ \t]*)is[ \t]+(?=[a-z])")


def _join_run(match: re.Match[str]) -> str:
    """Join neighbouring plain words with ``_``; an operator word keeps its spaces.

    A leading article goes ("the cat" is the ``cat`` of the other facts).
    """
    words = match.group(2).split()
    while len(words) > 1 and words[0] in ARTICLES and words[1] not in OPERATOR_WORDS:
        words = words[1:]
    out: list[str] = []
    for word in words:
        if out and word not in OPERATOR_WORDS and out[-1] not in OPERATOR_WORDS:
            out[-1] = f"{out[-1]}_{word}"
        else:
            out.append(word)
    return match.group(1) + " ".join(out)


def _fix_code(code: str) -> str:
    code = _IS_OPENING_ARGUMENT.sub(r"\1", code)
    return _WORD_RUN.sub(_join_run, code)


def join_multiword_names(program: str) -> str:
    """The program with multi-word names joined in its code; comments and quoted text as they were."""
    pieces: list[str] = []
    start = 0
    for span in _NOT_CODE.finditer(program):
        pieces.append(_fix_code(program[start:span.start()]))
        pieces.append(span.group(0))
        start = span.end()
    pieces.append(_fix_code(program[start:]))
    return "".join(pieces)
