"""Count smt programs that write an ordinal counted from the far end as if counted from 1.

    python -m research.studies.ordinals.tally [SAMPLES.jsonl ...]

Reads eval samples (default: the results run's LogicalDeduction log) or first_program.py
``--out`` files, and for each program that ran finds constraint lines like
``x == 2,  # ... the second from the right`` under a header comment "1 is the leftmost":
the ordinal (2) is written as the position although it counts from the other end.
Prints each program's flagged lines and a count by right/wrong.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

DEFAULT = Path(__file__).parents[2] / "results" / "logical_deduction" / "samples.jsonl"
ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
# Each end of a LogicalDeduction axis, the words that name it, and the other end.
OPPOSITE = {"left": "right", "cheap": "expensive", "new": "old", "first": "last"}
OPPOSITE |= {b: a for a, b in OPPOSITE.items()}
ENDS = {
    "left": ("left",), "right": ("right",), "cheap": ("cheap",), "expensive": ("expensive",),
    "new": ("newest", "newer"), "old": ("oldest", "older"), "first": ("first",), "last": ("last",),
}
_HEADER_END = re.compile(r"1 is (?:the )?(\w+)", re.IGNORECASE)
_SIZE = re.compile(r"<=\s*(\d+)")
_LITERAL = re.compile(r"==\s*(\d+)\s*[,)]?\s*#(.*)$")


def _end(text: str) -> str | None:
    text = text.lower()
    for end, words in ENDS.items():
        if any(word in text for word in words):
            return end
    return None


def far_end_literals(program: str) -> list[str]:
    """Lines that write 'k-th from the far end' as ``== k`` (where that is not also right:
    the fourth of seven is the fourth from either end)."""
    header = _HEADER_END.search(program)
    near = _end(header.group(1)) if header else None
    size = _SIZE.search(program)
    flagged = []
    for line in program.splitlines():
        match = _LITERAL.search(line)
        if not match or near is None:
            continue
        comment = match.group(2).lower()
        ordinal = next((n for word, n in ORDINALS.items() if word in comment), None)
        end = _end(comment)
        coincides = size is not None and ordinal == int(size.group(1)) + 1 - (ordinal or 0)
        if ordinal is not None and end == OPPOSITE[near] and int(match.group(1)) == ordinal and not coincides:
            flagged.append(line.strip())
    return flagged


def programs(path: Path) -> list[tuple[str, str, bool, str]]:
    """(id, examples, right, program) for each sample whose last (or only) program ran;
    examples is the examples file's stem for first_program.py's rows, "eval" otherwise."""
    out = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row.get("strategy", "tool") != "tool":
            continue
        attempts = row.get("attempts")
        if attempts is not None:
            if not attempts or not attempts[-1]["result"]["ok"]:
                continue
            out.append((row["id"], "eval", bool(row["correct"]), attempts[-1]["program"]))
        elif row["result"]["ok"]:
            out.append((row["id"], Path(row["examples"]).stem, bool(row.get("right")), row["program"]))
    return out


def main(paths: list[Path]) -> None:
    for path in paths:
        counts: Counter[tuple[str, str, bool]] = Counter()
        for item_id, examples, right, program in programs(path):
            flagged = far_end_literals(program)
            counts[examples, "right" if right else "wrong", bool(flagged)] += 1
            if flagged:
                print(f"{item_id} {examples} ({'right' if right else 'wrong'}):")
                for line in flagged:
                    print(f"    {line}")
        print(f"{path}: programs that ran, by (examples, right/wrong, has a far-end ordinal written as k):")
        for key in sorted(counts):
            print(f"  {key}: {counts[key]}")


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]] or [DEFAULT])
