"""Sharded runs: ``reasoner eval --shard I/N`` answers a round-robin slice of the seeded
selection, and ``reasoner merge`` joins the N slices into the run a whole eval would have
written, refusing anything that is not one run cut in N pieces."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from evals.data import DATA_DIR_ENV
from evals.records import Item, RunHeader, RunSummary, SampleRecord
from evals.run import EvalConfig, EvalError, RunDir, load_run, rescore, run_eval, summaries_for
from evals.shards import merge_shards, parse_shard
from evals.strategies import COT_SYSTEM, DIRECT_SYSTEM
from evals.tasks import get_task, select
from reasoner import prompting
from reasoner.cli import main
from reasoner.models.mock import MockEngine
from reasoner.types import Message

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
TASKS = ["gsm8k", "prontoqa"]
STRATEGIES = ["direct", "cot", "tool:python"]
LIMIT = 11  # more than one block of 10 items, and not a multiple of the shard count
COUNT = 3


class Oracle:
    """Replies that depend only on the question, so an item gets the same answer in any run:
    direct is right on every other item, cot on all but every third, programs always."""

    def __init__(self, seed: int = 0) -> None:
        self.items = [i for t in TASKS for i in select(get_task(t).load(progress=False).items, seed, LIMIT)]
        self.position = {item.id: n for n, item in enumerate(self.items)}

    def _item(self, text: str) -> Item:
        found = [i for i in self.items if i.question.strip() in text]
        assert found, f"unknown question: {text[:80]!r}"
        return max(found, key=lambda i: len(i.question))

    def __call__(self, messages: Sequence[Message]) -> str:
        system, last = messages[0].content, messages[-1].content
        if prompting.RESULT_PREFIX in last and "Question:" in last:
            return last.rsplit(prompting.RESULT_PREFIX, 1)[1].strip()
        item = self._item(last)
        n = self.position[item.id]
        wrong = "B" if item.gold == "A" else ("A" if item.choices else "-1")
        if system.startswith(DIRECT_SYSTEM.split("{")[0]):
            return item.gold if n % 2 == 0 else wrong
        if system.startswith(COT_SYSTEM.split("{")[0]):
            return f"Let me think.\nThe answer is {item.gold if n % 3 else wrong}."
        value = item.choices[ord(item.gold) - ord("A")] if item.choices else item.gold
        return f"```python\nanswer = {value!r}\n```"


def config(out: Path, **overrides: object) -> EvalConfig:
    values: dict[str, object] = {"tasks": TASKS, "strategies": [",".join(STRATEGIES)], "out": out,
                                 "limit": LIMIT, "seed": 0, "argv": ["test"]}
    values.update(overrides)
    return EvalConfig(**values)  # type: ignore[arg-type]


def evaluate(out: Path, seed: int = 0, **overrides: object) -> Path:
    run_eval(config(out, seed=seed, **overrides), model=MockEngine("oracle", responder=Oracle(seed)),
             progress=False)
    return out


@pytest.fixture(autouse=True)
def shared_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SHARED_DATASETS.is_dir(), f"expected the shared benchmark files at {SHARED_DATASETS}"
    monkeypatch.setenv(DATA_DIR_ENV, str(SHARED_DATASETS))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One whole run and its three shards, made once for the module (read-only for tests)."""
    root = tmp_path_factory.mktemp("shards")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DATA_DIR_ENV, str(SHARED_DATASETS))
        mp.setenv("REASONER_HOME", str(root / "home"))
        made = {"whole": evaluate(root / "whole")}
        for index in range(1, COUNT + 1):
            made[f"shard{index}"] = evaluate(root / f"shard{index}", shard=(index, COUNT))
        yield made


def shard_dirs(runs: dict[str, Path]) -> list[Path]:
    return [runs[f"shard{i}"] for i in range(1, COUNT + 1)]


def records_of(path: Path) -> list[SampleRecord]:
    return RunDir(path).read_records()


def comparable(records: Sequence[SampleRecord]) -> list[tuple[object, ...]]:
    return [(r.task, r.id, r.strategy, r.prediction, r.correct, r.output, r.route, r.error) for r in records]


# --------------------------------------------------------------------------- --shard


def test_three_shards_cover_the_whole_selection_once(runs: dict[str, Path]) -> None:
    whole = records_of(runs["whole"])
    assert len(whole) == len(TASKS) * LIMIT * len(STRATEGIES)
    seen: list[tuple[str, str, str]] = []
    for index, path in enumerate(shard_dirs(runs), start=1):
        raw = json.loads((path / "header.json").read_text())
        assert raw["shard"]["index"] == index and raw["shard"]["count"] == COUNT
        header = RunHeader.model_validate(raw)
        mine = records_of(path)
        seen += [r.key for r in mine]
        for task in TASKS:
            ids = [i.id for i in select(get_task(task).load(progress=False).items, 0, LIMIT)]
            # Item k of the seeded selection belongs to shard (k mod N) + 1.
            assert header.shard is not None and header.shard.items[task] == ids[index - 1::COUNT]
            assert {r.id for r in mine if r.task == task} == set(ids[index - 1::COUNT])
            assert next(t for t in header.tasks if t.name == task).selected == len(ids[index - 1::COUNT])
        summary = RunSummary.model_validate_json((path / "summary.json").read_text())
        assert summary.samples == summary.expected == len(mine)
    assert len(seen) == len(set(seen)), "no sample is in two shards"
    assert set(seen) == {r.key for r in whole}
    assert "shard" not in json.loads((runs["whole"] / "header.json").read_text()), "a whole run has no shard key"
    # The whole run's own order, which a merge reproduces: task, block of 10 items, strategy, item.
    ids = {t: [i.id for i in select(get_task(t).load(progress=False).items, 0, LIMIT)] for t in TASKS}
    assert [r.key for r in whole] == [(t, i, s) for t in TASKS for block in (ids[t][:10], ids[t][10:])
                                      for s in STRATEGIES for i in block]


def test_a_shard_resumes_only_as_the_same_shard(runs: dict[str, Path], tmp_path: Path) -> None:
    shard2, whole = tmp_path / "shard2", tmp_path / "whole"
    shutil.copytree(runs["shard2"], shard2)
    shutil.copytree(runs["whole"], whole)
    again = run_eval(config(shard2, shard=(2, COUNT)), model=MockEngine("oracle", responder=Oracle()), progress=False)
    assert again.written == 0 and again.skipped == len(range(1, LIMIT, COUNT)) * len(TASKS) * len(STRATEGIES)
    with pytest.raises(EvalError, match=r"shard: '2/3' in the run, '1/3' now"):
        run_eval(config(shard2, shard=(1, COUNT)), model=MockEngine("oracle", responder=Oracle()), progress=False)
    with pytest.raises(EvalError, match=r"shard: '2/3' in the run, 'none' now"):
        run_eval(config(shard2), model=MockEngine("oracle", responder=Oracle()), progress=False)
    with pytest.raises(EvalError, match=r"shard: 'none' in the run, '1/2' now"):
        run_eval(config(whole, shard=(1, 2)), model=MockEngine("oracle", responder=Oracle()), progress=False)
    assert "shard" not in json.loads((whole / "header.json").read_text())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/3", "--shard 0/3: the index must be between 1 and 3"),
        ("4/3", "--shard 4/3: the index must be between 1 and 3"),
        ("x", "--shard expects INDEX/COUNT such as 1/3, got 'x'"),
        ("1/0", "--shard 1/0: the count must be at least 1"),
        ("1/x", "--shard expects INDEX/COUNT such as 1/3, got '1/x'"),
    ],
)
def test_cli_refuses_a_bad_shard(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["eval", "gsm8k", "-n", "3", "-s", "direct", "-m", "mock/calculator",
                                       "--shard", text, "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {message}"
    assert not out.exists()


def test_parse_shard_accepts_every_index() -> None:
    assert [parse_shard(f"{i}/3") for i in (1, 2, 3)] == [(1, 3), (2, 3), (3, 3)]
    assert parse_shard("1/1") == (1, 1)


# --------------------------------------------------------------------------- merge


def test_merged_shards_equal_the_whole_run(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "merged"
    result = merge_shards(list(reversed(shard_dirs(runs))), out)  # the order given does not matter
    assert (result.shards, result.samples) == (COUNT, len(TASKS) * LIMIT * len(STRATEGIES))

    whole_header, whole = load_run(runs["whole"])
    header, merged = load_run(out)
    # Same samples, in the order the whole run wrote them (task, block of items, strategy).
    assert comparable(merged) == comparable(whole)
    assert any(r.correct for r in merged) and not all(r.correct for r in merged)
    assert "shard" not in json.loads((out / "header.json").read_text())
    assert header.shard is None
    assert [(t.name, t.total, t.selected) for t in header.tasks] == \
        [(t.name, t.total, t.selected) for t in whole_header.tasks]
    assert (header.strategies, header.limit, header.seed) == (whole_header.strategies, LIMIT, 0)
    assert len(header.sessions) == COUNT and all(s.status == "finished" for s in header.sessions)
    assert header.ended_at is not None and header.started_at <= header.ended_at

    summary = RunSummary.model_validate_json((out / "summary.json").read_text())
    whole_summary = RunSummary.model_validate_json((runs["whole"] / "summary.json").read_text())
    assert summary.samples == summary.expected == whole_summary.expected
    assert [(t.task, [(s.strategy, s.n, s.correct) for s in t.strategies]) for t in summary.tasks] == \
        [(t.task, [(s.strategy, s.n, s.correct) for s in t.strategies]) for t in whole_summary.tasks]

    # compare and rescore take it like any run directory.
    (label, compared), = summaries_for([out])
    assert label == "merged" and compared.samples == len(whole)
    rescored = rescore(out)
    assert (rescored.samples, rescored.changed) == (len(whole), 0)
    assert comparable(records_of(out)) == comparable(whole)


def test_merge_refuses_shards_of_another_seed(runs: dict[str, Path], tmp_path: Path) -> None:
    other = evaluate(tmp_path / "seed1-shard2", seed=1, shard=(2, COUNT))
    out = tmp_path / "merged"
    with pytest.raises(EvalError) as caught:
        merge_shards([runs["shard1"], other, runs["shard3"]], out)
    message = str(caught.value)
    assert "seed differs" in message and f"1 in {other}" in message and f"0 in {runs['shard1']}" in message
    assert "Nothing was written" in message
    assert not out.exists()


def test_merge_refuses_other_settings(runs: dict[str, Path], tmp_path: Path) -> None:
    other = evaluate(tmp_path / "shots2-shard2", shard=(2, COUNT), shots=2)
    with pytest.raises(EvalError, match=rf"shots differs \(4 in .*shard1, .*shard3; 2 in {other}\)"):
        merge_shards([runs["shard1"], other, runs["shard3"]], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_merge_refuses_a_duplicated_shard(runs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "shard1-copy"
    shutil.copytree(runs["shard1"], copy)
    with pytest.raises(EvalError) as caught:
        merge_shards([*shard_dirs(runs), copy], tmp_path / "merged")
    message = str(caught.value)
    assert f"shard 1/3 given twice: {runs['shard1']}, {copy}" in message
    assert f"{runs['shard1']} and {copy} overlap: both hold {len(records_of(copy))} samples" in message
    assert not (tmp_path / "merged").exists()


def test_merge_refuses_a_sample_in_two_shards(runs: dict[str, Path], tmp_path: Path) -> None:
    shard2 = tmp_path / "shard2"
    shutil.copytree(runs["shard2"], shard2)
    stray = records_of(runs["shard1"])[0]
    with (shard2 / "samples.jsonl").open("a") as f:
        f.write(stray.model_dump_json() + "\n")
    with pytest.raises(EvalError, match=rf"{runs['shard1']} and {shard2} overlap: both hold 1 samples "
                                        rf"\({stray.task} {stray.id} {stray.strategy}\)"):
        merge_shards([runs["shard1"], shard2, runs["shard3"]], tmp_path / "merged")


def test_merge_refuses_a_missing_shard(runs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(EvalError, match=r"missing shards: 2/3 \(no directory given for them\)"):
        merge_shards([runs["shard1"], runs["shard3"]], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_merge_refuses_an_unfinished_shard(runs: dict[str, Path], tmp_path: Path) -> None:
    shard3 = tmp_path / "shard3"
    shutil.copytree(runs["shard3"], shard3)
    lines = (shard3 / "samples.jsonl").read_text().splitlines(keepends=True)
    gone = SampleRecord.model_validate_json(lines[-1])
    (shard3 / "samples.jsonl").write_text("".join(lines[:-1]))
    with pytest.raises(EvalError, match=rf"{shard3} \(shard 3/3\) is missing 1 samples "
                                        rf"\({gone.task} {gone.id} {gone.strategy}\)"):
        merge_shards([runs["shard1"], runs["shard2"], shard3], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_merge_refuses_a_non_empty_out_and_a_whole_run(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(EvalError, match="already exists and is not an empty directory"):
        merge_shards(shard_dirs(runs), out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    with pytest.raises(EvalError, match=rf"{runs['whole']} is not a shard"):
        merge_shards([runs["whole"], *shard_dirs(runs)], tmp_path / "merged")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert merge_shards(shard_dirs(runs), empty).samples == len(records_of(runs["whole"]))


def test_cli_shard_merge_compare_rescore(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["eval", "gsm8k", "svamp", "-n", "5", "-s", "direct", "-m", "mock/calculator", "-q"]
    whole = tmp_path / "whole"
    assert runner.invoke(main, [*base, "-o", str(whole)]).exit_code == 0
    shards = [tmp_path / f"s{i}" for i in (1, 2)]
    for i, path in enumerate(shards, start=1):
        result = runner.invoke(main, [*base, "--shard", f"{i}/2", "-o", str(path)])
        assert result.exit_code == 0, result.output
    assert len(records_of(shards[0])) == 6 and len(records_of(shards[1])) == 4

    out = tmp_path / "merged"
    result = runner.invoke(main, ["merge", *map(str, shards), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "merged 2 shards, 10 samples" in result.output and "### gsm8k" in result.output
    assert [r.key for r in records_of(out)] == [r.key for r in records_of(whole)]
    result = runner.invoke(main, ["compare", str(out), "--format", "csv"])
    assert result.exit_code == 0 and result.output.startswith("run,model,task,strategy")
    result = runner.invoke(main, ["rescore", str(out)])
    assert result.exit_code == 0 and "rescored 10 samples, 0 changed" in result.output

    result = runner.invoke(main, ["merge", str(shards[0]), "--out", str(tmp_path / "half")])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot merge: missing shards: 2/2") and result.output.count("\n") == 1
    result = runner.invoke(main, ["merge", *map(str, shards), "--out", str(out)])
    assert result.exit_code == 1 and "already exists and is not an empty directory" in result.output


def test_more_shards_than_items_leaves_a_shard_empty_and_still_merges(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["eval", "gsm8k", "-n", "2", "-s", "direct", "-m", "mock/calculator", "-q"]
    shards = [tmp_path / f"s{i}" for i in (1, 2, 3)]
    for i, path in enumerate(shards, start=1):
        result = runner.invoke(main, [*base, "--shard", f"{i}/3", "-o", str(path)])
        assert result.exit_code == 0, result.output
    assert "shard 3/3 holds no items of this selection" in result.output
    assert records_of(shards[2]) == []
    merged = merge_shards(shards, tmp_path / "merged")
    assert merged.samples == 2
    assert [t.selected for t in load_run(tmp_path / "merged")[0].tasks] == [2]
