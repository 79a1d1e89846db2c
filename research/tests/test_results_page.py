"""research/results_page.py: the results page is built from run directories alone, pairs
items across strategies, and says how far the run has got."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from test_evals_run import Oracle, config, shared_datasets  # noqa: F401  (autouse fixture)

from evals.records import RunHeader
from evals.run import run_eval
from reasoner.models.mock import MockEngine
from research import results_page


def test_page_from_a_finished_task_and_a_partial_one(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    oracle = Oracle(tasks=["gsm8k", "prontoqa"])
    model = MockEngine("oracle", responder=oracle)
    run_eval(config(runs / "gsm8k", tasks=["gsm8k"], strategies=["direct,cot,tool"]), model=model, progress=False)
    # prontoqa has only direct answers: nothing of it is paired yet.
    run_eval(config(runs / "prontoqa", tasks=["prontoqa"], strategies=["direct"]), model=model, progress=False)

    page = results_page.build(runs, docs / "results.png", docs)

    assert "> **Preview: 16 of 900 samples so far.**" in page
    assert "(12 in the paired comparison below" in page
    # The oracle answers gsm8k wrongly when asked directly, rightly with cot and programs.
    assert "| gsm8k | 4 | 0% [0, 49] | 100% [51, 100] | 100% [51, 100] |" in page
    assert "| prontoqa |" not in page
    assert "tool beat direct by 100 points (95% intervals do not overlap)" in page
    assert "tool vs cot: +0 points, within the noise" in page
    assert "the router chose the expected backend for 100%" in page
    assert "[gsm8k](../results/gsm8k/samples.jsonl)" in page
    assert "[prontoqa](../results/prontoqa/samples.jsonl)" in page
    assert "![accuracy per task and strategy](results.png)" in page
    assert (docs / "results.png").stat().st_size > 0
    assert results_page.RUN_COMMAND in page and results_page.PAGE_COMMAND in page
    assert "## The other backend families" not in page, "no second-phase run yet"


def test_a_resume_with_nothing_to_do_leaves_the_page_as_it_was(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    model = MockEngine("oracle", responder=Oracle(tasks=["gsm8k"]))
    run_config = config(runs / "gsm8k", tasks=["gsm8k"], strategies=["direct,cot,tool"])
    run_eval(run_config, model=model, progress=False)
    before = results_page.build(runs, docs / "results.png", docs)
    run_eval(run_config, model=model, progress=False)  # adds a session that writes nothing
    # ... as if resumed from a later commit, hours later
    header_path = runs / "gsm8k" / "header.json"
    header = RunHeader.model_validate_json(header_path.read_text())
    idle = header.sessions[-1]
    assert idle.written == 0
    idle.commit, idle.ended_at = "f" * 40, idle.started_at + timedelta(hours=3)
    header_path.write_text(header.model_dump_json())
    assert results_page.build(runs, docs / "results.png", docs) == before


def test_second_phase_section_and_discussion(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    model = MockEngine("oracle", responder=Oracle(tasks=["gsm8k", "math500"]))
    run_eval(config(runs / "gsm8k", tasks=["gsm8k"], strategies=["direct,cot,tool"]), model=model, progress=False)
    run_eval(config(runs / "math500", tasks=["math500"], strategies=["direct,tool"]), model=model, progress=False)
    discussion = docs / "results-discussion.md"
    discussion.parent.mkdir()
    discussion.write_text("Programs helped on arithmetic here.\n")

    page = results_page.build(runs, docs / "results.png", docs, discussion)

    section = page.split("## The other backend families: SymPy and SAT", 1)[1]
    assert "(8 of 120 samples so far; logs: [math500](../results/math500/samples.jsonl))" in section
    assert "### math500" in section and "| tool | 4 |" in section
    assert "| math500 |" not in page.split("## Details per task")[0], "not in the three-strategy table"
    verdicts = page.split("## Where tools helped and where they did not", 1)[1].split("## Details per task")[0]
    assert verdicts.index("- **gsm8k**") < verdicts.index("Programs helped on arithmetic here.")


def test_page_before_any_item_is_paired(tmp_path: Path) -> None:
    runs = tmp_path / "results"
    model = MockEngine("oracle", responder=Oracle(tasks=["gsm8k"]))
    run_eval(config(runs / "gsm8k", tasks=["gsm8k"], strategies=["direct"]), model=model, progress=False)
    page = results_page.build(runs, tmp_path / "results.png", tmp_path)
    assert "No item of the results run has been answered by all three strategies yet." in page
    assert not (tmp_path / "results.png").exists()
