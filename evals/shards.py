"""Splitting one run across machines, and joining the pieces back into one run directory.

``reasoner eval ... --shard I/N`` answers item k (from 0) of each task's seeded selection
when k mod N = I - 1, and records ``"shard": {"index": I, "count": N, "items": {...}}`` in
its header (``items``: per task, the ids of its slice in selection order).
:func:`merge_shards` checks that N such directories are one run cut in N (same settings,
every shard once, no sample twice, nothing missing) and writes the run directory a
whole run would have written: one header (the sessions of every shard), the samples in a
whole run's order, and the summary.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals import report
from evals.records import RunHeader, RunSummary, SampleRecord, ShardInfo
from evals.run import EvalError, RunDir, _close_killed_sessions, comparable_settings, in_run_order

SHOWN = 5
"""Examples named in an error before '... and N more'."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as (I, N), 1 <= I <= N; anything else is a ValueError saying what is expected."""
    index_text, sep, count_text = text.partition("/")
    try:
        if not sep:
            raise ValueError
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ValueError(f"--shard expects INDEX/COUNT such as 1/3, got {text!r}") from None
    if count < 1:
        raise ValueError(f"--shard {text}: the count must be at least 1")
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text}: the index must be between 1 and {count}")
    return index, count


@dataclass
class _Shard:
    path: Path
    header: RunHeader
    records: list[SampleRecord]

    @property
    def info(self) -> ShardInfo:
        assert self.header.shard is not None
        return self.header.shard

    @property
    def name(self) -> str:
        return f"{self.path} (shard {self.info.label})"


@dataclass
class MergeResult:
    run_dir: Path
    shards: int
    samples: int
    summary: RunSummary


def _some(things: Sequence[str]) -> str:
    shown = ", ".join(things[:SHOWN])
    return shown + (f" and {len(things) - SHOWN} more" if len(things) > SHOWN else "")


def _settings(header: RunHeader) -> dict[str, Any]:
    assert header.shard is not None
    settings = comparable_settings(header)
    settings.update({
        "limit": header.limit, "strategies": header.strategies, "tasks": [t.name for t in header.tasks],
        "shard count": header.shard.count,
    })
    for task in header.tasks:
        settings[f"data of {task.name}"] = [d.sha256 for d in task.data]
    return settings


def _disagreements(shards: Sequence[_Shard]) -> list[str]:
    """Per setting that is not the same everywhere: each value and the directories that hold it."""
    settings = [_settings(s.header) for s in shards]
    problems = []
    for name in dict.fromkeys(k for st in settings for k in st):
        holders: dict[str, list[str]] = defaultdict(list)
        for shard, st in zip(shards, settings, strict=True):
            holders[json.dumps(st.get(name), sort_keys=True, default=str)].append(str(shard.path))
        if len(holders) > 1:
            values = "; ".join(f"{value} in {', '.join(paths)}" for value, paths in holders.items())
            problems.append(f"{name} differs ({values})")
    return problems


def _expected_size(task_total: int, limit: int | None) -> int:
    return task_total if limit is None else min(limit, task_total)


def _structure_problems(shards: Sequence[_Shard]) -> list[str]:
    """Shards given twice, samples in two directories, shards or samples missing."""
    problems = []
    count = shards[0].info.count
    by_index: dict[int, list[_Shard]] = defaultdict(list)
    for shard in shards:
        by_index[shard.info.index].append(shard)
    for index, group in sorted(by_index.items()):
        if len(group) > 1:
            problems.append(f"shard {index}/{count} given twice: {', '.join(str(s.path) for s in group)}")
    missing_shards = [f"{i}/{count}" for i in range(1, count + 1) if i not in by_index]
    if missing_shards:
        problems.append(f"missing shards: {', '.join(missing_shards)} (no directory given for them)")

    owner: dict[tuple[str, str, str], Path] = {}
    overlap: dict[tuple[Path, Path], list[str]] = defaultdict(list)
    for shard in shards:
        for r in shard.records:
            first = owner.setdefault(r.key, shard.path)
            if first != shard.path:
                overlap[(first, shard.path)].append(" ".join(r.key))
    for (a, b), keys in overlap.items():
        problems.append(f"{a} and {b} overlap: both hold {len(keys)} samples ({_some(keys)})")

    header = shards[0].header
    for shard in shards:
        info = shard.info
        missing: list[str] = []
        done = {r.key for r in shard.records}
        for task in header.tasks:
            ids = info.items.get(task.name)
            want = len(range(info.index - 1, _expected_size(task.total, header.limit), count))
            if ids is None or len(ids) != want:
                problems.append(f"{shard.name} lists {0 if ids is None else len(ids)} items of {task.name}, "
                                f"but its slice of the selection has {want}")
                continue
            missing += [" ".join(key) for key in ((task.name, i, s) for i in ids for s in header.strategies)
                        if key not in done]
        if missing:
            problems.append(f"{shard.name} is missing {len(missing)} samples ({_some(missing)}); "
                            f"finish it by rerunning its eval command")
    return problems


def merge_shards(paths: Sequence[Path | str], out: Path | str) -> MergeResult:
    """Join the shard directories ``paths`` into the new run directory ``out``; see the module
    docstring. Any disagreement, overlap or gap is an :class:`EvalError` and writes nothing."""
    out = Path(out)
    if not paths:
        raise EvalError("no shard directory given")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EvalError(f"--out {out} already exists and is not an empty directory; give a new one")
    shards = []
    for path in map(Path, paths):
        run_dir = RunDir(path)
        header = run_dir.read_header()
        if header.shard is None:
            raise EvalError(f"{path} is not a shard: its header.json has no shard (it was not run with --shard)")
        records = run_dir.read_records()
        _close_killed_sessions(header, records)
        shards.append(_Shard(path, header, records))

    problems = _disagreements(shards)
    if problems:
        raise EvalError("the shards are not of one run: " + "; ".join(problems) + ". Nothing was written.")
    problems = _structure_problems(shards)
    if problems:
        raise EvalError("cannot merge: " + "; ".join(problems) + ". Nothing was written.")

    shards.sort(key=lambda s: s.info.index)
    count = len(shards)
    base = shards[0].header
    selections = {
        task.name: [shards[k % count].info.items[task.name][k // count]
                    for k in range(_expected_size(task.total, base.limit))]
        for task in base.tasks
    }
    by_key = {r.key: r for s in shards for r in s.records}
    records = [by_key[(task, item, strategy)] for task, item, strategy in in_run_order(selections, base.strategies)]
    sessions = sorted((session for s in shards for session in s.header.sessions), key=lambda x: x.started_at)
    ends = [s.ended_at for s in sessions if s.ended_at is not None]
    header = base.model_copy(deep=True, update={
        "tasks": [t.model_copy(update={"selected": len(selections[t.name])}) for t in base.tasks],
        "shard": None, "sessions": sessions,
        "started_at": min(s.header.started_at for s in shards),
        "ended_at": max(ends) if ends else None,
    })

    run_dir = RunDir(out)
    with run_dir.lock():
        run_dir.write_header(header)
        run_dir.rewrite_records(records)
        summary = report.summarize(run_dir.path, header, records)
        run_dir.write_summary(summary)
    return MergeResult(run_dir=run_dir.path, shards=count, samples=len(records), summary=summary)
