"""The open problem set ships with the package, frozen, and loads as the task ``open``."""

from __future__ import annotations

import json
from collections import Counter

from backends import backend_names
from evals.tasks import get_task
from evals.tasks.open_set import OPEN_SHA256, item_type, open_path


def test_the_open_set_is_the_frozen_one() -> None:
    loaded = get_task("open").load()
    (info,) = loaded.files
    assert info.sha256 == OPEN_SHA256 and info.matches_pin


def test_the_open_set_spans_many_kinds_of_question_and_every_route() -> None:
    lines = [json.loads(line) for line in open_path().read_text(encoding="utf-8").splitlines()]
    types = Counter(line["type"] for line in lines)
    assert len(lines) >= 150 and len(types) >= 20
    assert min(types.values()) >= 5
    assert {line["route"] for line in lines} == {*backend_names(), "direct"}
    items = get_task("open").load().items
    assert [item.id for item in items] == [line["id"] for line in lines]
    assert all(item_type(item.id) == line["type"] for item, line in zip(items, lines, strict=True))
    assert all(item.gold_route == line["route"] for item, line in zip(items, lines, strict=True))
    # Options are shown lettered, and the gold answer is the option's letter.
    choice = next(item for item in items if item.choices)
    assert choice.format == "choice" and choice.gold in "ABCDEFGH" and "A)" in choice.question
