"""``jsonl:PATH``: a user's own questions, one JSON object per line.

Each line: ``question`` and ``answer`` (required), ``choices`` (a list of option texts),
``id``, ``route`` (the backend that should answer it, for router accuracy) and
``format`` (``number``, ``latex``, ``choice`` or ``text``) optional. Without
``format``: choices make it multiple choice (the answer may be the option letter or
its text), a numeric answer is compared with a tolerance, anything else as
normalised text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

from evals.data import DataError, sha256_file
from evals.records import DataFileInfo, Item
from evals.scoring import FORMATS, AnswerFormat, letter_index, match_choice, parse_number
from evals.tasks.base import LoadedTask, Task, field_of, read_jsonl, with_options
from reasoner.options import letter

PREFIX = "jsonl:"


def parse_user_file(files: Sequence[Path]) -> list[Item]:
    path = files[0]
    items: list[Item] = []
    seen: set[str] = set()
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        question = field_of(record, "question", where).strip()
        if not question:
            raise DataError(f"{where}: the question is empty")
        answer = str(field_of(record, "answer", where, (str, int, float))).strip()
        item_id = str(record.get("id", number))
        if item_id in seen:
            raise DataError(f"{where}: duplicate id {item_id!r}")
        seen.add(item_id)
        choices = record.get("choices")
        answer_format = record.get("format")
        if answer_format is not None and answer_format not in FORMATS:
            raise DataError(f"{where}: format {answer_format!r} is not one of {', '.join(FORMATS)}")
        route = record.get("route")
        if choices is not None:
            if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) for c in choices):
                raise DataError(f"{where}: choices should be a list of at least two strings")
            if len(choices) > 26:
                raise DataError(f"{where}: more than 26 choices")
            gold_at = letter_index(answer)
            if gold_at is None or gold_at >= len(choices):
                gold_at = match_choice(answer, choices)
            if gold_at is None:
                raise DataError(f"{where}: answer {answer!r} is neither an option letter nor one of the choices")
            items.append(Item(id=item_id, question=with_options(question, choices), gold=letter(gold_at),
                              format="choice", choices=list(choices), gold_route=route))
            continue
        if answer_format is None:
            answer_format = "number" if parse_number(answer) is not None and _plain_number(answer) else "text"
        items.append(Item(id=item_id, question=question, gold=answer,
                          format=cast(AnswerFormat, answer_format), gold_route=route))
    return items


def _plain_number(text: str) -> bool:
    return all(ch in "0123456789.,-+/ $%" for ch in text.strip())


class UserTask(Task):
    """A ``jsonl:PATH`` task: the file is read where it is, never downloaded."""

    def load(self, data_dir: Path | str | None = None, progress: bool = True) -> LoadedTask:
        path = Path(self.name.removeprefix(PREFIX)).expanduser()
        if not path.is_file():
            raise DataError(f"{path}: no such file (task {self.name!r})")
        items = self.parse([path])
        if not items:
            raise DataError(f"{path}: holds no questions")
        info = DataFileInfo(path=str(path.resolve()), origin="user", sha256=sha256_file(path))
        return LoadedTask(self, items, [info])


def user_task(spec: str) -> UserTask:
    return UserTask(
        name=spec, family="user", answer_format="text", files=(), parse=parse_user_file,
        description=f"Questions from {spec.removeprefix(PREFIX)}",
    )
