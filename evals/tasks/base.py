"""What a task is: pinned data files, a parser that turns them into items, a gold route."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.data import DataError, DataFile, ResolvedFile, read_text, resolve
from evals.records import DataFileInfo, Item
from evals.scoring import AnswerFormat
from reasoner import options

Parser = Callable[[Sequence[Path]], list[Item]]


@dataclass(frozen=True)
class LoadedTask:
    task: Task
    items: list[Item]
    files: list[DataFileInfo]


@dataclass(frozen=True)
class Task:
    """A loader plus a scorer: ``parse`` turns the resolved files into items, each of
    which names its answer format (and so its scorer)."""

    name: str
    family: str
    description: str
    answer_format: AnswerFormat
    files: tuple[DataFile, ...]
    parse: Parser
    gold_route: str | None = None
    notes: str = ""
    tags: tuple[str, ...] = field(default=())

    def load(self, data_dir: Path | str | None = None, progress: bool = True) -> LoadedTask:
        resolved = [resolve(f, data_dir, progress=progress) for f in self.files]
        items = self.parse([r.path for r in resolved])
        if not items:
            raise DataError(f"task {self.name!r}: {resolved[0].path} holds no items")
        return LoadedTask(self, items, [_info(r) for r in resolved])


def _info(r: ResolvedFile) -> DataFileInfo:
    return DataFileInfo(path=str(r.path), origin=r.origin, sha256=r.sha256,
                        pinned_sha256=r.pinned, matches_pin=r.matches_pin)


def select(items: Sequence[Item], seed: int, limit: int | None) -> list[Item]:
    """A seeded shuffle, then the first ``limit``: a fair subset whose prefix is stable,
    so raising ``--limit`` later keeps every item already answered."""
    order = list(items)
    random.Random(seed).shuffle(order)
    return order if limit is None else order[:limit]


# --------------------------------------------------------------------------- file readers


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) per non-empty line; a bad line is an error naming file and line."""
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise DataError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
        yield number, value


def read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def read_json_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, object) per item of a JSON list of problems; anything else is an error naming it."""
    data = read_json(path)
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of problems")
    for index, record in enumerate(data):
        where = f"{path}: item {index}"
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected an object")
        yield where, record


def field_of(record: dict[str, Any], name: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    """``record[name]``, or an error naming the file and line (or item) that lacks it."""
    if name not in record:
        raise DataError(f"{where}: missing field {name!r}")
    value = record[name]
    if not isinstance(value, kind):
        raise DataError(f"{where}: field {name!r} should be {_kind_name(kind)}, got {type(value).__name__}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def with_options(question: str, choices: Sequence[str]) -> str:
    """The question followed by its lettered options: the text every strategy sees."""
    return options.with_options(question, choices, lettered=True)
