"""Generate docs/results.md (and docs/results.png) from the results run directories.

The run (hours on a 2-core CPU; resumable, so rerun it after an interruption)::

    nohup research/run_results.sh >> research/results/run.log 2>&1 &

whose first phase runs, for each TASK in gsm8k logical_deduction svamp gsm_system
prontoqa proofwriter (its second phase adds math500 and sudoku, 30 items with direct and
tool, for the backend families these leave out)::

    .venv/bin/reasoner eval TASK --strategy direct,cot,tool --limit 50 --seed 0 \\
        --model qwen2.5-coder-1.5b --data-dir ../shared/datasets --out research/results/TASK

Then the page, from whatever has finished::

    .venv/bin/python -m research.results_page [--runs research/results] [--out docs/results.md]

Only items answered by every strategy count (a paired comparison), so a task caught
mid-run is compared on the same questions. The second phase (math500, sudoku: direct
against tool) gets a section of its own once it has samples, and so does the third
(votes: ``cot@5`` and ``tool@5`` in the multi-task directories ``votes-math``,
``votes-math500`` and ``votes-logic``, paired with the same items' ``cot`` and ``tool``
answers from the per-task directories); a hand-written
discussion (``docs/results-discussion.md``, if present) follows the generated verdicts.
Everything else on the page is computed from the runs' ``samples.jsonl``; the verdicts
are generated from the numbers with fixed wording rules (a difference is called a
difference only when the 95% intervals do not overlap).
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from evals import report
from evals.records import AgreementBin, RunHeader, RunSummary, SampleRecord, Session, StrategyStats, now
from evals.run import load_run
from evals.tasks.open_set import item_type
from reasoner.votes import VOTE_TEMPERATURE
from research.benchmarks.pooled_votes import chains_when_open

TASKS = ["gsm8k", "svamp", "gsm_system", "prontoqa", "proofwriter", "logical_deduction"]  # math, then logic
STRATEGIES = ["direct", "cot", "tool"]
OTHER_TASKS = ["math500", "sudoku"]  # run_results.sh phase 2: the sympy and sat families
OTHER_STRATEGIES = ["direct", "tool"]
OTHER_LIMIT = 30
RUN_COMMAND = "nohup research/run_results.sh >> research/results/run.log 2>&1 &"
VOTE_RUNS = {  # run_results.sh phase 3: run directory -> (tasks, strategies, items per task)
    "votes-math": (["gsm8k", "gsm_system", "svamp"], ["cot@5", "tool@5"], 50),
    "votes-math500": (["math500"], ["cot", "cot@5", "tool@5"], 30),
    "votes-logic": (["prontoqa", "proofwriter", "logical_deduction"], ["cot@5", "tool@5"], 50),
}
POOLED_RUN = "votes-pooled"  # run_results.sh phase 3: programs and chains in one vote
POOLED = "tool@5+cot@5"
POOLED_TASKS = ["gsm8k", "gsm_system"]
POOLED_STRATEGIES = ["cot@5", "tool@5", POOLED]
AUTO_RUN = "votes-auto"  # run_results.sh phase 3: tool@5 with --vote-backends auto
RERUN = "tool-rerun"  # run_results.sh phase 4: the six tool rows again with today's defaults
VOTE_TASKS = [*TASKS, "math500"]  # math500 is shown, but left out of the average
VOTE_STRATEGIES = ["cot", "tool", "cot@5", "tool@5"]
VOTED = ["cot@5", "tool@5"]
VOTES_COMMAND = "PHASES=3 " + RUN_COMMAND
TASK_COMMAND = (
    ".venv/bin/reasoner eval TASK --strategy direct,cot,tool --limit 50 --seed 0 \\\n"
    "    --model qwen2.5-coder-1.5b --data-dir ../shared/datasets --out research/results/TASK"
)
PAGE_COMMAND = ".venv/bin/python -m research.results_page"


def paired(records: list[SampleRecord], strategies: list[str]) -> list[SampleRecord]:
    """Records of the items every strategy has answered."""
    by_item: dict[tuple[str, str], dict[str, SampleRecord]] = defaultdict(dict)
    for r in records:
        by_item[(r.task, r.id)][r.strategy] = r
    return [by[s] for by in by_item.values() if all(s in by for s in strategies) for s in strategies]


def _sessions(headers: list[RunHeader]) -> list[Session]:
    """The runs' sessions that count: a resume with nothing left to do adds a session that
    wrote no sample, which is not part of the run."""
    return [s for h in headers for s in h.sessions if s.written or s.status == "running"]


def _cell(st: StrategyStats | None) -> str:
    """An accuracy with its 95% interval, in whole points; "–" when there is none."""
    return "–" if st is None else f"{100 * st.accuracy:.0f}% [{100 * st.ci_low:.0f}, {100 * st.ci_high:.0f}]"


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min"


def _verdict(a: StrategyStats, b: StrategyStats) -> str:
    diff = 100 * (a.accuracy - b.accuracy)
    if a.ci_low > b.ci_high:
        return f"{a.strategy} beat {b.strategy} by {diff:.0f} points (95% intervals do not overlap)"
    if b.ci_low > a.ci_high:
        return f"{a.strategy} trailed {b.strategy} by {-diff:.0f} points (95% intervals do not overlap)"
    return f"{a.strategy} vs {b.strategy}: {diff:+.0f} points, within the noise (intervals overlap)"


def findings(stats: dict[str, dict[str, StrategyStats]]) -> list[str]:
    lines = []
    for task, by in stats.items():
        if not all(s in by for s in STRATEGIES):
            continue
        tool, direct, cot = by["tool"], by["direct"], by["cot"]
        parts = [_verdict(tool, direct), _verdict(tool, cot)]
        extra = []
        if tool.executable_rate is not None:
            first = f" ({100 * tool.first_try_rate:.0f}% on the first try)" if tool.first_try_rate is not None else ""
            extra.append(f"programs ran on {100 * tool.executable_rate:.0f}% of items{first}")
        if tool.accuracy_on_executable is not None:
            extra.append(f"{100 * tool.accuracy_on_executable:.0f}% right when they ran")
        if tool.fallbacks:
            note = f"{tool.fallbacks} answered by the direct fallback after every program failed"
            if tool.fallbacks > tool.n / 2:
                note += " (so most tool answers here are not program results)"
            extra.append(note)
        if tool.router_accuracy is not None:
            extra.append(f"the router chose the expected backend for {100 * tool.router_accuracy:.0f}%")
        lines.append(f"- **{task}** (n={tool.n}): " + "; ".join(parts) + ". Tool: " + ", ".join(extra) + ".")
    return lines


Run = tuple[str, Path, RunHeader, list[SampleRecord]]
"""A task's run directory, read once: (task, directory, header, records)."""


def load_runs(runs_dir: Path, tasks: list[str]) -> list[Run]:
    """The tasks' run directories that exist under ``runs_dir``, in the given order."""
    found = [(task, runs_dir / task) for task in tasks if (runs_dir / task / "header.json").is_file()]
    return [(task, path, *load_run(path)) for task, path in found]


def paired_summary(runs_dir: Path, runs: list[Run], strategies: list[str]) -> RunSummary | None:
    """One summary over the runs' paired items, as if they were one run; None if none is paired."""
    records = [r for *_, run_records in runs for r in paired(run_records, strategies)]
    if not records:
        return None
    headers = [header for _, _, header, _ in runs]
    header = headers[0].model_copy(update={
        "tasks": [t for h in headers for t in h.tasks],
        "sessions": [s for h in headers for s in h.sessions],
    })
    return report.summarize(runs_dir, header, records)


def log_links(runs: list[Run], page_dir: Path) -> str:
    return ", ".join(f"[{task}]({_relative(path / 'samples.jsonl', page_dir)})" for task, path, *_ in runs)


def build(runs_dir: Path, plot_path: Path, page_dir: Path, discussion: Path | None = None) -> str:
    runs = load_runs(runs_dir, TASKS)
    headers = [header for _, _, header, _ in runs]
    out = ["# Results: direct vs chain-of-thought vs tool-augmented", ""]
    summary = paired_summary(runs_dir, runs, STRATEGIES)
    if summary is None:
        out += ["No item of the results run has been answered by all three strategies yet.", "", _commands()]
        return "\n".join(out) + "\n"
    report.plot([("results", summary)], plot_path)
    stats = {t.task: {s.strategy: s for s in t.strategies} for t in summary.tasks}

    sessions = _sessions(headers)
    started = min(s.started_at for s in sessions)
    ended = max((s.ended_at or now()) for s in sessions)
    running = any(s.status == "running" for s in sessions)
    busy = sum(s.seconds for s in sessions)
    expected = 50 * len(TASKS) * len(STRATEGIES)
    done = sum(len(records) for *_, records in runs)
    model = headers[0].model
    commits = sorted({(s.commit or "?")[:12] + (" (with uncommitted edits)" if s.dirty else "")
                      for s in sessions})
    if done < expected:
        out += [f"> **Preview: {done} of {expected} samples so far.** The run is resumable and continues; "
                "numbers on a partial run move as items are added.", ""]
    if len(commits) > 1:
        out += [f"> The run spans {len(commits)} commits (listed under Code below): samples made before a "
                "change to the prompts, examples or backends were redone only where the change affects "
                "them; each session's commit and prompt hashes are in the run's `header.json`.", ""]
    out += [
        f"Model: `{model.get('id')}` (GGUF sha256 `{model.get('sha256', '?')}`), greedy decoding, "
        f"k = {headers[0].shots} examples per prompt, up to {headers[0].max_attempts} programs per question, "
        f"router `{headers[0].pipeline.get('router')}`, fallback `{headers[0].pipeline.get('fallback')}`.",
        f"Items: {headers[0].limit} per task, drawn by a seeded shuffle (seed {headers[0].seed}) "
        "from the shared benchmark files.",
        "",
        f"**Progress and time.** {done} of {expected} samples finished "
        f"({summary.samples} in the paired comparison below, i.e. items answered by all three strategies). "
        f"Compute time so far: {_duration(busy)} over sessions from {started:%Y-%m-%d %H:%M} to "
        f"{ended:%Y-%m-%d %H:%M} UTC ({60 * done / max(busy, 1):.2f} samples per minute) on a shared "
        f"2-core CPU, so these timings include contention from other work on the machine."
        + (" The run was still going when this page was generated." if running else ""),
        "",
        f"Code: {', '.join(commits)}.",
        "",
        "## Accuracy by task",
        "",
        "| task | n | direct | cot | tool |",
        "|---|---|---|---|---|",
    ]
    for task, by in stats.items():
        cells = [_cell(by.get(s)) for s in STRATEGIES]
        n = max(st.n for st in by.values())
        out.append(f"| {task} | {n} | " + " | ".join(cells) + " |")
    out += ["", "95% Wilson intervals in brackets.", "",
            f"![accuracy per task and strategy]({_relative(plot_path, page_dir)})", ""]
    out += ["## Where tools helped and where they did not", ""]
    out += findings(stats) or ["No task has all three strategies on the same items yet."]
    if discussion is not None and discussion.is_file():
        out += ["", discussion.read_text(encoding="utf-8").strip()]
    out += [
        "",
        "With 50 items per task an interval spans roughly ±14 points, so only large differences",
        "are distinguishable; the per-sample logs hold every program, its result and the",
        "model's raw replies for anyone who wants to check a verdict: "
        + log_links(runs, page_dir) + ".",
        "",
        "## Details per task",
        "",
        report.to_markdown(report.rows_for([("results", summary)])),
        *votes_section(runs_dir, page_dir),
        *rerun_section(runs_dir, page_dir),
        *other_families(runs_dir, page_dir),
        *open_section(runs_dir, page_dir),
        _commands(),
    ]
    return "\n".join(out) + "\n"


VoteRecords = dict[str, dict[str, list[SampleRecord]]]
"""Per task, per strategy of VOTE_STRATEGIES that its runs ask for: its paired items' records."""


def vote_records(runs_dir: Path) -> tuple[list[Run], VoteRecords]:
    """The votes run directories that exist, and per task its records paired over the
    strategies its runs ask for. Tasks without a votes directory or a paired item yet are
    left out."""
    task_runs = load_runs(runs_dir, VOTE_TASKS)
    vote_runs = load_runs(runs_dir, list(VOTE_RUNS))
    out: VoteRecords = {}
    for task in VOTE_TASKS:
        sources = [run for run in task_runs if run[0] == task]
        sources += [run for run in vote_runs if task in VOTE_RUNS[run[0]][0]]
        columns = _columns(task, sources)
        if not all(s in columns for s in VOTED):
            continue  # no votes directory for it yet
        records = paired([r for rs in columns.values() for r in rs], list(columns))
        if records:
            out[task] = {s: [r for r in records if r.strategy == s] for s in columns}
    return vote_runs, out


def _columns(task: str, sources: list[Run]) -> dict[str, list[SampleRecord]]:
    """The task's records per strategy of VOTE_STRATEGIES, each strategy taken from the first
    source whose header asks for it: ``cot`` and ``tool`` from the task's own directory where
    it has them (else from its votes directory, as math500's ``cot``), the votes from the votes
    directory that holds the task."""
    found: dict[str, list[SampleRecord]] = {}
    for _, _, header, records in sources:
        for s in header.strategies:
            if s in VOTE_STRATEGIES and s not in found:
                found[s] = [r for r in records if r.task == task and r.strategy == s]
    return {s: found[s] for s in VOTE_STRATEGIES if s in found}


def vote_stats(records: VoteRecords) -> dict[str, dict[str, StrategyStats]]:
    """Per task and strategy, the stats of the paired items."""
    return {task: {s: report.strategy_stats(s, rs) for s, rs in by.items()} for task, by in records.items()}


def _averaged(stats: dict[str, dict[str, StrategyStats]]) -> bool:
    """Whether every one of the six tasks has paired items with all four strategies."""
    return all(t in stats and all(s in stats[t] for s in VOTE_STRATEGIES) for t in TASKS)


def _mean_accuracy(stats: dict[str, dict[str, StrategyStats]], strategy: str) -> float:
    """The plain mean of the six tasks' accuracies (each task weighs the same)."""
    return statistics.mean(stats[t][strategy].accuracy for t in TASKS)


def votes_table(stats: dict[str, dict[str, StrategyStats]]) -> list[str]:
    """Accuracy per task and strategy on the paired items, the six tasks' average (once each
    has paired items with all four strategies), then math500 (not in the average)."""

    def row(task: str) -> str:
        by = stats[task]
        n = next(iter(by.values())).n  # paired: every strategy has the same items
        return f"| {task} | {n} | " + " | ".join(_cell(by.get(s)) for s in VOTE_STRATEGIES) + " |"

    lines = ["| task | n | " + " | ".join(VOTE_STRATEGIES) + " |", "|---|---|" + "---|" * len(VOTE_STRATEGIES)]
    lines += [row(t) for t in TASKS if t in stats]
    if _averaged(stats):
        n = sum(stats[t]["cot"].n for t in TASKS)
        means = [f"{100 * _mean_accuracy(stats, s):.0f}%" for s in VOTE_STRATEGIES]
        lines.append(f"| **average of the six** | {n} | " + " | ".join(means) + " |")
    lines += [row(t) for t in VOTE_TASKS if t not in TASKS and t in stats]
    return lines


def vote_findings(stats: dict[str, dict[str, StrategyStats]], records: VoteRecords) -> list[str]:
    """Generated verdicts, with ``_verdict``'s wording rule: tool@5 against cot@5 per task,
    then the six tasks' averaged gaps, judged on the intervals of their pooled items."""
    lines = [f"- **{task}** (n={by['tool@5'].n}): {_verdict(by['tool@5'], by['cot@5'])}."
             for task, by in stats.items() if all(s in by for s in VOTED)]
    if not _averaged(stats):
        missing = [t for t in TASKS if t not in stats]
        wait = f" (none yet on {', '.join(missing)})" if missing else ""
        return [*lines, f"- The averages wait for paired items on all six tasks{wait}."]
    pooled = {s: report.strategy_stats(s, [r for t in TASKS for r in records[t][s]]) for s in VOTE_STRATEGIES}
    gaps = [f"{a} − {b} = {100 * (_mean_accuracy(stats, a) - _mean_accuracy(stats, b)):+.0f} points"
            for a, b in (("tool@5", "cot@5"), ("tool@5", "tool"))]
    return [
        *lines,
        f"- **average of the six tasks**: {', '.join(gaps)} (plain means of the per-task accuracies). "
        f"Pooled over their {pooled['tool@5'].n} items: {_verdict(pooled['tool@5'], pooled['cot@5'])}; "
        f"{_verdict(pooled['tool@5'], pooled['tool'])}.",
    ]


def _bin_cell(bin_: AgreementBin | None) -> str:
    """Accuracy in a bin with its counts, e.g. ``80% (12/15)``; "–" for an empty bin."""
    if bin_ is None or not bin_.n:
        return "–"
    return f"{100 * bin_.correct / bin_.n:.0f}% ({bin_.correct}/{bin_.n})"


def calibration_table(records: VoteRecords) -> list[str]:
    """Accuracy by how far the candidates agreed (``report.agreement_bin``'s bins) for each
    voting strategy: all tasks pooled, then per task."""
    scopes = [("**all tasks**", [r for by in records.values() for rs in by.values() for r in rs])]
    scopes += [(task, [r for rs in by.values() for r in rs]) for task, by in records.items()]
    lines = ["| items | strategy | n | " + " | ".join(report.AGREEMENT_BINS) + " |",
             "|---|---|---|" + "---|" * len(report.AGREEMENT_BINS)]
    for label, scope in scopes:
        for s in VOTED:
            voted = [r for r in scope if r.strategy == s and r.agreement is not None]
            if not voted:
                continue
            bins = report.strategy_stats(s, voted).by_agreement
            cells = [_bin_cell(bins.get(name)) for name in report.AGREEMENT_BINS]
            lines.append(f"| {label} | {s} | {len(voted)} | " + " | ".join(cells) + " |")
    return lines


def seconds_table(records: VoteRecords) -> list[str]:
    """Median seconds per sample, per task and strategy, on the paired items."""
    lines = ["| task | " + " | ".join(VOTE_STRATEGIES) + " |", "|---|" + "---|" * len(VOTE_STRATEGIES)]
    for task, by in records.items():
        cells = [f"{statistics.median(r.seconds for r in by[s]):.1f}" if s in by else "–" for s in VOTE_STRATEGIES]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return lines


def votes_section(runs_dir: Path, page_dir: Path) -> list[str]:
    """The third phase's section: five candidates a question, voted, against one chain of
    thought and one program on the same items; empty until some item is paired."""
    vote_runs, records = vote_records(runs_dir)
    if not records:
        return []
    stats = vote_stats(records)
    done = sum(len(rs) for *_, rs in vote_runs)
    expected = sum(limit * len(tasks) * len(strategies) for tasks, strategies, limit in VOTE_RUNS.values())
    sessions = _sessions([header for _, _, header, _ in vote_runs])
    out = ["## Votes: five candidates a question", ""]
    if done < expected:
        out += [f"> **Preview: {done} of {expected} voting samples so far.** The votes run is resumable and "
                "continues; numbers on a partial run move as items are added.", ""]
    out += [
        f"`cot@5` writes up to five chains of thought (the first greedy, the others sampled at temperature "
        f"{VOTE_TEMPERATURE}) and takes the most common stated answer (self-consistency); `tool@5` writes up "
        "to five candidate programs, runs them and votes on their results. Both stop drawing once the vote "
        "is settled, so an item can have fewer than five candidates. They ran on the same seeded items as "
        f"the sections above, in run directories of their own (logs: {log_links(vote_runs, page_dir)}): "
        f"{done} of {expected} samples, {_duration(sum(s.seconds for s in sessions))} of compute"
        + (", still running when this page was generated" if any(s.status == "running" for s in sessions) else "")
        + ".",
        "",
        "Each row pairs the items answered by all four strategies: `cot` and `tool` from the task's run "
        "above, `cot@5` and `tool@5` from the votes run. math500's run above has no `cot`, so its `cot` "
        "comes from the votes run, which adds a single chain of thought for it; math500 (30 items) is "
        "not in the average.",
        "",
        *votes_table(stats),
        "",
        "95% Wilson intervals in brackets"
        + ("; the average is the plain mean of the six tasks' accuracies." if _averaged(stats) else "."),
        "",
        *vote_findings(stats, records),
        "",
        "### Accuracy by agreement",
        "",
        "Agreement is the share of the votes that went to the chosen answer: *all agree* (every vote), "
        "*majority* (more than half) or *split* (half or less). A vote whose agreement tracks its "
        "accuracy tells when to trust an answer.",
        "",
        *calibration_table(records),
        "",
        "### Seconds per sample",
        "",
        "Median seconds per sample on the paired items (the single `cot` and `tool` samples come from "
        "the earlier runs, on the same shared CPU under different contention).",
        "",
        *seconds_table(records),
        "",
        *pooled_section(runs_dir, page_dir),
        *auto_section(runs_dir, page_dir),
    ]
    return out


def auto_section(runs_dir: Path, page_dir: Path) -> list[str]:
    """``tool@5`` with candidates from the router's close runner-up too (``votes-auto``)
    against ``tool@5`` from the routed backend alone (``votes-math``), on the same items;
    empty until one is in both."""
    runs = load_runs(runs_dir, ["votes-math", AUTO_RUN])
    if len(runs) < 2:
        return []
    alone = {(r.task, r.id): r for r in runs[0][3] if r.strategy == "tool@5"}
    auto = [r for r in runs[1][3] if r.strategy == "tool@5" and (r.task, r.id) in alone]
    if not auto:
        return []
    lines = ["| task | n | tool@5, routed backend | tool@5, auto | items voting across two backends "
             "| right on those, routed → auto | right on the others, routed → auto | median s, routed → auto |",
             "|---|---|---|---|---|---|---|---|"]
    for task in dict.fromkeys(r.task for r in auto):
        mine = [r for r in auto if r.task == task]
        theirs = [alone[(r.task, r.id)] for r in mine]
        two = {r.id for r in mine if len({c.backend for c in r.candidates}) > 1}

        def right(records: list[SampleRecord], across: bool, two: set[str] = two) -> int:
            return sum(r.correct for r in records if (r.id in two) == across)

        seconds = [statistics.median(r.seconds for r in rs) for rs in (theirs, mine)]
        lines.append(
            f"| {task} | {len(mine)} | {_cell(report.strategy_stats('tool@5', theirs))} "
            f"| {_cell(report.strategy_stats('tool@5', mine))} | {len(two)} "
            f"| {right(theirs, True)} → {right(mine, True)} of {len(two)} "
            f"| {right(theirs, False)} → {right(mine, False)} of {len(mine) - len(two)} "
            f"| {seconds[0]:.1f} → {seconds[1]:.1f} |")
    return [
        "### Candidates from two backends",
        "",
        "`--vote-backends auto` adds the router's runner-up backend to a vote when its score is at least "
        "half the chosen one's: that backend's greedy program, then sampled programs from both in turn. "
        "This run (log: " + log_links(runs[1:], page_dir) + ") answers the same items as `tool@5` "
        "from the routed backend alone in `votes-math`. The items where the vote drew from two "
        "backends are counted apart: on the others both runs voted over the routed backend's programs, "
        "and differ only by sampling and by the code between the runs (the greedy program joined the "
        "batch; sampled candidates are no longer repaired), which shows how far two runs of nearly "
        "the same settings drift.",
        "",
        *lines,
        "",
    ]


def pooled_section(runs_dir: Path, page_dir: Path) -> list[str]:
    """Five programs and five chains of thought in one vote (``votes-pooled``) against either
    alone (``votes-math``), on the items all three answered; empty until one is paired."""
    runs = load_runs(runs_dir, ["votes-math", POOLED_RUN])
    if len(runs) < 2:
        return []
    records = [r for *_, rs in runs for r in rs if r.task in POOLED_TASKS and r.strategy in POOLED_STRATEGIES]
    both = paired(records, POOLED_STRATEGIES)
    if not both:
        return []
    lines = ["| task | n | " + " | ".join(POOLED_STRATEGIES) + " | median s (" + POOLED + ") |",
             "|---|---|" + "---|" * (len(POOLED_STRATEGIES) + 1)]
    verdicts = []
    for task in POOLED_TASKS:
        by = {s: [r for r in both if r.task == task and r.strategy == s] for s in POOLED_STRATEGIES}
        if not by[POOLED]:
            continue
        stats = {s: report.strategy_stats(s, rs) for s, rs in by.items()}
        seconds = statistics.median(r.seconds for r in by[POOLED])
        lines.append(f"| {task} | {stats[POOLED].n} | " + " | ".join(_cell(stats[s]) for s in POOLED_STRATEGIES)
                     + f" | {seconds:.1f} |")
        verdicts.append(f"- **{task}**: {_verdict(stats[POOLED], stats['cot@5'])}; "
                        f"{_verdict(stats[POOLED], stats['tool@5'])}.")
    pooled = [r for r in both if r.strategy == POOLED]
    outcomes = [chains_when_open(r) for r in pooled]
    replayed, drawing = sum(ok for ok, _ in outcomes), sum(n > 0 for _, n in outcomes)
    counted = sum(r.correct for r in pooled)
    return [
        "### Programs and chains of thought in one vote",
        "",
        f"`{POOLED}` draws up to five programs and up to five chains of thought for a question and "
        "votes on all their answers together (programs first, so a tie goes to the greedy program); "
        "the programs stop once two agree, as in `tool@5`, and in this run the five chains were always "
        "drawn. Replaying the recorded `tool@5` and `cot@5` "
        "candidates (`python -m research.benchmarks.pooled_votes research/results/votes-math`) "
        "suggested that pooling beats either source; this is the live run "
        f"(log: {log_links(runs[1:], page_dir)}), on the items all three strategies answered.",
        "",
        *lines,
        "",
        *verdicts,
        "",
        "Since this run the pipeline draws the chains only when the programs left the vote open (they "
        "did not all agree), and counts them until the vote is settled, as it does any candidate. "
        "Replayed on this run's own draws (`python -m research.benchmarks.pooled_votes "
        f"research/results/votes-pooled`), that answers {replayed} of {len(pooled)} items right, against "
        f"{counted} with every chain counted, and writes chains for {drawing} of the {len(pooled)}.",
        "",
    ]


def rerun_section(runs_dir: Path, page_dir: Path) -> list[str]:
    """The fourth phase's section: each task's tool row against the same items answered again
    with the project's current defaults; empty until some item is in both."""
    reruns = load_runs(runs_dir, [RERUN])
    if not reruns:
        return []
    again = [r for r in reruns[0][3] if r.strategy == "tool"]
    lines = ["| task | n | tool (phase 1) | tool (rerun) | change | ran after repair | median s | median s, rerun "
             "| s ratio |", "|---|---|---|---|---|---|---|---|---|"]
    changes = []
    for task, _, _, records in load_runs(runs_dir, TASKS):
        newer = {r.id: r for r in again if r.task == task}
        older = [r for r in records if r.strategy == "tool" and r.id in newer]
        if not older:
            continue
        before = report.strategy_stats("tool", older)
        after = report.strategy_stats("tool", [newer[r.id] for r in older])
        old_s = statistics.median(r.seconds for r in older)
        new_s = statistics.median(newer[r.id].seconds for r in older)
        change = 100 * (after.accuracy - before.accuracy)
        changes.append(change)
        ran = f"{100 * (before.executable_rate or 0):.0f}% → {100 * (after.executable_rate or 0):.0f}%"
        lines.append(f"| {task} | {before.n} | {_cell(before)} | {_cell(after)} | {change:+.0f} | {ran} "
                     f"| {old_s:.1f} | {new_s:.1f} | {new_s / old_s:.2f} |")
    if not changes:
        return []
    return [
        "## The tool rows again, with today's defaults",
        "",
        "The results run above was written on 2026-11-30. Since then the example files grew into a "
        "library (the first four of each file, the ones a prompt shows, stayed, but for one of sympy's), "
        "the rules router gained structural cues, answers are checked before they are returned, and "
        "looping replies are cut while written. The same items, tool strategy, answered again "
        f"(`PHASES=4 {RUN_COMMAND}`, log: {log_links(reruns, page_dir)}):",
        "",
        *lines,
        "",
        f"Largest drop: {-min(changes):.0f} points" if min(changes) < 0 else "No task dropped.",
        "",
    ]


def other_families(runs_dir: Path, page_dir: Path) -> list[str]:
    """The second phase's section: the backends the six tasks leave out, direct against tool."""
    runs = load_runs(runs_dir, OTHER_TASKS)
    summary = paired_summary(runs_dir, runs, OTHER_STRATEGIES)
    if summary is None:
        return []
    done = sum(len(records) for *_, records in runs)
    expected = OTHER_LIMIT * len(OTHER_TASKS) * len(OTHER_STRATEGIES)
    return [
        "## The other backend families: SymPy and SAT",
        "",
        f"The six tasks above route to Python, Prolog and SMT. The run's second phase covers SymPy "
        f"(`math500`, LaTeX answers) and SAT (`sudoku`) with {OTHER_LIMIT} items each, direct against "
        f"tool only ({done} of {expected} samples so far; logs: {log_links(runs, page_dir)}).",
        "",
        report.to_markdown(report.rows_for([("results", summary)])),
    ]


OPEN_RUNS = {"open": "as frozen", "open-first-k": "today's defaults", "open-retrieve": "defaults + retrieval"}
"""The open set's run directories (research/run_open.sh) and what each measures."""


def open_section(runs_dir: Path, page_dir: Path) -> list[str]:
    """The open problem set: accuracy per strategy and run, then per problem type."""
    columns: dict[str, list[SampleRecord]] = {}
    links = []
    for name, label in OPEN_RUNS.items():
        if not (runs_dir / name / "header.json").is_file():
            continue
        _, records = load_run(runs_dir / name)
        links.append(f"[{name}]({_relative(runs_dir / name / 'samples.jsonl', page_dir)})")
        for record in records:
            columns.setdefault(f"{record.strategy} ({label})", []).append(record)
    if not columns:
        return []
    out = ["## The open problem set", "",
           f"`reasoner eval open` (168 questions of 21 kinds, `evals/data/open.jsonl`), run by "
           f"`research/run_open.sh` (logs: {', '.join(links)}); runs still going count the items done so far.", "",
           "| strategy | n | accuracy | programs ran after repair | router acc. | median s |",
           "|---|---|---|---|---|---|"]
    for column, records in columns.items():
        stats = report.strategy_stats(records[0].strategy, records)
        ran, routed = stats.executable_rate, stats.router_accuracy
        median = statistics.median(r.seconds for r in records)
        out.append(f"| {column} | {stats.n} | {_cell(stats)} | {'–' if ran is None else f'{100 * ran:.0f}%'} "
                   f"| {'–' if routed is None else f'{100 * routed:.0f}%'} | {median:.1f} |")
    out += open_tool_pairs(columns)
    types = sorted({item_type(r.id) for records in columns.values() for r in records})
    out += ["", "Per problem type (right / answered):", "",
            "| type | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for kind in types:
        cells = []
        for records in columns.values():
            mine = [r for r in records if item_type(r.id) == kind]
            cells.append(f"{sum(r.correct for r in mine)}/{len(mine)}" if mine else "–")
        out.append(f"| {kind} | " + " | ".join(cells) + " |")
    return ["", *out, ""]


def open_tool_pairs(columns: dict[str, list[SampleRecord]]) -> list[str]:
    """The tool columns (and cot) compared on the items every one of them answered, so that
    runs at different stages compare on the same questions."""
    compared = {c: rs for c, rs in columns.items() if rs[0].strategy in ("cot", "tool")}
    if sum(rs[0].strategy == "tool" for rs in compared.values()) < 2:
        return []
    ids = set.intersection(*({r.id for r in rs} for rs in compared.values()))
    if not ids:
        return []
    cells = []
    for column, records in compared.items():
        mine = [r for r in records if r.id in ids]
        median = statistics.median(r.seconds for r in mine)
        cells.append(f"{column} {100 * sum(r.correct for r in mine) / len(mine):.0f}% ({median:.1f} s median)")
    items = f"{len(ids)} item" + ("s" if len(ids) != 1 else "")
    return ["", f"On the {items} all of them answered: " + ", ".join(cells) + "."]


def _relative(path: Path, start: Path) -> str:
    """``path`` as a link from a page in ``start`` (relative, so it works on any clone)."""
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def _commands() -> str:
    return "\n".join([
        "## How to reproduce", "",
        "The run (resumable: run it again after an interruption and it continues):", "",
        "```sh", RUN_COMMAND, "```", "",
        "which runs, for each TASK in " + ", ".join(TASKS) + ":", "",
        "```sh", TASK_COMMAND, "```", "",
        "then, for each TASK in " + ", ".join(OTHER_TASKS) + ", the same with "
        f"`--strategy {','.join(OTHER_STRATEGIES)} --limit {OTHER_LIMIT}`;",
        "and this page:", "", "```sh", PAGE_COMMAND, "```", "",
        "The votes (five candidates a question: `cot@5` and `tool@5` on the same items, in "
        + ", ".join(f"`research/results/{d}` ({', '.join(VOTE_RUNS[d][0])})" for d in VOTE_RUNS)
        + ") are the script's third phase, started on their own; the page shows them once rebuilt:", "",
        "```sh", VOTES_COMMAND, "```", "",
        f"The pooled vote (`research/results/{POOLED_RUN}`) is part of that phase; the tool rows "
        f"answered again with today's defaults (`research/results/{RERUN}`) are its fourth:", "",
        "```sh", f"PHASES=4 {RUN_COMMAND}", "```", "",
        "Compare or rescore any run directory with `reasoner compare DIR...` and `reasoner rescore DIR`.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=Path, default=Path("research/results"))
    parser.add_argument("--out", type=Path, default=Path("docs/results.md"))
    parser.add_argument("--plot", type=Path, default=None, help="default: results.png beside --out")
    parser.add_argument("--discussion", type=Path, default=Path("docs/results-discussion.md"),
                        help="a hand-written paragraph placed after the generated verdicts, if the file exists")
    args = parser.parse_args()
    plot = args.plot or args.out.with_name("results.png")
    page = build(args.runs, plot, args.out.parent, args.discussion)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page)
    print(f"wrote {args.out} ({datetime.now():%H:%M})")


if __name__ == "__main__":
    main()
