"""Summaries of runs and the comparison tables and plot built from them.

Everything is computed from ``samples.jsonl`` (never trusted from ``summary.json``), so
a table always matches the log it claims to describe.

- accuracy with a 95% Wilson score interval (sound for small n and for 0% or 100%);
- for tool strategies: the executable rate (samples whose program ran and produced a
  value, after any repairs), the first-try rate (the first program already did) and
  the accuracy on executable samples;
- router accuracy: for the auto-routed ``tool`` strategy, on items whose task knows the
  backend that obviously fits (``gold_route``);
- mean seconds and tokens (prompt + completion) per sample.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.records import AgreementBin, RunHeader, RunSummary, SampleRecord, StrategyStats, TaskSummary

Z95 = 1.959963984540054
FORMATS = ("md", "csv", "json")


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion ``correct / n``."""
    if n == 0:
        return 0.0, 0.0
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == n else min(1.0, centre + half)
    return low, high


def executable(r: SampleRecord) -> bool:
    """A program of the sample ran and gave a value, "ran after repair": the last attempt of
    some candidate did (in a vote an unrepaired sampled candidate may fail last while an
    earlier one answered), or the sample's last attempt, for records without candidates."""
    if not r.attempts:
        return False
    lasts = {len(r.attempts) - 1} | {c.attempts[-1] for c in r.candidates if c.attempts}
    return any(r.attempts[i].result.ok for i in lasts)


def _first_try(r: SampleRecord) -> bool:
    return bool(r.attempts) and r.attempts[0].result.ok


def strategy_stats(strategy: str, records: Sequence[SampleRecord]) -> StrategyStats:
    n = len(records)
    correct = sum(r.correct for r in records)
    low, high = wilson(correct, n)
    kinds = Counter(r.error.kind for r in records if r.error is not None)
    stats = StrategyStats(
        strategy=strategy, n=n, correct=correct, accuracy=correct / n if n else 0.0, ci_low=low, ci_high=high,
        errors=sum(kinds.values()), error_kinds=dict(kinds),
        mean_seconds=sum(r.seconds for r in records) / n if n else 0.0,
        mean_tokens=sum(r.tokens for r in records) / n if n else 0.0,
        mean_prompt_tokens=sum(r.usage.prompt_tokens for r in records) / n if n else 0.0,
        mean_completion_tokens=sum(r.usage.completion_tokens for r in records) / n if n else 0.0,
    )
    base = strategy.split("@")[0]
    voted = [r for r in records if r.agreement is not None]
    for record in voted:
        bin_ = stats.by_agreement.setdefault(agreement_bin(record.agreement), AgreementBin())
        bin_.n += 1
        bin_.correct += record.correct
    if base == "tool" or base.startswith("tool:"):
        ran = [r for r in records if executable(r)]
        stats.executable = len(ran)
        stats.executable_rate = len(ran) / n if n else None
        stats.first_try = sum(_first_try(r) for r in records)
        stats.first_try_rate = stats.first_try / n if n else None
        stats.accuracy_on_executable = sum(r.correct for r in ran) / len(ran) if ran else None
        stats.fallbacks = sum(r.fallback is not None for r in records)
    if base == "tool":
        routed = [r for r in records if r.gold_route]
        if routed:
            stats.routed = len(routed)
            stats.router_accuracy = sum(r.route == r.gold_route for r in routed) / len(routed)
    return stats


AGREEMENT_BINS = ("all agree", "majority", "split")


def agreement_bin(agreement: float | None) -> str:
    """``all agree`` (every vote for the answer), ``majority`` (more than half) or ``split``."""
    if agreement is not None and agreement >= 1.0:
        return "all agree"
    return "majority" if agreement is not None and agreement > 0.5 else "split"


def summarize(run: Path | str, header: RunHeader, records: Sequence[SampleRecord]) -> RunSummary:
    by_task: dict[str, dict[str, list[SampleRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        by_task[r.task][r.strategy].append(r)
    task_order = [t.name for t in header.tasks] + sorted(set(by_task) - {t.name for t in header.tasks})
    tasks = []
    for task in task_order:
        if task not in by_task:
            continue
        groups = by_task[task]
        order = [s for s in header.strategies if s in groups] + sorted(set(groups) - set(header.strategies))
        tasks.append(TaskSummary(task=task, strategies=[strategy_stats(s, groups[s]) for s in order]))
    expected = sum(t.selected for t in header.tasks) * len(header.strategies)
    return RunSummary(
        run=str(run), model=str(header.model.get("id", "?")), samples=len(records), expected=expected,
        elapsed_seconds=round(header.elapsed_seconds, 1), tasks=tasks,
    )


# --------------------------------------------------------------------------- comparison


@dataclass
class Row:
    run: str
    model: str
    task: str
    stats: StrategyStats


def rows_for(summaries: Sequence[tuple[str, RunSummary]]) -> list[Row]:
    return [Row(label, s.model, t.task, st) for label, s in summaries for t in s.tasks for st in t.strategies]


def run_labels(paths: Sequence[Path]) -> list[str]:
    """Directory names, or full paths where names collide."""
    names = [p.name or str(p) for p in paths]
    return [str(p) if names.count(n) > 1 else n for p, n in zip(paths, names, strict=True)]


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _md_cells(st: StrategyStats) -> list[str]:
    executable = "–" if st.executable_rate is None else f"{_pct(st.executable_rate)} ({st.executable}/{st.n})"
    first_try = "–" if st.first_try_rate is None else f"{_pct(st.first_try_rate)} ({st.first_try}/{st.n})"
    router = "–" if st.router_accuracy is None else f"{_pct(st.router_accuracy)} (n={st.routed})"
    errors = ", ".join(f"{k} {v}" for k, v in sorted(st.error_kinds.items())) or "0"
    if st.fallbacks:
        errors += f" ({st.fallbacks} answered by fallback)"
    return [
        st.strategy, str(st.n),
        f"{_pct(st.accuracy)} [{100 * st.ci_low:.1f}, {100 * st.ci_high:.1f}]",
        first_try, executable, _pct(st.accuracy_on_executable), router,
        f"{st.mean_seconds:.1f}", f"{st.mean_tokens:.0f}", errors,
    ]


MD_COLUMNS = ["strategy", "n", "accuracy [95% CI]", "ran first try", "ran after repair", "acc. if executable",
              "router acc.", "s/sample", "tokens/sample", "errors"]


def to_markdown(rows: Sequence[Row]) -> str:
    """One table per task; a run column only when several runs are compared."""
    several = len({r.run for r in rows}) > 1
    columns = (["run", "model"] if several else []) + MD_COLUMNS
    out: list[str] = []
    for task in dict.fromkeys(r.task for r in rows):
        out += [f"### {task}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for r in rows:
            if r.task == task:
                cells = ([r.run, r.model] if several else []) + _md_cells(r.stats)
                out.append("| " + " | ".join(cells) + " |")
        out.append("")
    calibrated = [r for r in rows if r.stats.by_agreement]
    if calibrated:
        out += ["### accuracy by agreement (voting strategies)", "",
                "| " + " | ".join([*(["run"] if several else []), "task", "strategy", *AGREEMENT_BINS]) + " |",
                "|" + "---|" * (len(AGREEMENT_BINS) + 2 + several)]
        for r in calibrated:
            cells = [_bin_cell(r.stats.by_agreement.get(name)) for name in AGREEMENT_BINS]
            out.append("| " + " | ".join([*([r.run] if several else []), r.task, r.stats.strategy, *cells]) + " |")
        out.append("")
    return "\n".join(out)


def _bin_cell(bin_: AgreementBin | None) -> str:
    if bin_ is None or not bin_.n:
        return "–"
    return f"{bin_.correct / bin_.n:.0%} ({bin_.correct}/{bin_.n})"


CSV_FIELDS = ["run", "model", "task", "strategy", "n", "correct", "accuracy", "ci_low", "ci_high",
              "first_try_rate", "executable_rate", "accuracy_on_executable", "fallbacks", "routed", "router_accuracy",
              "mean_seconds", "mean_tokens", "mean_prompt_tokens", "mean_completion_tokens", "errors"]


def to_csv(rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        data = r.stats.model_dump()
        writer.writerow({"run": r.run, "model": r.model, "task": r.task,
                         **{k: data[k] for k in CSV_FIELDS if k in data}})
    return buffer.getvalue()


def to_json(summaries: Sequence[tuple[str, RunSummary]]) -> str:
    return json.dumps([{"label": label, **s.model_dump(mode="json")} for label, s in summaries], indent=2)


def render(summaries: Sequence[tuple[str, RunSummary]], fmt: str) -> str:
    if fmt == "json":
        return to_json(summaries)
    rows = rows_for(summaries)
    if not rows:
        raise ValueError("the runs hold no samples to compare")
    return to_csv(rows) if fmt == "csv" else to_markdown(rows)


def plot(summaries: Sequence[tuple[str, RunSummary]], path: Path | str) -> Path:
    """Accuracy per task as grouped bars, one bar per (run, strategy), with 95% CIs."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install 'reasoner[evals]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = rows_for(summaries)
    if not rows:
        raise ValueError("the runs hold no samples to plot")
    several = len({r.run for r in rows}) > 1
    tasks = list(dict.fromkeys(r.task for r in rows))
    series = list(dict.fromkeys((r.run, r.stats.strategy) for r in rows))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(tasks) * max(1, len(series)) / 2), 4.5))
    for i, (run, strategy) in enumerate(series):
        xs, ys, lo, hi = [], [], [], []
        for t, task in enumerate(tasks):
            match = [r.stats for r in rows if r.task == task and r.run == run and r.stats.strategy == strategy]
            if match:
                st = match[0]
                xs.append(t - 0.4 + width * (i + 0.5))
                ys.append(100 * st.accuracy)
                lo.append(100 * (st.accuracy - st.ci_low))
                hi.append(100 * (st.ci_high - st.accuracy))
        label = f"{run}: {strategy}" if several else strategy
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=label)
    ax.set_xticks(range(len(tasks)), tasks, rotation=20, ha="right")
    ax.set_ylabel("accuracy (%), 95% Wilson CI")
    ax.set_ylim(0, 100)
    ax.legend(fontsize="small", ncol=min(len(series), 4))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
