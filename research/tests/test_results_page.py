"""research/results_page.py: the results page is built from run directories alone, pairs
items across strategies, and says how far the run has got."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_evals_run import Oracle, config, shared_datasets  # noqa: F401  (autouse fixture)

from evals.records import RunHeader, SampleRecord, Session, TaskInfo
from evals.run import run_eval
from reasoner.models.mock import MockEngine
from reasoner.types import Candidate
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
    assert "## Votes" not in page, "no votes run yet"


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


# --------------------------------------------------------------------------- votes (phase 3)

PATTERN = {  # per strategy: correct, agreement and seconds of items 0, 1, 2 (agreement only when voted)
    "direct": ([False, False, False], None, [1.0, 1.0, 1.0]),
    "cot": ([True, False, False], None, [2.0, 2.0, 2.0]),
    "tool": ([True, True, False], None, [4.0, 4.0, 4.0]),
    "cot@5": ([True, True, False], [1.0, 0.6, 0.4], [10.0, 10.0, 10.0]),
    "tool@5": ([True, True, True], [1.0, 1.0, 0.4], [6.0, 8.0, 30.0]),
}
# gsm8k has ten paired items instead: every voted program right and every vote of thoughts wrong.
GSM8K = {"direct": False, "cot": False, "tool": True, "cot@5": False, "tool@5": True}


def _record(task: str, item: str, strategy: str, correct: bool, agreement: float | None,
            seconds: float) -> SampleRecord:
    return SampleRecord(task=task, id=item, strategy=strategy, question=f"{task} {item}?", gold="1",
                        format="number", correct=correct, agreement=agreement, seconds=seconds)


def _records(task: str, strategies: list[str]) -> list[SampleRecord]:
    """The task's records for the strategies: ``PATTERN`` on items q0..q2, ``GSM8K`` on gsm8k's q0..q9."""
    if task == "gsm8k":
        return [_record(task, f"q{i}", s, GSM8K[s], (1.0 if GSM8K[s] else 0.4) if "@" in s else None, 5.0)
                for s in strategies for i in range(10)]
    return [_record(task, f"q{i}", s, PATTERN[s][0][i], PATTERN[s][1] and PATTERN[s][1][i], PATTERN[s][2][i])
            for s in strategies for i in range(3)]


def _write_run(path: Path, tasks: list[str], strategies: list[str], records: list[SampleRecord]) -> None:
    """A run directory as ``reasoner eval`` leaves it: header.json and samples.jsonl."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    header = RunHeader(
        tasks=[TaskInfo(name=t, total=100, selected=50, answer_format="number") for t in tasks],
        strategies=strategies, limit=50, seed=0, shots=4, max_attempts=3, model={"id": "mock/votes"},
        sampling={}, sessions=[Session(started_at=start, ended_at=start + timedelta(hours=1),
                                       written=len(records), status="finished")],
    )
    path.mkdir(parents=True)
    (path / "header.json").write_text(header.model_dump_json())
    (path / "samples.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in records))


def _votes_runs(runs: Path, with_math500_run: bool = True) -> None:
    """The six tasks' runs, math500's, and the three votes directories, with ``PATTERN``'s outcomes;
    each side has an item the other lacks, which pairing must leave out."""
    for task in results_page.TASKS:
        _write_run(runs / task, [task], ["direct", "cot", "tool"],
                   [*_records(task, ["direct", "cot", "tool"]), _record(task, "only-here", "cot", True, None, 1.0)])
    if with_math500_run:
        _write_run(runs / "math500", ["math500"], ["direct", "tool"], _records("math500", ["direct", "tool"]))
    for name, (tasks, strategies, _) in results_page.VOTE_RUNS.items():
        records = [r for t in tasks for r in _records(t, strategies)]
        records += [_record(t, "only-in-votes", s, True, 1.0, 1.0) for t in tasks for s in strategies]
        _write_run(runs / name, tasks, strategies, records)


def test_votes_section_pairs_the_items_of_all_four_strategies(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    _votes_runs(runs)

    page = results_page.build(runs, docs / "results.png", docs)

    section = page.split("## Votes: five candidates a question", 1)[1].split("## How to reproduce")[0]
    assert page.index("## Details per task") < page.index("## Votes: five candidates a question")
    # each task's voting strategies on its 3 items (gsm8k 10) and one unpaired: 2 x (11 + 5 x 4) + 3 x 4
    assert "> **Preview: 74 of 690 voting samples so far.**" in section
    assert "[votes-math](../results/votes-math/samples.jsonl)" in section
    assert "| gsm8k | 10 | 0% [0, 28] | 100% [72, 100] | 0% [0, 28] | 100% [72, 100] |" in section
    assert "| svamp | 3 | 33% [6, 79] | 67% [21, 94] | 67% [21, 94] | 100% [44, 100] |" in section
    # math500: tool from its own run, cot and the votes from votes-math500; below the average.
    assert "| math500 | 3 | 33% [6, 79] | 67% [21, 94] | 67% [21, 94] | 100% [44, 100] |" in section
    # plain means over the six tasks: cot (0 + 5/3)/6, tool (1 + 10/3)/6, cot@5 (10/3)/6, tool@5 1
    average = "| **average of the six** | 25 | 28% | 72% | 56% | 100% |"
    assert average in section and section.index(average) < section.index("| math500 |")

    assert "- **gsm8k** (n=10): tool@5 beat cot@5 by 100 points (95% intervals do not overlap)." in section
    assert "- **svamp** (n=3): tool@5 vs cot@5: +33 points, within the noise (intervals overlap)." in section
    assert "- **math500** (n=3): tool@5 vs cot@5" in section
    # pooled over the six tasks' 25 items: tool@5 25/25 [87, 100], cot@5 10/25 [23, 59], tool 20/25 [61, 91]
    assert ("- **average of the six tasks**: tool@5 − cot@5 = +44 points, tool@5 − tool = +28 points "
            "(plain means of the per-task accuracies). Pooled over their 25 items: tool@5 beat cot@5 by 60 "
            "points (95% intervals do not overlap); tool@5 vs tool: +20 points, within the noise "
            "(intervals overlap).") in section

    # Calibration over the paired items of all seven tasks: five 3-item tasks and math500 follow
    # PATTERN, gsm8k's ten cot@5 votes are split and wrong, its ten tool@5 votes unanimous and right.
    assert "| **all tasks** | cot@5 | 28 | 100% (6/6) | 100% (6/6) | 0% (0/16) |" in section
    assert "| **all tasks** | tool@5 | 28 | 100% (22/22) | – | 100% (6/6) |" in section
    assert "| svamp | cot@5 | 3 | 100% (1/1) | 100% (1/1) | 0% (0/1) |" in section
    assert "| gsm8k | tool@5 | 10 | 100% (10/10) | – | – |" in section

    assert "| svamp | 2.0 | 4.0 | 10.0 | 8.0 |" in section  # median seconds
    assert results_page.VOTES_COMMAND in page.split("## How to reproduce")[1]


def test_votes_section_with_missing_columns_and_before_any_vote(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    _votes_runs(runs, with_math500_run=False)
    section = "\n".join(results_page.votes_section(runs, docs))
    # Without math500's own run its tool column is empty, and its votes run alone pairs the item
    # only it has (every strategy right on it): 4 items.
    assert "| math500 | 4 | 50% [15, 85] | – | 75% [30, 95] | 100% [51, 100] |" in section
    assert "| math500 | 2.0 | – | 10.0 | 7.0 |" in section

    for name in ("votes-logic", "votes-math500"):
        shutil.rmtree(runs / name)
    text = "\n".join(results_page.votes_section(runs, docs))
    assert "| prontoqa |" not in text, "no votes directory for it: its cot and tool alone are not shown"
    assert "**average of the six**" not in text
    assert ("- The averages wait for paired items on all six tasks "
            "(none yet on prontoqa, proofwriter, logical_deduction).") in text

    shutil.rmtree(runs / "votes-math")
    assert results_page.votes_section(runs, docs) == []


def test_pooled_votes_are_compared_on_the_items_all_three_strategies_answered(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    _votes_runs(runs)
    assert results_page.pooled_section(runs, docs) == [], "no votes-pooled run yet"
    # gsm8k: pooled right on q0..q3 of its ten items, 20 s each; votes-math has no q-extra.
    pooled = [_record("gsm8k", f"q{i}", results_page.POOLED, i < 4, 0.6, 20.0) for i in range(10)]
    pooled.append(_record("gsm8k", "q-extra", results_page.POOLED, True, 1.0, 1.0))
    _write_run(runs / results_page.POOLED_RUN, ["gsm8k", "gsm_system"], [results_page.POOLED], pooled)
    section = "\n".join(results_page.pooled_section(runs, docs))
    # GSM8K's pattern: cot@5 wrong on all ten, tool@5 right on all ten.
    assert "| gsm8k | 10 | 0% [0, 28] | 100% [72, 100] | 40% [17, 69] | 20.0 |" in section
    assert "| gsm_system |" not in section, "no pooled sample for it"
    assert "tool@5+cot@5 trailed tool@5 by 60 points" in section
    assert "[votes-pooled](../results/votes-pooled/samples.jsonl)" in section
    assert section in "\n".join(results_page.votes_section(runs, docs))


def test_auto_section_counts_apart_the_items_that_voted_across_two_backends(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    _votes_runs(runs)
    assert results_page.auto_section(runs, docs) == [], "no votes-auto run yet"
    # gsm_system's q0..q2: tool@5 right on all three in votes-math, 6, 8 and 30 s.
    one, two = [Candidate(backend="python", answer="1")], [Candidate(backend="python", answer="1"),
                                                            Candidate(backend="sympy", answer="2")]
    auto = [_record("gsm_system", f"q{i}", "tool@5", i == 1, 0.5, 12.0).model_copy(
        update={"candidates": two if i == 0 else one}) for i in range(3)]
    auto.append(_record("gsm_system", "q-extra", "tool@5", True, 1.0, 1.0))
    _write_run(runs / results_page.AUTO_RUN, ["gsm_system"], ["tool@5"], auto)
    section = "\n".join(results_page.auto_section(runs, docs))
    assert "| gsm_system | 3 | 100% [44, 100] | 33% [6, 79] | 1 | 1 → 0 of 1 | 2 → 1 of 2 | 8.0 → 12.0 |" in section
    assert "[votes-auto](../results/votes-auto/samples.jsonl)" in section
    assert section in "\n".join(results_page.votes_section(runs, docs))


def test_rerun_section_pairs_each_tasks_tool_items_with_their_rerun(tmp_path: Path) -> None:
    runs, docs = tmp_path / "results", tmp_path / "docs"
    _votes_runs(runs)
    assert results_page.rerun_section(runs, docs) == [], "no rerun yet"
    # PATTERN's tool: q0, q1 right, q2 wrong, 4 s each; the rerun gets q0 right only, in 2 s,
    # plus an item the first run lacks.
    again = [_record("prontoqa", f"q{i}", "tool", i == 0, None, 2.0) for i in range(3)]
    again.append(_record("prontoqa", "q-new", "tool", True, None, 1.0))
    _write_run(runs / results_page.RERUN, ["prontoqa"], ["tool"], again)
    section = "\n".join(results_page.rerun_section(runs, docs))
    assert "| prontoqa | 3 | 67% [21, 94] | 33% [6, 79] | -33 | 0% → 0% | 4.0 | 2.0 | 0.50 |" in section
    assert "| gsm8k |" not in section, "not rerun yet"
    assert "Largest drop: 33 points" in section
    assert "[tool-rerun](../results/tool-rerun/samples.jsonl)" in section


def test_open_section_counts_each_run_and_problem_type(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    records = [_record("open", f"{kind}-0{i}", strategy, correct, None, seconds)
               for kind, right in (("probability", 2), ("kinship", 0)) for i in range(1, 3)
               for strategy, correct, seconds in (("direct", False, 1.0), ("tool", i <= right, 8.0))]
    _write_run(runs / "open", ["open"], ["direct", "tool"], records)
    section = "\n".join(results_page.open_section(runs, tmp_path))
    assert "| direct (as frozen) | 4 | 0% [" in section and "| tool (as frozen) | 4 | 50% [" in section
    assert "| kinship | 0/2 | 0/2 |" in section and "| probability | 0/2 | 2/2 |" in section
    assert "On the" not in section, "one tool run: nothing to pair"

    # The run with today's defaults has answered three of the four items, right on all, two routed right.
    later = [_record("open", item, "tool", True, None, 4.0).model_copy(update={
        "gold_route": "python", "route": route}) for item, route in
        (("probability-01", "python"), ("probability-02", "python"), ("kinship-01", "sympy"))]
    _write_run(runs / "open-first-k", ["open"], ["tool"], later)
    section = "\n".join(results_page.open_section(runs, tmp_path))
    assert "| tool (today's defaults) | 3 | 100% [44, 100] | 0% | 67% | 4.0 |" in section
    assert ("On the 3 items all of them answered: tool (as frozen) 67% (8.0 s median), "
            "tool (today's defaults) 100% (4.0 s median).") in section
    assert results_page.open_section(tmp_path / "none", tmp_path) == []
