"""Every answer of the open set agrees with its independent check script."""

from __future__ import annotations

import json

import pytest

from evals.tasks.open_set import open_path
from research.open_set.build import ROOT, agrees, checked_answers


@pytest.mark.timeout(300)
def test_every_answer_is_the_one_its_check_script_computes() -> None:
    computed = checked_answers(ROOT / "evals/data/open_checks")
    items = [json.loads(line) for line in open_path().read_text(encoding="utf-8").splitlines()]
    missing = [item["id"] for item in items if item["id"] not in computed]
    assert not missing
    wrong = [item["id"] for item in items if not agrees(item, str(computed[item["id"]]))]
    assert not wrong
