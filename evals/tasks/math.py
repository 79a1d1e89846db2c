"""Math word problems (numeric answers) and MATH-500 (LaTeX answers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evals.data import DataError, DataFile
from evals.records import Item
from evals.tasks.base import Task, field_of, read_json_records, read_jsonl

GSM8K_COMMIT = "3101c7d5072418e28b9008a6636bde82a006892c"
PAL_COMMIT = "f81ca2a9777f002f98a6b4d0f10b61bd5c8feb02"
SVAMP_COMMIT = "689d7ccac74b9983a2ac7cc3b264f441b99e7c53"
MATH_HARNESS_COMMIT = "db77bc6bb2a17c90ed2d63e88ebd8c40a82858c5"
SATLM_COMMIT = "3e4eead883f17e6e30d1254fc7bb8ba571fe973b"


def _number_text(value: object) -> str:
    """18.0 -> '18': gold answers are logged as the plain number."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(",", "").strip()


def parse_gsm8k(files: Sequence[Path]) -> list[Item]:
    items = []
    for number, record in read_jsonl(files[0]):
        where = f"{files[0]}:{number}"
        answer = field_of(record, "answer", where)
        if "####" not in answer:
            raise DataError(f"{where}: answer has no '#### <number>' line")
        items.append(Item(
            id=f"test-{number - 1}", question=field_of(record, "question", where),
            gold=_number_text(answer.rsplit("####", 1)[1]), format="number", gold_route="python",
        ))
    return items


def parse_svamp(files: Sequence[Path]) -> list[Item]:
    items = []
    for where, record in read_json_records(files[0]):
        body = field_of(record, "Body", where).strip()
        question = field_of(record, "Question", where).strip()
        answer = field_of(record, "Answer", where, (int, float))
        items.append(Item(
            id=str(field_of(record, "ID", where)), question=f"{body} {question}",
            gold=_number_text(answer), format="number", gold_route="python",
        ))
    return items


def parse_pal_jsonl(files: Sequence[Path]) -> list[Item]:
    items = []
    for number, record in read_jsonl(files[0]):
        where = f"{files[0]}:{number}"
        items.append(Item(
            id=f"{number - 1}", question=field_of(record, "input", where),
            gold=_number_text(field_of(record, "target", where, (int, float))),
            format="number", gold_route="python",
        ))
    return items


def parse_gsm_system(files: Sequence[Path]) -> list[Item]:
    items = []
    for where, record in read_json_records(files[0]):
        items.append(Item(
            id=field_of(record, "id", where), question=field_of(record, "question", where),
            gold=_number_text(field_of(record, "label", where, (str, int, float))),
            format="number", gold_route="sympy",
        ))
    return items


def parse_math500(files: Sequence[Path]) -> list[Item]:
    items = []
    for number, record in read_jsonl(files[0]):
        where = f"{files[0]}:{number}"
        items.append(Item(
            id=field_of(record, "unique_id", where), question=field_of(record, "problem", where),
            gold=field_of(record, "answer", where), format="latex", gold_route="sympy",
        ))
    return items


TASKS = [
    Task(
        name="gsm8k", family="math", answer_format="number", gold_route="python",
        description="GSM8K test: grade-school word problems, integer answers (1,319).",
        files=(DataFile(relpath="gsm8k/test.jsonl", repo="openai/grade-school-math", commit=GSM8K_COMMIT,
                        path="grade_school_math/data/test.jsonl",
                        sha256="3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14"),),
        parse=parse_gsm8k,
    ),
    Task(
        name="svamp", family="math", answer_format="number", gold_route="python",
        description="SVAMP: one-step word problems with varied structure (1,000).",
        files=(DataFile(relpath="svamp/SVAMP.json", repo="arkilpatel/SVAMP", commit=SVAMP_COMMIT,
                        path="SVAMP.json",
                        sha256="5be77703a6d891ae476d7c082787ad361392aa02453b132516cdd5f4e7934e3e"),),
        parse=parse_svamp,
    ),
    Task(
        name="multiarith", family="math", answer_format="number", gold_route="python",
        description="MultiArith (MAWPS, PAL's copy): multi-step arithmetic word problems (600).",
        files=(DataFile(relpath="multiarith/mawpsmultiarith.jsonl", repo="reasoning-machines/pal",
                        commit=PAL_COMMIT, path="datasets/mawpsmultiarith.jsonl",
                        sha256="12e8295088364af21fb6591dbdbd1dda452aade57227f63d725677471ded2951"),),
        parse=parse_pal_jsonl,
    ),
    Task(
        name="gsm_system", family="math", answer_format="number", gold_route="sympy",
        description="SatLM's GSM-Sys: GSM8K problems that need a system of equations (549).",
        files=(DataFile(relpath="satlm_algebra/gsm_system.json", repo="xiye17/SAT-LM", commit=SATLM_COMMIT,
                        path="data/gsm_system.json",
                        sha256="dfd22e5c9f9927468579129e82af7491b40470cc98e8c0c226b3967dfee0417e"),),
        parse=parse_gsm_system,
    ),
    Task(
        name="math500", family="math", answer_format="latex", gold_route="sympy",
        description="MATH-500: competition problems with LaTeX answers, scored by SymPy equivalence (500).",
        files=(DataFile(relpath="math500/test.jsonl", repo="ZubinGou/math-evaluation-harness",
                        commit=MATH_HARNESS_COMMIT, path="data/math_oai/test.jsonl",
                        sha256="35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132"),),
        parse=parse_math500,
    ),
]
