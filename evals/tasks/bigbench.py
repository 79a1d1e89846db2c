"""BIG-bench tasks in PAL's copies: ``target_scores`` multiple choice, solved with Python by PAL."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from evals.data import DataError, DataFile
from evals.records import Item
from evals.scoring import NUMBER_WORDS
from evals.tasks.base import Parser, Task, field_of, read_json, with_options
from reasoner.options import letter

PAL_COMMIT = "f81ca2a9777f002f98a6b4d0f10b61bd5c8feb02"


def parse_bigbench(name: str, shuffle: bool = False) -> Parser:
    """Options are the ``target_scores`` keys; gold is the letter of the one scored 1.

    Number words that duplicate a digit option (``two`` beside ``2``, in
    reasoning_about_colored_objects) are dropped: both were scored correct, and a
    prediction of ``two`` still matches ``2``. With ``shuffle``, options are put in a
    fixed pseudo-random order per item, because the source lists the correct one first
    (date_understanding: 364 of 369), which would reward a model that always says A.
    """

    def parse(files: Sequence[Path]) -> list[Item]:
        data = read_json(files[0])
        if not isinstance(data, dict) or not isinstance(data.get("examples"), list):
            raise DataError(f"{files[0]}: expected a BIG-bench task object with 'examples'")
        prefix = str(data.get("task_prefix", "")).strip()
        items = []
        for index, record in enumerate(data["examples"]):
            where = f"{files[0]}: example {index}"
            if not isinstance(record, dict):
                raise DataError(f"{where}: expected an object")
            scores = field_of(record, "target_scores", where, dict)
            options = [o for o in scores if not (o in NUMBER_WORDS and str(NUMBER_WORDS[o]) in scores)]
            if shuffle:
                random.Random(f"{name}:{index}").shuffle(options)
            correct = [i for i, o in enumerate(options) if scores[o] == 1]
            if len(correct) != 1:
                raise DataError(f"{where}: expected exactly one correct option, found {len(correct)}")
            if len(options) > 26:
                raise DataError(f"{where}: {len(options)} options is more than the letters A-Z")
            text = field_of(record, "input", where).strip()
            question = f"{prefix}\n\n{text}" if prefix else text
            items.append(Item(
                id=str(index), question=with_options(question, options), gold=letter(correct[0]),
                format="choice", choices=options, gold_route="python",
            ))
        return items

    return parse


def _pal_file(name: str, sha256: str) -> DataFile:
    return DataFile(relpath=f"pal_bigbench/{name}.json", repo="reasoning-machines/pal", commit=PAL_COMMIT,
                    path=f"datasets/{name}.json", sha256=sha256)


TASKS = [
    Task(
        name="date_understanding", family="bigbench", answer_format="choice", gold_route="python",
        description="BIG-bench date understanding: date arithmetic, options shuffled per item (369).",
        files=(_pal_file("date_understanding", "ff716f0e399109146db3a998281c39954907b78268a9b633a95582d63847822f"),),
        parse=parse_bigbench("date_understanding", shuffle=True),
    ),
    Task(
        name="penguins", family="bigbench", answer_format="choice", gold_route="python",
        description="BIG-bench penguins in a table: questions over a small table (149).",
        files=(_pal_file("penguins_in_a_table", "f743ab0bd8d500798fc0ab83fdd3547b924e9c1acb15ca11b65ac228c0ab557a"),),
        parse=parse_bigbench("penguins_in_a_table"),
    ),
    Task(
        name="colored_objects", family="bigbench", answer_format="choice", gold_route="python",
        description="BIG-bench reasoning about colored objects: colours and counts on a surface (2,000).",
        files=(_pal_file("reasoning_about_colored_objects",
                         "0e5dbba357356e5bf4d0a27dd80c8af76646979159f8f5b1918c6f1d03e54b5a"),),
        parse=parse_bigbench("reasoning_about_colored_objects"),
    ),
]
