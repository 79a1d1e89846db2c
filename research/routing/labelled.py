"""The labelled routing set: references into the shared benchmark files, resolved at run time.

Research and test tooling, not part of the product. The YAML files
(``tests/data/route_labels.yaml``, the test set, and ``route_labels_dev.yaml``, the
development set) never hold benchmark text: each group names a file relative to the
datasets directory, a ``format`` and the items it uses; this module reads the question
text from there. The datasets directory is an argument, else ``$REASONER_DATA_DIR``.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Collection, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

DATA_DIR_ENV = "REASONER_DATA_DIR"
LABELS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"
"""Where the label files live in a checkout (the tests read them too)."""
DEFAULT_LABELS = LABELS_DIR / "route_labels.yaml"
DEV_LABELS = LABELS_DIR / "route_labels_dev.yaml"
"""The development set: router changes are tuned here, then measured on DEFAULT_LABELS."""


def resolve_data_dir(explicit: Path | str | None = None) -> Path:
    """The shared datasets directory: ``explicit`` (a ``--data-dir``), else ``$REASONER_DATA_DIR``."""
    value = explicit or os.environ.get(DATA_DIR_ENV)
    if not value:
        raise FileNotFoundError(f"no datasets directory: pass --data-dir DIR or set ${DATA_DIR_ENV}")
    return Path(value).expanduser()


class LabelledQuestion(BaseModel):
    question: str
    choices: list[str] | None = None
    label: str
    group: str = Field(description="The source group, e.g. 'gsm8k' or 'direct'.")
    ref: str = Field(description="file#item, or 'inline' for questions written here.")


class Group(BaseModel):
    name: str
    label: str
    rationale: str
    file: str | None = None
    format: str | None = None
    template: str | None = None
    items: list[int | str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)


class LabelFile(BaseModel):
    seed: int
    groups: list[Group]


Record = tuple[str, list[str] | None]
"""A question and its choices (None unless multiple-choice)."""


def _json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def read_records(path: Path, kind: str) -> list[Any]:
    """A shared dataset file, read once: ``lines``, ``jsonl`` records, or a ``json`` list."""
    if kind == "lines":
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if kind == "jsonl":
        return _json_lines(path)
    loaded: list[Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _by_key(records: list[dict[str, Any]], key: str, item: int | str) -> dict[str, Any]:
    for record in records:
        if record.get(key) == item:
            return record
    raise KeyError(f"no record with {key} == {item!r}")


def _gsm8k(path: Path, item: int | str, group: Group) -> Record:
    return read_records(path, "jsonl")[int(item)]["question"], None


def _gsm_system(path: Path, item: int | str, group: Group) -> Record:
    return _by_key(read_records(path, "json"), "id", item)["question"], None


def _math500(path: Path, item: int | str, group: Group) -> Record:
    return _by_key(read_records(path, "jsonl"), "unique_id", item)["problem"], None


def _logiclm(path: Path, item: int | str, group: Group) -> Record:
    record = _by_key(read_records(path, "json"), "id", item)
    # Options come as "A) True"; the letter is the dataset's, not part of the choice.
    choices = [option.split(")", 1)[1].strip() if ")" in option[:3] else option
               for option in record["options"]]
    return f"{record['context'].strip()}\n\n{record['question'].strip()}", choices


def _sudoku(path: Path, item: int | str, group: Group) -> Record:
    grid = read_records(path, "lines")[int(item)].split(":", 1)[0]
    rows = "\n".join(grid[row * 9:row * 9 + 9] for row in range(9))
    template = group.template or "Solve this Sudoku puzzle:\n{grid}"
    return template.format(grid=rows), None


Reader = Callable[[Path, int | str, Group], Record]
"""Reads one item of a group's file: its question and choices."""

FORMATS: dict[str, Reader] = {
    "gsm8k": _gsm8k,
    "gsm_system": _gsm_system,
    "math500": _math500,
    "logiclm": _logiclm,
    "sudoku": _sudoku,
}


def source(group: Group, data_dir: Path) -> tuple[Path, Reader]:
    """The data file an item group reads and its format's reader, checked: a known format
    and a file that exists."""
    if group.file is None or group.format not in FORMATS:
        raise ValueError(f"group {group.name!r} needs a file and one of the formats {sorted(FORMATS)}")
    path = data_dir / group.file
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: point --data-dir or ${DATA_DIR_ENV} at the shared datasets directory"
        )
    return path, FORMATS[group.format]


def pool(group: Group, data_dir: Path) -> list[int | str]:
    """Every item the group could use, in file order: line indices or record keys."""
    path, _ = source(group, data_dir)
    if group.format in ("gsm8k", "sudoku"):
        kind = "jsonl" if group.format == "gsm8k" else "lines"
        return list(range(len(read_records(path, kind))))
    if group.format == "math500":  # the Algebra problems only
        return [record["unique_id"] for record in read_records(path, "jsonl") if record.get("subject") == "Algebra"]
    return [record["id"] for record in read_records(path, "json")]


def draw(group: Group, data_dir: Path, seed: int, count: int, exclude: Collection[int | str] = ()) -> list[int | str]:
    """The seeded draw the label files describe: ``random.Random(f"{seed}:{name}")``
    shuffles the pool's positions and the first ``count`` items not excluded are kept."""
    items = pool(group, data_dir)
    positions = list(range(len(items)))
    random.Random(f"{seed}:{group.name}").shuffle(positions)
    kept = [items[i] for i in positions if items[i] not in exclude]
    if len(kept) < count:
        raise ValueError(f"group {group.name!r} has {len(kept)} items to draw from, {count} asked")
    return kept[:count]


def redraw(labels: Path, data_dir: Path, exclude: Sequence[Path] = ()) -> dict[str, list[int | str]]:
    """Each item group of ``labels`` drawn afresh from the file's seed, skipping every item of
    the ``exclude`` files (same data file); a file that holds its documented draw equals this."""
    spec = load_label_file(labels)
    taken = {(group.file, item) for other in exclude for group in load_label_file(other).groups for item in group.items}
    return {
        group.name: draw(group, data_dir, spec.seed, len(group.items),
                         exclude={item for file, item in taken if file == group.file})
        for group in spec.groups if group.items
    }


def load_label_file(labels: Path = DEFAULT_LABELS) -> LabelFile:
    return LabelFile.model_validate(yaml.safe_load(labels.read_text(encoding="utf-8")))


def load_labelled(
    labels: Path = DEFAULT_LABELS, data_dir: Path | None = None
) -> list[LabelledQuestion]:
    """Every labelled question, with its text read from ``data_dir``."""
    data_dir = resolve_data_dir(data_dir)
    spec = load_label_file(labels)
    out: list[LabelledQuestion] = []
    for group in spec.groups:
        for text in group.questions:
            out.append(LabelledQuestion(question=text, label=group.label, group=group.name, ref="inline"))
        if not group.items:
            continue
        path, read = source(group, data_dir)
        for item in group.items:
            question, choices = read(path, item, group)
            out.append(LabelledQuestion(
                question=question, choices=choices, label=group.label, group=group.name,
                ref=f"{group.file}#{item}",
            ))
    return out
