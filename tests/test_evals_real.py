"""One small eval with the real 0.5B model: the harness works on real, imperfect output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REAL_HOME

from evals import report
from evals.data import DATA_DIR_ENV
from evals.records import RunHeader
from evals.run import EvalConfig, RunDir, run_eval
from reasoner import catalog
from reasoner.models import get_model

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_three_gsm8k_samples_with_the_small_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(SHARED_DATASETS))
    path = catalog.require(catalog.SMALL_MODEL, home=REAL_HOME)
    model = get_model(f"llamacpp/{path}")
    out = tmp_path / "run"
    # Two shots and no cot keep this near a minute on two cores; the mock tests cover cot.
    config = EvalConfig(tasks=["gsm8k"], strategies=["direct,tool"], out=out, limit=3, seed=0, shots=2,
                        argv=["pytest"])
    try:
        result = run_eval(config, model=model, progress=False)
    finally:
        model.close()

    records = RunDir(out).read_records()
    assert len(records) == 6 == len({r.key for r in records})
    assert all(r.error is None or r.error.kind not in ("model", "internal") for r in records), [
        r.error for r in records
    ]
    for r in records:
        assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0 and r.seconds > 0
        assert r.correct == (r.prediction is not None and float(r.gold) == _number(r.prediction))
    tool = [r for r in records if r.strategy == "tool"]
    assert all(r.attempts and r.attempts[0].program.strip() for r in tool)
    assert all(r.route for r in tool)
    direct = [r for r in records if r.strategy == "direct"]
    assert all(r.prediction for r in direct)

    header = RunHeader.model_validate_json((out / "header.json").read_text())
    assert header.model["sha256"] == catalog.get_entry(catalog.SMALL_MODEL).sha256
    summary = json.loads((out / "summary.json").read_text())
    assert summary["samples"] == 6
    table = report.render([(str(out), result.summary)], "md")
    assert "| direct | 3 |" in table and "| tool | 3 |" in table


def _number(text: str) -> float | None:
    from evals.scoring import parse_number

    return parse_number(text)
