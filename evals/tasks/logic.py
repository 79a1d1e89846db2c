"""Logic: Logic-LM's copies of PrOntoQA, ProofWriter, FOLIO and LogicalDeduction, and Sudoku."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from evals.data import DataError, DataFile, read_text
from evals.records import Item
from evals.scoring import letter_index
from evals.tasks.base import Parser, Task, field_of, read_json_records, with_options
from reasoner.options import OPTION_LETTER, letter

LOGIC_LM_COMMIT = "d29f1e5e7203e8826cb9c41ba3003e43dc0b9d34"
TDOKU_COMMIT = "af426180dc53aef89b82868e7b3fdfcf42165654"

_OPTION = re.compile(rf"^\s*\(?({OPTION_LETTER})\)\s*(.*)$", re.DOTALL)


def parse_logic_lm(gold_route: str) -> Parser:
    """Logic-LM's shared format: {id, context, question, options ['A) True', ...], answer 'A'}."""

    def parse(files: Sequence[Path]) -> list[Item]:
        items = []
        for where, record in read_json_records(files[0]):
            choices = []
            for position, option in enumerate(field_of(record, "options", where, list)):
                m = _OPTION.match(str(option))
                if not m or m.group(1) != letter(position):
                    raise DataError(f"{where}: option {position + 1} {option!r} is not '{letter(position)}) ...'")
                choices.append(m.group(2).strip())
            gold = field_of(record, "answer", where).strip()
            gold_at = letter_index(gold)
            if gold_at is None or gold_at >= len(choices):
                raise DataError(f"{where}: answer {gold!r} is not one of the option letters")
            context = field_of(record, "context", where).strip()
            question = field_of(record, "question", where).strip()
            items.append(Item(
                id=field_of(record, "id", where), question=with_options(f"{context}\n\n{question}", choices),
                gold=gold, format="choice", choices=choices, gold_route=gold_route,
            ))
        return items

    return parse


SUDOKU_CHOICES = ["it has no solution", "exactly one solution", "more than one solution"]
SUDOKU_TEMPLATE = (
    "Here is a 9x9 Sudoku puzzle, one row per line ('.' marks an empty cell):\n{grid}\n"
    "Each row, column and 3x3 box must hold the digits 1 to 9 exactly once. "
    "How many ways can the puzzle be completed?"
)


def parse_sudoku(files: Sequence[Path]) -> list[Item]:
    """tdoku's ``grid:count:solution`` lines, asked as a three-way multiple choice
    (no solution / exactly one / more than one): the SAT, UNSAT and unique cases."""
    items = []
    for number, line in enumerate(read_text(files[0]).splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(":")
        if len(parts) not in (2, 3) or len(parts[0]) != 81 or not parts[1].isdigit():
            raise DataError(f"{files[0]}:{number}: expected '<81-char grid>:<solutions>[:<solution>]'")
        grid, count = parts[0], int(parts[1])
        if not set(grid) <= set(".123456789"):
            raise DataError(f"{files[0]}:{number}: grid holds characters other than 1-9 and '.'")
        rows = "\n".join(grid[r * 9 : r * 9 + 9] for r in range(9))
        gold = letter(0 if count == 0 else 1 if count == 1 else 2)
        items.append(Item(
            id=str(number - 1), question=with_options(SUDOKU_TEMPLATE.format(grid=rows), SUDOKU_CHOICES),
            gold=gold, format="choice", choices=list(SUDOKU_CHOICES), gold_route="sat",
        ))
    return items


def _logic_lm_file(name: str, sha256: str) -> DataFile:
    folder = {"prontoqa": "ProntoQA", "proofwriter": "ProofWriter", "folio": "FOLIO",
              "logical_deduction": "LogicalDeduction"}[name]
    return DataFile(relpath=f"{name}/dev.json", repo="teacherpeterpan/Logic-LLM", commit=LOGIC_LM_COMMIT,
                    path=f"data/{folder}/dev.json", sha256=sha256)


TASKS = [
    Task(
        name="prontoqa", family="logic", answer_format="choice", gold_route="prolog",
        description="PrOntoQA (Logic-LM dev): 5-hop fictional ontologies, True/False (500).",
        files=(_logic_lm_file("prontoqa", "2d2e9d0adbef05cd66b51d11516b8fb3d3fb2cbc1664867d1123a000f7b11a5f"),),
        parse=parse_logic_lm("prolog"),
    ),
    Task(
        name="proofwriter", family="logic", answer_format="choice", gold_route="prolog",
        description="ProofWriter (Logic-LM dev): depth-5 open-world rule bases, True/False/Unknown (600).",
        files=(_logic_lm_file("proofwriter", "e792b54981065c91d4aecc908be17ce9a730f2327548e6fa36717ef01e472240"),),
        parse=parse_logic_lm("prolog"),
    ),
    Task(
        name="folio", family="logic", answer_format="choice", gold_route="smt",
        description="FOLIO (Logic-LM dev): first-order reasoning in natural language, True/False/Uncertain (204).",
        files=(_logic_lm_file("folio", "f1752092c95adaf535da03552f8e633fa031ebd90b27a9f780c5427ca1d14ccb"),),
        parse=parse_logic_lm("smt"),
    ),
    Task(
        name="logical_deduction", family="logic", answer_format="choice", gold_route="smt",
        description="BIG-bench LogicalDeduction (Logic-LM dev): orderings of 3/5/7 objects, "
        "scored on the option letter (300).",
        files=(_logic_lm_file("logical_deduction",
                              "554992a3189224d0b631c1ac674d301defa5fef5f1837b93258db35aeb67d898"),),
        parse=parse_logic_lm("smt"),
    ),
    Task(
        name="sudoku", family="logic", answer_format="choice", gold_route="sat",
        description="tdoku test puzzles: no solution, exactly one, or several (43).",
        notes="Gold is the option letter: A no solution, B exactly one, C more than one.",
        files=(DataFile(relpath="sudoku_tdoku/test_puzzles", repo="t-dillon/tdoku", commit=TDOKU_COMMIT,
                        path="test/test_puzzles",
                        sha256="b88edd4dead0de1fd7b1db6018f00a38be430674b3eb944927ebfe66b1d7a13e"),),
        parse=parse_sudoku,
    ),
]
