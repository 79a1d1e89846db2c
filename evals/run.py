"""Running an eval into a directory that survives being killed, and rescoring it.

A run directory holds ``header.json``, ``samples.jsonl`` and ``summary.json``. Each
finished sample is appended to ``samples.jsonl`` as one line, flushed and fsynced, so a
kill at any moment loses at most the samples in flight; a truncated last line (a kill
mid-write) is cut off on the next start. Rerunning the same command skips every
(task, id, strategy) already in the file, so a run resumes without duplicates. A lock
file stops two processes from writing one directory at once.

Items are answered in seeded-shuffle order, in blocks of :data:`BLOCK` items: every
strategy answers the block before the next block starts. Within a block one strategy's
calls follow each other, so an engine that reuses the previous prompt's prefix (the
k-shot examples) re-reads little; across blocks, a run stopped half-way still compares
the strategies on nearly the same questions.

With ``shard=(I, N)`` a run answers only item k of each task's selection for which
k mod N = I - 1, so N machines can split one run; ``evals.shards.merge_shards`` joins the
N directories back into one, in the order a whole run would have written them.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

import fewshot
from backends import backend_names
from evals import report, scoring
from evals.records import (
    ErrorInfo,
    Item,
    RunHeader,
    RunSummary,
    SampleRecord,
    Session,
    ShardInfo,
    TaskInfo,
    now,
)
from evals.strategies import Context, Outcome, Strategy, Tool, make_strategy, parse_strategies
from evals.tasks import LoadedTask, get_task, select
from reasoner.models import ModelEngine, ModelError, get_model
from reasoner.models.endpoints import endpoint_counts, recording_endpoints
from reasoner.pipeline import Fallback, Reasoner

HEADER = "header.json"
SAMPLES = "samples.jsonl"
SUMMARY = "summary.json"
LOCK = ".lock"

BLOCK = 10
"""Items per block: all strategies finish a block before the next one starts."""

VERSIONED_PACKAGES = (
    "reasoner", "pydantic", "sympy", "z3-solver", "python-sat", "pyswip", "llama_cpp_python",
    "transformers", "torch", "openai", "matplotlib",
)
PROMPT_SOURCES = ("reasoner/prompting.py", "reasoner/pipeline.py", "reasoner/extraction.py", "evals/strategies.py")


class EvalError(RuntimeError):
    """The run cannot start or finished with nothing to show; the message says why."""


# --------------------------------------------------------------------------- the directory


class RunDir:
    """The files of one run, and the only code that writes them."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.header_path = self.path / HEADER
        self.samples_path = self.path / SAMPLES
        self.summary_path = self.path / SUMMARY

    def exists(self) -> bool:
        return self.header_path.is_file()

    def read_header(self) -> RunHeader:
        try:
            return RunHeader.model_validate_json(self.header_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EvalError(f"{self.path} is not a run directory (no {HEADER})") from None
        except ValidationError as exc:
            raise EvalError(f"{self.header_path}: not a valid run header ({exc.error_count()} errors)") from None

    def write_header(self, header: RunHeader) -> None:
        # A whole run's header has no "shard" key at all, as before shards existed.
        exclude = {"shard"} if header.shard is None else None
        _atomic_write(self.header_path, header.model_dump_json(indent=2, exclude=exclude))

    def write_summary(self, summary: RunSummary) -> None:
        _atomic_write(self.summary_path, summary.model_dump_json(indent=2))

    def read_records(self, repair: bool = False) -> list[SampleRecord]:
        """Every sample in the log. A last line cut short by a kill is ignored (and with
        ``repair``, cut off so the next append starts on a fresh line); a bad line
        anywhere else is an error naming it. Duplicates keep the first."""
        try:
            data = self.samples_path.read_bytes()
        except FileNotFoundError:
            return []
        records: list[SampleRecord] = []
        seen: set[tuple[str, str, str]] = set()
        pos = good_end = number = 0
        while pos < len(data):
            number += 1
            newline = data.find(b"\n", pos)
            complete = newline >= 0
            end = newline + 1 if complete else len(data)
            raw = data[pos:end].strip()
            if raw:
                try:
                    record = SampleRecord.model_validate_json(raw)
                except ValidationError:
                    if not complete:
                        break  # the last line, cut short by a kill mid-write
                    raise EvalError(f"{self.samples_path}:{number}: not a valid sample record") from None
                if record.key not in seen:
                    seen.add(record.key)
                    records.append(record)
            good_end = pos = end
        if repair and good_end < len(data):
            with self.samples_path.open("r+b") as f:
                f.truncate(good_end)
        elif repair and data and not data.endswith(b"\n"):
            with self.samples_path.open("ab") as f:
                f.write(b"\n")  # a whole record whose newline never made it to disk
        return records

    @contextlib.contextmanager
    def appender(self) -> Iterator[Callable[[SampleRecord], None]]:
        with self.samples_path.open("a", encoding="utf-8") as f:
            yield lambda record: _append_line(f, _sample_line(record))

    def rewrite_records(self, records: Sequence[SampleRecord]) -> None:
        _atomic_write(self.samples_path, "".join(_sample_line(r) + "\n" for r in records))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / LOCK).open("w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise EvalError(f"another process is writing {self.path}; wait for it or use another --out") from None
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


def _sample_line(record: SampleRecord) -> str:
    # A local engine's sample has no "endpoints" key at all, as before servers were recorded.
    return record.model_dump_json(exclude={"endpoints"} if record.endpoints is None else None)


def _append_line(f: IO[str], line: str) -> None:
    f.write(line + "\n")
    f.flush()
    os.fsync(f.fileno())


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- provenance


CODE_PATHS = ("reasoner", "backends", "fewshot", "evals", "pyproject.toml")
"""What a run executes, relative to the repository root (for the dirty flag)."""


def git_info() -> dict[str, Any]:
    """The commit of the source tree the package runs from, and whether its code had local edits.

    Only the code a run executes counts as an edit: run directories committed beside it
    (as ``research/results/`` is) change while a run goes, and would otherwise mark every session dirty.
    """
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--",
                                *CODE_PATHS], capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None}
    return {"commit": commit, "dirty": bool(dirty)}


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for name in VERSIONED_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def prompt_hashes() -> dict[str, str]:
    import hashlib

    root = Path(__file__).resolve().parent.parent
    hashes = {"fewshot/chains.yaml": fewshot.chains_digest()}
    for rel in PROMPT_SOURCES:
        with contextlib.suppress(OSError):
            hashes[rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
    return hashes


def example_hashes() -> dict[str, str]:
    hashes = {}
    for backend in backend_names():
        with contextlib.suppress(FileNotFoundError):
            hashes[backend] = fewshot.digest(backend)
    return hashes


def pipeline_settings(reasoner: Reasoner) -> dict[str, Any]:
    router = getattr(reasoner, "router", None)
    return {
        "router": router if isinstance(router, str) or router is None
        else getattr(router, "name", type(router).__name__),
        "fallback": getattr(reasoner, "fallback", None),
        # Only when used: runs made before retrieval existed resume with it off.
        **({"retrieved_examples": reasoner.retrieved_examples} if getattr(reasoner, "retrieved_examples", 0) else {}),
        **({"vote_backends": reasoner.vote_backends} if getattr(reasoner, "vote_backends", None) else {}),
    }


def model_info(engine: ModelEngine) -> dict[str, Any]:
    """The engine's describe(), plus the sha256 of a local model file when it lacks one:
    from the catalog's ``manifest.json`` beside the file (verified at pull time) when its
    size matches, else hashed here."""
    info = dict(engine.describe())
    path = Path(str(info["path"])) if info.get("path") else None
    if info.get("sha256") or path is None or not path.is_file():
        return info
    size = path.stat().st_size
    with contextlib.suppress(OSError, ValueError):
        manifest = json.loads((path.parent / "manifest.json").read_text())
        if manifest.get("size") == size and manifest.get("sha256"):
            info.update(sha256=manifest["sha256"], sha256_from="manifest.json")
            return info
    from evals.data import sha256_file

    info.update(sha256=sha256_file(path), sha256_from="hashed at run start")
    return info


def _model_identity(model: dict[str, Any]) -> dict[str, Any]:
    """What must not change between sessions of one run (not load time or path)."""
    return {k: model.get(k) for k in ("id", "sha256", "revision", "commit", "base_url") if model.get(k) is not None}


# --------------------------------------------------------------------------- running


@dataclass
class EvalConfig:
    tasks: list[str]
    strategies: list[str]
    out: Path
    limit: int | None = None
    seed: int = 0
    shots: int = 4
    max_attempts: int = 3
    model: str | None = None
    model_options: dict[str, Any] = field(default_factory=dict)
    data_dir: Path | None = None
    max_connections: int = 4
    retrieved_examples: int = 0
    fallback: Fallback = "direct"
    """What a tool strategy does when no program of the routed backend works."""
    vote_backends: list[str] | Literal["auto"] | None = None
    """Where a voting tool strategy's candidates come from (``Reasoner.vote_backends``)."""
    shard: tuple[int, int] | None = None
    """(index, count): answer only this slice of the selection; index from 1 to count."""
    argv: list[str] = field(default_factory=lambda: list(sys.argv))


@dataclass
class EvalResult:
    run_dir: Path
    summary: RunSummary
    written: int
    skipped: int
    errors: int
    first_error: ErrorInfo | None = None


@dataclass
class _Job:
    task: str
    item: Item
    strategy: Strategy


def run_one(task: str, item: Item, strategy: Strategy, ctx: Context) -> SampleRecord:
    """Answer one item with one strategy; any failure is recorded on the sample."""
    start = time.monotonic()
    with recording_endpoints() as answered:  # which servers answered this sample's calls
        try:
            outcome = strategy.answer(item, ctx)
        except ModelError as exc:
            outcome = Outcome(error=ErrorInfo(kind="model", message=str(exc)))
        except Exception as exc:  # one broken sample must not end a run of hundreds
            outcome = Outcome(error=ErrorInfo(kind="internal", message=f"{type(exc).__name__}: {exc}"))
    seconds = time.monotonic() - start
    usage = outcome.usage
    return SampleRecord(
        task=task, id=item.id, strategy=strategy.name, question=item.question, choices=item.choices,
        gold=item.gold, format=item.format, gold_route=item.gold_route, prediction=outcome.prediction,
        output=outcome.output,
        correct=scoring.score(item.format, outcome.prediction, item.gold, item.choices or []),
        route=outcome.route, route_by=outcome.route_by, fallback=outcome.fallback, attempts=outcome.attempts,
        candidates=outcome.candidates, agreement=outcome.agreement, error=outcome.error, usage=usage,
        tokens=usage.prompt_tokens + usage.completion_tokens, seconds=round(seconds, 3),
        endpoints=endpoint_counts(answered),
    )


def comparable_settings(header: RunHeader) -> dict[str, Any]:
    """The settings that must agree between the sessions of one run (and the shards of one
    split run), by name; a sampling key absent from one header compares as None."""
    settings: dict[str, Any] = {
        "model": _model_identity(header.model),
        "model options": header.model_options,
        "seed": header.seed,
        "shots": header.shots,
        "max attempts": header.max_attempts,
        "pipeline": header.pipeline,
    }
    for kind in sorted(header.sampling):
        for key in sorted(header.sampling[kind]):
            # The seed is compared once, above; cutting a looping reply early changes the
            # time spent, not the outcome (a looping reply is not run either way).
            if key not in ("seed", "cut_loops"):
                settings[f"sampling {kind}.{key}"] = header.sampling[kind][key]
    return settings


def shard_label(shard: ShardInfo | None) -> str:
    return "none" if shard is None else shard.label


def _check_compatible(old: RunHeader, new: RunHeader, run_dir: Path) -> None:
    differences = []
    was, now_ = comparable_settings(old), comparable_settings(new)
    pairs = {name: (was.get(name), now_.get(name)) for name in dict.fromkeys([*was, *now_])}
    pairs["shard"] = (shard_label(old.shard), shard_label(new.shard))
    for name, (a, b) in pairs.items():
        if a != b:
            differences.append(f"{name}: {a!r} in the run, {b!r} now")
    old_data = {t.name: [d.sha256 for d in t.data] for t in old.tasks}
    for t in new.tasks:
        if t.name in old_data and old_data[t.name] != [d.sha256 for d in t.data]:
            differences.append(f"data of {t.name}: the file changed since the run started")
    if differences:
        raise EvalError(
            f"{run_dir} holds a run with other settings, so it cannot be resumed with these: "
            + "; ".join(differences) + ". Use another --out directory."
        )


def _close_killed_sessions(header: RunHeader, records: Sequence[SampleRecord]) -> None:
    """A session killed outright never wrote its end: end it at its last saved sample,
    so the run's compute time does not count the hours it lay dead."""
    for session in header.sessions:
        if session.ended_at is None:
            mine = [r.finished_at for r in records if r.finished_at >= session.started_at]
            later = [s.started_at for s in header.sessions if s.started_at > session.started_at]
            if later:
                mine = [t for t in mine if t < min(later)]
            session.ended_at = max(mine, default=session.started_at)
            session.written = len(mine)
            session.status = "killed"


def _merge(old: RunHeader, new: RunHeader) -> RunHeader:
    """The resumed run covers the union of tasks and strategies, the larger limit."""
    tasks = {t.name: t for t in old.tasks}
    tasks.update({t.name: t for t in new.tasks})
    strategies = list(dict.fromkeys([*old.strategies, *new.strategies]))
    limit = None if old.limit is None or new.limit is None else max(old.limit, new.limit)
    shard = old.shard
    if old.shard is not None and new.shard is not None:
        # A slice's prefix is stable as the limit grows: per task, the longer list is the run's.
        items = dict(old.shard.items)
        for name, ids in new.shard.items.items():
            if len(ids) >= len(items.get(name, [])):
                items[name] = ids
        shard = old.shard.model_copy(update={"items": items})
        for name, task in tasks.items():
            if name in items and task.selected < len(items[name]):
                tasks[name] = task.model_copy(update={"selected": len(items[name])})
    return old.model_copy(update={
        "tasks": list(tasks.values()), "strategies": strategies, "limit": limit,
        "model": {**old.model, **new.model}, "sessions": [*old.sessions], "shard": shard,
    })


_T = TypeVar("_T")
_S = TypeVar("_S")


def in_run_order(selections: dict[str, list[_T]], strategies: Sequence[_S]) -> Iterator[tuple[str, _T, _S]]:
    """(task, item, strategy) in the order a run answers them: task by task, in blocks of
    :data:`BLOCK` items, every strategy through a block before the next block."""
    for name, items in selections.items():
        for start in range(0, len(items), BLOCK):
            for strategy in strategies:
                for item in items[start:start + BLOCK]:
                    yield name, item, strategy


class _Display:
    """A live bar per task with running accuracy per strategy; plain lines when not a terminal."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.live = enabled and console.is_terminal
        self.plain = enabled and not console.is_terminal
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[acc]}"), TimeElapsedColumn(), console=console, disable=not self.live,
        )
        self.ids: dict[str, TaskID] = {}
        self.correct: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.started = time.monotonic()
        self.written = 0

    def add(self, task: str, total: int, done: Sequence[SampleRecord]) -> None:
        for r in done:
            self._count(r)
        self.ids[task] = self.progress.add_task(task, total=total, completed=len(done), acc=self._acc(task))

    def _count(self, r: SampleRecord) -> None:
        tally = self.correct[(r.task, r.strategy)]
        tally[0] += int(r.correct)
        tally[1] += 1

    def _acc(self, task: str) -> str:
        parts = [f"{s} {c / n:.2f}" for (t, s), (c, n) in self.correct.items() if t == task and n]
        return " · ".join(parts)

    def update(self, record: SampleRecord) -> None:
        self._count(record)
        self.written += 1
        task_id = self.ids[record.task]
        self.progress.update(task_id, advance=1, acc=self._acc(record.task))
        if self.plain:
            t = self.progress.tasks[task_id]
            rate = self.written / max((time.monotonic() - self.started) / 60, 1e-9)
            print(f"[{record.task}] {int(t.completed)}/{int(t.total or 0)} {record.strategy} {record.id}: "
                  f"{outcome(record)} ({record.seconds:.1f} s) | {self._acc(record.task)} | {rate:.2f} samples/min",
                  file=self.console.file, flush=True)


def outcome(record: SampleRecord) -> str:
    """One word or phrase for a progress line: an answer from a fallback is not an error."""
    verdict = "right" if record.correct else "wrong"
    if record.error is None:
        return verdict
    if record.prediction is None:
        return f"error ({record.error.kind})"
    if record.fallback:
        return f"{verdict}, by {record.fallback} after {record.error.kind}"
    return f"{verdict} ({record.error.kind})"


def run_eval(
    config: EvalConfig, *, model: ModelEngine | None = None, console: Console | None = None,
    progress: bool = True,
) -> EvalResult:
    """Run (or resume) the eval described by ``config``; see the module docstring."""
    console = console or Console(stderr=True)
    strategies = parse_strategies(config.strategies)
    tasks = [get_task(name) for name in dict.fromkeys(config.tasks)]
    if not tasks:
        raise EvalError("no task given")
    if config.limit is not None and config.limit < 1:
        raise EvalError(f"--limit {config.limit} selects no items; give a positive number or leave it out")
    if config.shard is not None and not 1 <= config.shard[0] <= config.shard[1]:
        raise EvalError(f"shard {config.shard[0]}/{config.shard[1]}: the index must be between 1 and the count")
    loaded: list[LoadedTask] = [t.load(config.data_dir, progress=progress) for t in tasks]
    selections = {lt.task.name: select(lt.items, config.seed, config.limit) for lt in loaded}
    shard = None
    if config.shard is not None:
        index, count = config.shard
        selections = {name: items[index - 1::count] for name, items in selections.items()}
        shard = ShardInfo(index=index, count=count,
                          items={name: [i.id for i in items] for name, items in selections.items()})

    run_dir = RunDir(config.out)
    with run_dir.lock():
        old = run_dir.read_header() if run_dir.exists() else None
        records = run_dir.read_records(repair=True)
        if old is not None:
            _close_killed_sessions(old, records)
        engine = model or get_model(config.model, config.model_options)
        reasoner = Reasoner(model=engine, shots=config.shots, max_attempts=config.max_attempts,
                            retrieved_examples=config.retrieved_examples, fallback=config.fallback,
                            vote_backends=config.vote_backends)
        ctx = Context(reasoner=reasoner, shots=config.shots, seed=config.seed)
        git = git_info()
        session = Session(argv=config.argv, commit=git.get("commit"), dirty=git.get("dirty"))
        header = RunHeader(
            tasks=[TaskInfo(name=lt.task.name, total=len(lt.items), selected=len(selections[lt.task.name]),
                            answer_format=lt.task.answer_format, gold_route=lt.task.gold_route, data=lt.files)
                   for lt in loaded],
            strategies=[s.name for s in strategies], limit=config.limit, seed=config.seed, shots=config.shots,
            max_attempts=config.max_attempts, model=model_info(engine),
            model_options={k: str(v) for k, v in config.model_options.items()}, sampling=ctx.sampling(),
            pipeline=pipeline_settings(reasoner),
            git=git, versions=package_versions(), prompts=prompt_hashes(), examples=example_hashes(),
            shard=shard,
        )
        if old is not None:
            _check_compatible(old, header, run_dir.path)
            if old.prompts != header.prompts or old.git.get("commit") != header.git.get("commit"):
                console.print("[yellow]note:[/] the code or prompts changed since this run started; "
                              "each session's commit is in header.json", highlight=False)
            header = _merge(old, header)
        header.sessions.append(session)
        header.ended_at = None
        run_dir.write_header(header)

        done = {r.key for r in records}
        jobs = [_Job(name, item, s) for name, item, s in in_run_order(selections, strategies)
                if (name, item.id, s.name) not in done]
        skipped = sum(len(items) * len(strategies) for items in selections.values()) - len(jobs)
        if skipped:
            console.print(f"resuming {run_dir.path}: {skipped} samples already done, {len(jobs)} to go",
                          highlight=False)

        display = _Display(console, progress)
        for name, items in selections.items():
            ids = {i.id for i in items}
            wanted = {s.name for s in strategies}
            prior = [r for r in records if r.task == name and r.id in ids and r.strategy in wanted]
            display.add(name, len(items) * len(strategies), prior)

        written: list[SampleRecord] = []
        try:
            with display.progress, run_dir.appender() as append:
                workers = config.max_connections if engine.capabilities.concurrent_requests else 1
                for record in _execute(jobs, ctx, max(1, workers)):
                    append(record)
                    written.append(record)
                    display.update(record)
            session.status = "finished"
        except KeyboardInterrupt:
            session.status = "interrupted"
            raise
        except BaseException:
            session.status = "failed"
            raise
        finally:
            reasoner.close()  # its sandbox's warm workers; the model is the caller's
            session.ended_at = now()
            all_records = run_dir.read_records()
            # Counted from the file: an interrupt can land between a record's append and
            # the bookkeeping after it.
            session.written = len({r.key for r in all_records} - done)
            header.ended_at = session.ended_at
            run_dir.write_header(header)
            summary = report.summarize(run_dir.path, header, all_records)
            run_dir.write_summary(summary)

    keys = {(name, item.id, s.name) for name, items in selections.items() for item in items for s in strategies}
    in_run = [r for r in all_records if r.key in keys]
    errors = [r for r in in_run if r.error is not None]
    result = EvalResult(run_dir=run_dir.path, summary=summary, written=len(written), skipped=skipped,
                        errors=len(errors), first_error=errors[0].error if errors else None)
    if in_run and all(r.error is not None and r.prediction is None for r in in_run):
        first = errors[0]
        assert first.error is not None
        raise EvalError(
            f"every sample failed; the first ({first.task} {first.id}, {first.strategy}) with "
            f"{first.error.kind}: {first.error.message}"
        )
    return result


def _execute(jobs: list[_Job], ctx: Context, workers: int) -> Iterator[SampleRecord]:
    """Records in completion order: one at a time for a local model, a bounded pool for a server."""
    if workers == 1:
        for job in jobs:
            yield run_one(job.task, job.item, job.strategy, ctx)
        return
    pool = ThreadPoolExecutor(max_workers=workers)
    pending: set[Future[SampleRecord]] = set()
    queue = iter(jobs)
    try:
        for job in queue:
            pending.add(pool.submit(run_one, job.task, job.item, job.strategy, ctx))
            if len(pending) >= workers * 2:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(run_one, nxt.task, nxt.item, nxt.strategy, ctx))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- rescoring


@dataclass
class RescoreResult:
    run_dir: Path
    samples: int
    changed: int
    summary: RunSummary


def _strategy_for(name: str) -> Strategy:
    if name.startswith("tool:"):
        return Tool(name[5:])  # the backend need not be installed to re-read its answers
    return make_strategy(name)


def rescore(path: Path | str) -> RescoreResult:
    """Re-extract and re-score every logged sample with the current code; no model needed."""
    run_dir = RunDir(path)
    with run_dir.lock():
        header = run_dir.read_header()
        records = run_dir.read_records(repair=True)
        if not records:
            raise EvalError(f"{run_dir.samples_path} holds no samples to rescore")
        changed, updated = 0, []
        for r in records:
            item = Item(id=r.id, question=r.question, gold=r.gold, format=r.format, choices=r.choices,
                        gold_route=r.gold_route)
            prediction = _strategy_for(r.strategy).extract(r.output, item) if r.output else r.prediction
            correct = scoring.score(r.format, prediction, r.gold, r.choices or [])
            if (prediction, correct) != (r.prediction, r.correct):
                changed += 1
            updated.append(r.model_copy(update={"prediction": prediction, "correct": correct}))
        run_dir.rewrite_records(updated)
        summary = report.summarize(run_dir.path, header, updated)
        run_dir.write_summary(summary)
    return RescoreResult(run_dir=run_dir.path, samples=len(updated), changed=changed, summary=summary)


def load_run(path: Path | str) -> tuple[RunHeader, list[SampleRecord]]:
    run_dir = RunDir(path)
    header = run_dir.read_header()
    return header, run_dir.read_records()


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


def summaries_for(paths: Sequence[Path | str]) -> list[tuple[str, RunSummary]]:
    """(label, summary) per run directory, recomputed from its samples."""
    if not paths:
        raise EvalError("no run directory given")
    dirs = [Path(p) for p in paths]
    out = []
    for label, path in zip(report.run_labels(dirs), dirs, strict=True):
        header, records = load_run(path)
        if not records:
            raise EvalError(f"{path} holds no samples yet")
        out.append((label, report.summarize(path, header, records)))
    return out
