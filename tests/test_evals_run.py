"""End-to-end evals with a scripted model: files and fields, resume after a kill, errors,
concurrency, rescoring, the comparison table and plot, and the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from evals import report
from evals.data import DATA_DIR_ENV
from evals.records import ErrorInfo, Item, RunHeader, RunSummary, SampleRecord
from evals.run import EvalConfig, EvalError, RunDir, outcome, rescore, run_eval, summaries_for
from evals.strategies import COT_SYSTEM, DIRECT_SYSTEM, Context, make_strategy, parse_strategies
from evals.tasks import get_task, select
from reasoner import Reasoner, prompting
from reasoner.cli import main
from reasoner.models import Capabilities, ModelError
from reasoner.models.mock import MockEngine
from reasoner.types import Completion, GenerateOptions, Message

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
TASKS = ["gsm8k", "prontoqa"]
STRATEGIES = "direct,cot,tool:python"
LIMIT = 4


@pytest.fixture(autouse=True)
def shared_datasets(monkeypatch: pytest.MonkeyPatch) -> Path:
    assert SHARED_DATASETS.is_dir(), f"expected the shared benchmark files at {SHARED_DATASETS}"
    monkeypatch.setenv(DATA_DIR_ENV, str(SHARED_DATASETS))
    return SHARED_DATASETS


def items_for(task: str, limit: int = LIMIT, seed: int = 0) -> list[Item]:
    return select(get_task(task).load(progress=False).items, seed, limit)


class Oracle:
    """A scripted model that knows the gold answers: direct answers wrongly on math, cot
    and the pipeline rightly, so every scoring path is exercised with known outcomes."""

    def __init__(self, tasks: Sequence[str] = TASKS, fail_on: set[str] | None = None) -> None:
        self.items = [i for t in tasks for i in items_for(t)]
        self.fail_on = fail_on or set()
        self.calls = 0

    def _item(self, text: str) -> Item:
        found = [i for i in self.items if i.question.strip() in text]
        assert found, f"the oracle got a question it does not know: {text[:80]!r}"
        return max(found, key=lambda i: len(i.question))

    def _gold_value(self, item: Item) -> str:
        if item.choices:
            return item.choices[ord(item.gold) - ord("A")]
        return item.gold

    def __call__(self, messages: Sequence[Message]) -> str:
        self.calls += 1
        system, last = messages[0].content, messages[-1].content
        if prompting.RESULT_PREFIX in last and "Question:" in last:
            return last.rsplit(prompting.RESULT_PREFIX, 1)[1].strip()  # the final answer step
        item = self._item(last)
        if item.id in self.fail_on:
            raise ModelError(f"scripted failure on {item.id}")
        if system.startswith(DIRECT_SYSTEM.split("{")[0]):
            return item.gold if item.choices else "-1"
        if system.startswith(COT_SYSTEM.split("{")[0]):
            return f"Let me think.\nThe answer is {item.gold}."
        return f"```python\nanswer = {self._gold_value(item)!r}\n```"


def config(out: Path, **overrides: object) -> EvalConfig:
    values: dict[str, object] = {"tasks": TASKS, "strategies": [STRATEGIES], "out": out, "limit": LIMIT,
                                 "seed": 0, "argv": ["test"]}
    values.update(overrides)
    return EvalConfig(**values)  # type: ignore[arg-type]


def read_lines(run: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]


def test_end_to_end_files_and_fields(tmp_path: Path) -> None:
    out = tmp_path / "run"
    oracle = Oracle()
    result = run_eval(config(out), model=MockEngine("oracle", responder=oracle), progress=False)
    assert result.written == len(TASKS) * LIMIT * 3 and result.errors == 0

    header = RunHeader.model_validate_json((out / "header.json").read_text())
    assert [t.name for t in header.tasks] == TASKS
    assert [t.total for t in header.tasks] == [1319, 500]
    assert [t.selected for t in header.tasks] == [LIMIT, LIMIT]
    assert all(t.data[0].matches_pin and t.data[0].sha256 for t in header.tasks)
    assert header.strategies == ["direct", "cot", "tool:python"]
    assert (header.seed, header.shots, header.max_attempts, header.limit) == (0, 4, 3, LIMIT)
    assert header.model["id"] == "mock/oracle"
    assert set(header.sampling) == {"direct", "cot", "tool_program", "tool_answer"}
    assert all(s["temperature"] == 0 and s["seed"] == 0 for s in header.sampling.values())
    assert len(header.git["commit"]) == 40
    assert {"python", "reasoner", "pydantic"} <= set(header.versions)
    assert {"fewshot/chains.yaml", "reasoner/prompting.py"} <= set(header.prompts)
    assert "python" in header.examples
    assert header.ended_at is not None and header.ended_at >= header.started_at
    assert [s.status for s in header.sessions] == ["finished"]

    lines = read_lines(out)
    assert len(lines) == len(TASKS) * LIMIT * 3
    fields = {"task", "id", "strategy", "question", "choices", "gold", "format", "gold_route", "prediction",
              "output", "correct", "route", "route_by", "fallback", "attempts", "candidates", "agreement",
              "error", "usage", "tokens", "seconds", "finished_at"}
    assert all(set(line) == fields for line in lines)
    records = [SampleRecord.model_validate(line) for line in lines]
    assert len({r.key for r in records}) == len(records)
    for task in TASKS:
        ids = [i.id for i in items_for(task)]
        assert [r.id for r in records if r.task == task and r.strategy == "direct"] == ids
    # Blocks of items: every strategy finishes a block before the next block starts.
    order = [(r.task, r.strategy) for r in records]
    assert order == [(t, s) for t in TASKS for s in ("direct", "cot", "tool:python") for _ in range(LIMIT)]
    for r in records:
        assert r.tokens == r.usage.prompt_tokens + r.usage.completion_tokens > 0
        assert r.seconds >= 0 and r.error is None
        if r.strategy == "tool:python":
            assert r.route == "python" and r.route_by == "forced" and r.fallback is None
            assert r.usage.model_calls == 2
            assert r.attempts and r.attempts[-1].result.ok and "answer =" in r.attempts[-1].program
        else:
            assert r.attempts == [] and r.usage.model_calls == 1
        math_direct = r.task == "gsm8k" and r.strategy == "direct"
        assert r.correct is (not math_direct), (r.task, r.strategy, r.prediction, r.gold)
    choice = next(r for r in records if r.task == "prontoqa" and r.strategy == "tool:python")
    assert choice.choices == ["True", "False"] and choice.format == "choice"
    assert choice.prediction in choice.choices

    summary = RunSummary.model_validate_json((out / "summary.json").read_text())
    stats = {(t.task, s.strategy): s for t in summary.tasks for s in t.strategies}
    assert stats[("gsm8k", "direct")].accuracy == 0.0
    assert stats[("gsm8k", "cot")].accuracy == 1.0
    assert stats[("prontoqa", "direct")].accuracy == 1.0
    tool = stats[("gsm8k", "tool:python")]
    assert (tool.executable_rate, tool.accuracy_on_executable) == (1.0, 1.0)
    assert tool.router_accuracy is None, "a forced backend says nothing about the router"
    assert summary.samples == summary.expected == len(records)


def test_auto_routed_tool_records_the_route_and_router_accuracy(tmp_path: Path) -> None:
    out = tmp_path / "run"
    model = MockEngine("calculator")
    run_eval(config(out, tasks=["gsm8k"], strategies=["tool"], limit=3), model=model, progress=False)
    records = RunDir(out).read_records()
    assert all(r.route and r.gold_route == "python" for r in records)
    stats = json.loads((out / "summary.json").read_text())["tasks"][0]["strategies"][0]
    assert stats["routed"] == 3
    assert stats["router_accuracy"] == sum(r.route == "python" for r in records) / 3


def test_resume_after_an_interruption_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    oracle = Oracle()

    def dies_after_seven(messages: Sequence[Message]) -> str:
        if oracle.calls >= 7:
            raise KeyboardInterrupt
        return oracle(messages)

    with pytest.raises(KeyboardInterrupt):
        run_eval(config(out), model=MockEngine("t", responder=dies_after_seven), progress=False)
    before = RunDir(out).read_records()
    assert 0 < len(before) < len(TASKS) * LIMIT * 3
    assert RunHeader.model_validate_json((out / "header.json").read_text()).sessions[0].status == "interrupted"
    # A kill mid-write leaves half a line behind.
    with (out / "samples.jsonl").open("a") as f:
        f.write('{"task": "gsm8k", "id": "te')

    result = run_eval(config(out), model=MockEngine("t", responder=Oracle()), progress=False)
    after = RunDir(out).read_records()
    assert result.skipped == len(before)
    assert len(after) == len(TASKS) * LIMIT * 3 == len({r.key for r in after})
    assert [r.model_dump() for r in after[: len(before)]] == [r.model_dump() for r in before]
    assert all(json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines())
    header = RunHeader.model_validate_json((out / "header.json").read_text())
    assert [s.status for s in header.sessions] == ["interrupted", "finished"]
    assert sum(s.written for s in header.sessions) == len(after)

    # Rerunning a finished run does nothing; other settings are refused.
    again = run_eval(config(out), model=MockEngine("t", responder=Oracle()), progress=False)
    assert again.written == 0
    with pytest.raises(EvalError, match="seed: 0 in the run, 1 now"):
        run_eval(config(out, seed=1), model=MockEngine("t", responder=Oracle()), progress=False)


def test_resume_after_sigkill_of_the_cli(tmp_path: Path) -> None:
    """A real kill -9 of ``reasoner eval`` at an arbitrary moment, then the same command."""
    out = tmp_path / "run"
    cmd = [str(Path(sys.executable).parent / "reasoner"), "eval", "gsm8k", "-n", "12", "-s", "direct,tool",
           "-m", "mock/calculator", "-o", str(out), "-q"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    samples = out / "samples.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if samples.exists() and samples.read_text().count("\n") >= 5:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = len(RunDir(out).read_records())
    assert 5 <= killed_at < 24, "the kill should land mid-run"
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    records = RunDir(out).read_records()
    assert len(records) == 24 == len({r.key for r in records})
    assert f"{killed_at} already done" in done.stderr
    sessions = RunHeader.model_validate_json((out / "header.json").read_text()).sessions
    assert [s.status for s in sessions] == ["killed", "finished"]
    assert sessions[0].written == killed_at and sessions[0].ended_at is not None
    assert sessions[0].ended_at <= sessions[1].started_at


def test_sigterm_stops_the_cli_like_ctrl_c(tmp_path: Path) -> None:
    """``kill PID`` (a job started with ``&`` from a script ignores Ctrl-C's SIGINT)."""
    out = tmp_path / "run"
    cmd = [str(Path(sys.executable).parent / "reasoner"), "eval", "gsm8k", "-n", "12", "-s", "direct,tool",
           "-m", "mock/calculator", "-o", str(out), "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    samples = out / "samples.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (samples.exists() and samples.read_text().count("\n") >= 5):
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    said = " ".join(stderr.split())  # rich wraps lines
    assert "interrupted" in said and "rerun the same command to resume" in said
    sessions = RunHeader.model_validate_json((out / "header.json").read_text()).sessions
    assert [s.status for s in sessions] == ["interrupted"]
    stopped_at = len(RunDir(out).read_records())
    assert 5 <= stopped_at < 24 and sessions[0].written == stopped_at
    assert (out / "summary.json").is_file()


def test_errors_are_recorded_per_sample_and_the_run_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "run"
    bad = items_for("gsm8k")[1].id
    run_eval(config(out), model=MockEngine("t", responder=Oracle(fail_on={bad})), progress=False)
    records = RunDir(out).read_records()
    failed = [r for r in records if r.error is not None]
    assert {(r.task, r.id) for r in failed} == {("gsm8k", bad)} and len(failed) == 3
    assert all(r.error and r.error.kind == "model" and "scripted failure" in r.error.message for r in failed)
    assert not any(r.correct for r in failed)
    assert len(records) == len(TASKS) * LIMIT * 3
    stats = json.loads((out / "summary.json").read_text())["tasks"][0]["strategies"]
    assert [s["error_kinds"] for s in stats] == [{"model": 1}] * 3


def test_a_run_where_every_sample_fails_ends_with_the_first_error(tmp_path: Path) -> None:
    def broken(messages: Sequence[Message]) -> str:
        raise ModelError("server said no")

    with pytest.raises(EvalError, match=r"every sample failed.*model: server said no"):
        run_eval(config(tmp_path / "run"), model=MockEngine("t", responder=broken), progress=False)
    assert len(RunDir(tmp_path / "run").read_records()) == len(TASKS) * LIMIT * 3


def test_a_program_that_never_runs_is_an_error_kind_on_the_sample(tmp_path: Path) -> None:
    # A new failing program on every call (a repeated one would not be run again).
    model = MockEngine("t", responder=lambda messages: f"```python\nanswer = {len(messages)} / 0\n```")
    result = run_eval(config(tmp_path / "run", tasks=["gsm8k"], strategies=["direct,tool:python"], limit=2),
                      model=model, progress=False)
    tool = [r for r in RunDir(result.run_dir).read_records() if r.strategy == "tool:python"]
    assert all(r.error and r.error.kind == "runtime" and len(r.attempts) == 3 for r in tool)
    # The pipeline's documented fallback answered; the sample says so and still counts the failure.
    assert all(r.fallback == "direct" for r in tool)
    stats = result.summary.tasks[0].strategies[1]
    assert (stats.executable_rate, stats.fallbacks, stats.error_kinds) == (0.0, 2, {"runtime": 2})


def test_a_run_with_the_python_fallback_records_it_and_refuses_to_resume_without(tmp_path: Path) -> None:
    replies = ["```python\nanswer = 1 / 0\n```", "```python\nanswer = 5\n```", "5"]
    run = config(tmp_path / "run", tasks=["gsm8k"], strategies=["tool:sympy"], limit=1, max_attempts=1,
                 fallback="python")
    result = run_eval(run, model=MockEngine("t", replies=replies), progress=False)
    (record,) = RunDir(result.run_dir).read_records()
    assert record.fallback == "python" and [a.backend for a in record.attempts] == ["sympy", "python"]
    assert result.summary.tasks[0].strategies[0].executable_rate == 1.0
    with pytest.raises(EvalError, match="fallback"):
        run_eval(config(tmp_path / "run", tasks=["gsm8k"], strategies=["tool:sympy"], limit=2, max_attempts=1),
                 model=MockEngine("t", replies=replies), progress=False)


def test_a_program_repaired_after_its_first_error_counts_as_run_but_not_first_try(tmp_path: Path) -> None:
    model = MockEngine("t", replies=["```python\nanswer = 1 / 0\n```", "```python\nanswer = 5\n```", "5"])
    result = run_eval(config(tmp_path / "run", tasks=["gsm8k"], strategies=["tool:python"], limit=1),
                      model=model, progress=False)
    stats = result.summary.tasks[0].strategies[0]
    assert (stats.first_try, stats.first_try_rate, stats.executable, stats.executable_rate) == (0, 0.0, 1, 1.0)
    table = report.to_markdown(report.rows_for([("run", result.summary)]))
    assert "| ran first try | ran after repair |" in table
    assert "| 0.0% (0/1) | 100.0% (1/1) |" in table


def test_a_vote_whose_last_sampled_program_failed_still_counts_as_run(tmp_path: Path) -> None:
    # Three candidates: the greedy program and a sampled one disagree, the last sampled one fails.
    model = MockEngine("t", replies=["```python\nanswer = 5\n```", "```python\nanswer = 6\n```",
                                     "```python\nanswer = 1 / 0\n```", "5"])
    result = run_eval(config(tmp_path / "run", tasks=["gsm8k"], strategies=["tool:python@3"], limit=1),
                      model=model, progress=False)
    (record,) = RunDir(result.run_dir).read_records()
    assert not record.attempts[-1].result.ok and [c.answer for c in record.candidates] == ["5", "6", None]
    stats = result.summary.tasks[0].strategies[0]
    assert (stats.first_try, stats.executable) == (1, 1)


class _ServerLike(MockEngine):
    """A mock that says it takes concurrent requests, as a server does, and measures how many calls overlap."""

    capabilities = Capabilities(concurrent_requests=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.active = self.peak = 0
        self.guard = threading.Lock()

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        with self.guard:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.05)
            return super().generate(messages, options)
        finally:
            with self.guard:
                self.active -= 1


def test_server_engines_run_samples_concurrently_local_ones_do_not(tmp_path: Path) -> None:
    server = _ServerLike("t", responder=Oracle())
    run_eval(config(tmp_path / "a", strategies=["direct,cot"], max_connections=3), model=server, progress=False)
    assert 1 < server.peak <= 3
    local = _ServerLike("t", responder=Oracle())
    local.capabilities = Capabilities()  # type: ignore[misc]  # a local engine: one call at a time
    run_eval(config(tmp_path / "b", strategies=["direct,cot"], max_connections=3), model=local, progress=False)
    assert local.peak == 1
    records = RunDir(tmp_path / "a").read_records()
    assert len(records) == len({r.key for r in records}) == len(TASKS) * LIMIT * 2


def test_rescore_from_the_log_alone(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval(config(out), model=MockEngine("t", responder=Oracle()), progress=False)
    lines = read_lines(out)
    # Simulate a scorer bug at run time: flip some verdicts and predictions in the log.
    for line in lines[:5]:
        line["correct"] = not line["correct"]
        line["prediction"] = "garbage"
    (out / "samples.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = rescore(out)
    assert result.changed == 5 and result.samples == len(lines)
    fixed = read_lines(out)
    assert [line["correct"] for line in fixed[:5]] == [not line["correct"] for line in lines[:5]]
    assert all(line["prediction"] != "garbage" for line in fixed)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tasks"][0]["strategies"][0]["accuracy"] == 0.0  # direct on gsm8k, as run


def test_compare_tables_and_plot(tmp_path: Path) -> None:
    for name, seed in (("one", 0), ("two", 0)):
        run_eval(config(tmp_path / name, seed=seed), model=MockEngine("t", responder=Oracle()), progress=False)
    summaries = summaries_for([tmp_path / "one"])
    md = report.render(summaries, "md")
    assert "### gsm8k" in md and "### prontoqa" in md
    row = next(line for line in md.splitlines() if line.startswith("| cot |"))
    low, high = report.wilson(LIMIT, LIMIT)
    assert f"100.0% [{100 * low:.1f}, {100 * high:.1f}]" in row
    tool_row = next(line for line in md.splitlines() if line.startswith("| tool:python |"))
    assert "100.0% (4/4)" in tool_row

    both = summaries_for([tmp_path / "one", tmp_path / "two"])
    rows = list(csv.DictReader(io.StringIO(report.render(both, "csv"))))
    assert len(rows) == 2 * len(TASKS) * 3
    assert {r["run"] for r in rows} == {"one", "two"}
    assert float(next(r for r in rows if r["strategy"] == "direct" and r["task"] == "gsm8k")["accuracy"]) == 0.0
    data = json.loads(report.render(both, "json"))
    assert [d["label"] for d in data] == ["one", "two"]

    png = report.plot(both, tmp_path / "plots" / "acc.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_wilson_interval() -> None:
    low, high = report.wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert report.wilson(0, 10)[0] == 0.0 and report.wilson(10, 10)[1] == 1.0
    assert report.wilson(0, 0) == (0.0, 0.0)


def test_cli_eval_compare_rescore(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli"
    args = ["eval", "gsm8k", "svamp", "-n", "2", "-s", "direct,tool", "-m", "mock/calculator", "-o", str(out), "-q"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "### gsm8k" in result.output and "### svamp" in result.output
    assert len(RunDir(out).read_records()) == 8

    result = runner.invoke(main, ["compare", str(out), "--format", "csv", "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("run,model,task,strategy")
    assert (tmp_path / "p.png").exists()

    result = runner.invoke(main, ["rescore", str(out)])
    assert result.exit_code == 0 and "rescored 8 samples, 0 changed" in result.output


def test_cli_eval_votes_from_the_backends_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "votes"
    args = ["eval", "gsm8k", "-n", "2", "-s", "tool@3", "-m", "mock/calculator", "-o", str(out), "-q"]
    result = CliRunner().invoke(main, [*args, "--vote-backends", "python,sympy"])
    assert result.exit_code == 0, result.output
    header = RunHeader.model_validate_json((out / "header.json").read_text())
    assert header.pipeline["vote_backends"] == ["python", "sympy"]
    records = RunDir(out).read_records()
    assert all([c.backend for c in r.candidates][:2] == ["python", "sympy"] for r in records)
    # A run is resumed only with the sources it was started with.
    result = CliRunner().invoke(main, [*args, "--vote-backends", "auto"])
    assert result.exit_code != 0 and "vote_backends" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "gsm8k", "-s", "tool@3", "--vote-backends", " , ", "-m", "mock/calculator"],
         "--vote-backends takes 'auto'"),
        (["eval", "gsm8j", "-m", "mock/calculator"], "Did you mean 'gsm8k'"),
        (["eval", "gsm8k", "-s", "direct,coot", "-m", "mock/calculator"], "Did you mean 'cot'"),
        (["eval", "gsm8k", "-s", "tool:pyton", "-m", "mock/calculator"], "Did you mean 'tool:python'"),
        (["eval", "gsm8k", "-n", "0", "-m", "mock/calculator"], "selects no items"),
        (["compare", "{empty}"], "not a run directory"),
    ],
)
def test_cli_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    args = [a.replace("{empty}", str(tmp_path / "empty")) for a in args]
    if args[0] == "eval":
        args += ["-o", str(tmp_path / "out"), "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output


def test_compare_of_a_run_with_no_samples_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval(config(out, tasks=["gsm8k"], strategies=["direct"], limit=1), model=MockEngine("t", responder=Oracle()),
             progress=False)
    (out / "samples.jsonl").write_text("")
    result = CliRunner().invoke(main, ["compare", str(out)])
    assert result.exit_code != 0 and "holds no samples" in result.output


@pytest.mark.parametrize(
    ("prediction", "correct", "fallback", "error", "expected"),
    [
        ("8", True, None, None, "right"),
        ("9", False, None, None, "wrong"),
        (None, False, None, "model", "error (model)"),
        ("True", False, "direct", "no_answer", "wrong, by direct after no_answer"),
        ("True", True, "direct", "syntax", "right, by direct after syntax"),
    ],
)
def test_progress_line_says_when_a_fallback_answered(
    prediction: str | None, correct: bool, fallback: str | None, error: str | None, expected: str,
) -> None:
    record = SampleRecord(
        task="t", id="1", strategy="tool", question="q", gold="8", format="number", prediction=prediction,
        correct=correct, fallback=fallback, error=ErrorInfo(kind=error, message="m") if error else None,
    )
    assert outcome(record) == expected


def test_voting_strategies_record_their_candidates(tmp_path: Path) -> None:
    """cot@3 and tool:python@3 vote; their samples carry the candidates and the agreement."""
    oracle = Oracle()
    model = MockEngine("oracle", responder=oracle)
    out = tmp_path / "votes"
    run_eval(config(out, strategies=["cot@3,tool:python@3"]), model=model, progress=False)
    records = RunDir(out).read_records()
    assert {r.strategy for r in records} == {"cot@3", "tool:python@3"}
    for record in records:
        # The oracle answers the same every time: the first agreeing candidates settle the vote.
        assert 2 <= len(record.candidates) <= 3 and record.agreement == 1.0
        assert record.correct
    summary = json.loads((out / "summary.json").read_text())
    assert summary["samples"] == len(records)
    table = report.render(summaries_for([out]), "md")
    assert "accuracy by agreement" in table and "| 100% (" in table


@pytest.mark.parametrize(("agreement", "expected"), [(1.0, "all agree"), (0.75, "majority"), (0.5, "split"),
                                                     (0.2, "split")])
def test_agreement_bins(agreement: float, expected: str) -> None:
    assert report.agreement_bin(agreement) == expected


def test_programs_and_chains_of_thought_vote_together() -> None:
    """tool@N+cot@M: the routed program candidates, then M chains of thought, in one vote."""
    model = MockEngine("t", replies=["```python\nanswer = 9\n```", "Two and six make eight.\nThe answer is 8.",
                                     "Eight it is. The answer is 8.", "8"])
    item = items_for("gsm8k")[0]
    strategy = make_strategy("tool:python@1+cot@2")
    assert strategy.name == "tool:python@1+cot@2"
    outcome = strategy.answer(item, Context(reasoner=Reasoner(model=model, shots=0), shots=0))
    assert [(c.backend, c.answer) for c in outcome.candidates] == [("python", "9"), ("cot", "8"), ("cot", "8")]
    assert outcome.prediction == "8" and outcome.agreement == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", ["cot@0", "tool@x", "direct@3", "tool:nowhere@2", "tool@5+cot@0", "cot@3+cot@2",
                                  "tool@3+votes"])
def test_bad_voting_strategy_names_are_refused(name: str) -> None:
    with pytest.raises((ValueError, LookupError)):
        parse_strategies(name)


def test_self_consistency_writes_its_answers_in_one_batch_on_an_engine_that_batches(tmp_path: Path) -> None:
    class Batching(MockEngine):
        capabilities = Capabilities(batched_generation=True)
        batches: ClassVar[list[int]] = []

        def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
            Batching.batches.append(len(options))
            return super().generate_many(messages, options)

    replies = ["The answer is 7.", "The answer is 8.", "The answer is 8.", "The answer is 8.", "The answer is 9."]
    model = Batching("t", replies=replies)
    item = items_for("gsm8k")[0]
    outcome = make_strategy("cot@5").answer(item, Context(reasoner=Reasoner(model=model), shots=0))
    assert Batching.batches == [5]  # the greedy answer and the four sampled ones at once
    assert [c.answer for c in outcome.candidates] == ["7", "8", "8", "8"]  # settled: the fifth cannot win
    assert outcome.prediction == "8"
    assert outcome.usage.model_calls == 5  # the fifth was written, so it counts


def test_samples_count_the_drafted_tokens_an_engine_reports() -> None:
    """An engine that drafts from the prompt reports confirmed draft tokens; a sample adds
    them up over its calls, for every strategy."""

    class Drafting(MockEngine):
        def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
            completion = super().generate(messages, options)
            return completion.model_copy(update={"usage": completion.usage.model_copy(
                update={"draft_tokens_accepted": 2})})

    item = items_for("gsm8k")[0]
    for name, calls in (("cot", 1), ("tool:python", 2)):
        model = Drafting("t", replies=["```python\nanswer = 3\n```", "3"] if name != "cot" else ["The answer is 3."])
        outcome = make_strategy(name).answer(item, Context(reasoner=Reasoner(model=model, shots=0), shots=0))
        assert outcome.usage.model_calls == calls
        assert outcome.usage.draft_tokens_accepted == 2 * calls
