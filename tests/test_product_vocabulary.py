"""The product speaks no benchmark's invented vocabulary: routing, checks and examples that
only work on one dataset's words (PrOntoQA's made-up class names) do not generalise, and
examples that copy them leak the benchmark into the prompt."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("reasoner", "backends", "evals", "fewshot")
SUFFIXES = {".py", ".yaml", ".pl", ".json"}

PRONTOQA_WORDS = (
    "wumpus", "yumpus", "zumpus", "dumpus", "rompus", "numpus", "tumpus", "vumpus", "impus",
    "jompus", "gorpus", "shumpus", "lempus", "sterpus", "grimpus", "lorpus", "brimpus",
)
"""PrOntoQA's fictional class names (its ontology generator's word list)."""
_WORD = re.compile(rf"\b(?:{'|'.join(PRONTOQA_WORDS)})(?:es)?\b", re.IGNORECASE)


def test_no_product_file_names_a_benchmarks_invented_words() -> None:
    found = []
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    found += [f"{path.relative_to(ROOT)}:{number}: {m.group(0)}" for m in _WORD.finditer(line)]
    assert not found, "\n".join(found)


def test_the_check_sees_such_a_word() -> None:
    assert _WORD.search("Every Wumpus is a tumpus.") and not _WORD.search("Every glimpus is a dalpus.")
