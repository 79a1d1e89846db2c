"""Replies that loop until the token limit: how often, how well they are spotted, what resampling gains.

    python -m research.benchmarks.runaway_replies research/results/*/samples.jsonl

reads the tool attempts an eval recorded (through ``evals.run.load_run`` on the file's run
directory, so ``header.json`` must be beside it) and prints, per file, how many replies were cut
off (an unclosed code fence: the reply ended inside its program), how many of those
``repeats_itself`` calls a loop, and, as the check against false alarms, how many of the
complete replies it flags when cut at every 25th character from the 200th on (a
legitimately long program stopped by the limit looks like that). A second table shows what
the attempt after a runaway did (looped again, ran, failed otherwise), from the runs and from
an earlier ``--rerun``'s ``--out`` file if it exists.

    python -m research.benchmarks.runaway_replies research/results/*/samples.jsonl --cut

adds what cutting replies while they are written (``GenerateOptions.cut_loops``, the same
rule checked after every token) would have done to the recorded replies, in the default
model's tokens: for each looping reply, the tokens written before the cut and before the
loop began; for every complete reply, whether it would have been cut anywhere.

    python -m research.benchmarks.runaway_replies research/results/proofwriter/samples.jsonl \\
        --rerun --out runaway_rerun.jsonl [--data-dir ../shared/datasets]

then answers every tool sample that had a looping attempt again, twice, with the run's
own settings (model, k, seed, attempts, from ``header.json``): once with the pipeline as
it is (a looping reply is not run; a fresh program is sampled from the original prompt)
and once with loop detection switched off (the cut-off program runs and goes back for
repair, as before). Both arms run in one process, their order alternating per item: greedy
decoding was not repeatable across runs here (rerun, the first looping ProofWriter item's
first reply left the recorded one after 424 characters and did not loop), so the old run
is shown beside them but is not the comparison.
One JSON line per answered sample and arm goes to ``--out``; rerun the command to resume.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from unittest.mock import patch

import click
from rich.console import Console
from rich.table import Table

from evals.records import RunHeader, SampleRecord
from evals.run import load_run, run_one
from evals.strategies import Context, Tool
from evals.tasks import get_task
from reasoner.extraction import LOOP_MIN_CHARS, repeating_period, repeats_itself
from reasoner.models import default_model_spec, get_model
from reasoner.models.loops import LoopCut
from reasoner.pipeline import Reasoner
from reasoner.types import Attempt
from research.routing.labelled import resolve_data_dir

CUT_STEP = 25
FIRST_CUT = 200

console = Console()


@click.command()
@click.argument("samples", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rerun", is_flag=True, help="Answer the samples with a looping attempt again, with the model.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("runaway_rerun.jsonl"),
              show_default=True, help="Where --rerun appends its samples (and resumes from).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--cut", is_flag=True, help="Replay the replies token by token with loops cut while written.")
@click.option("--model", default=None, help="Whose tokens --cut counts (default: the catalog default).")
def cli(samples: tuple[Path, ...], rerun: bool, out: Path, data_dir: Path | None, cut: bool,
        model: str | None) -> None:
    table = Table(title="Tool replies: cut off, looping, and false alarms on complete replies")
    for column in ("run", "replies", "cut off", "flagged as loops", "complete", "cut points", "false alarms"):
        table.add_column(column, justify="left" if column == "run" else "right")
    runs = {path: load_run(path.parent) for path in samples}  # the run directory holds header.json
    for path, (_, records) in runs.items():
        replies = [a.completion for r in records for a in r.attempts]
        cut_off = [text for text in replies if text.count("```") % 2 == 1]
        complete = [text for text in replies if text.count("```") % 2 == 0]
        cuts = [text[:end] for text in complete for end in range(FIRST_CUT, len(text), CUT_STEP)]
        table.add_row(path.parent.name, str(len(replies)), str(len(cut_off)), str(sum(map(repeats_itself, cut_off))),
                      str(len(complete)), str(len(cuts)), str(sum(map(repeats_itself, cuts))))
    console.print(table)
    followed = {path.parent.name: records for path, (_, records) in runs.items()}
    if out.exists():  # an earlier --rerun's pipeline arm counts too
        followed[f"{out.name} (resampled arm)"] = [r for arm, r in _rerun_samples(out) if arm == "resampled"]
    console.print(after_runaway(followed))
    if cut:
        replay_with_cut([text for _, records in runs.values() for r in records for text in
                         (a.completion for a in r.attempts)], model)
    if rerun:
        for path, (header, records) in runs.items():
            rerun_looping(path.parent.name, header, records, out, resolve_data_dir(data_dir))


ARMS = ("resampled", "repaired")
"""How the rerun treats a looping reply: the pipeline as it is (a fresh sample from the
original prompt), or as before (the cut-off program is run and goes back for repair)."""


def rerun_looping(
    name: str, header: RunHeader, records: list[SampleRecord], out: Path, data_dir: Path
) -> None:
    """The run's tool samples with a looping attempt, answered again in both arms."""
    looping = [r for r in records if r.strategy.startswith("tool")
               and any(repeats_itself(a.completion) for a in r.attempts)]
    done = {(arm, sample.task, sample.id): sample for arm, sample in _rerun_samples(out)} if out.exists() else {}
    todo = [(number, r) for number, r in enumerate(looping)
            if any((arm, r.task, r.id) not in done for arm in ARMS)]
    if todo:
        items = {}
        for task in {r.task for _, r in todo}:
            items.update({(task, item.id): item for item in get_task(task).load(data_dir).items})
        model = get_model(header.model.get("catalog") or header.model["id"], header.model_options)
        reasoner = Reasoner(model=model, shots=header.shots, max_attempts=header.max_attempts,
                            router=header.pipeline.get("router", "rules"),
                            fallback=header.pipeline.get("fallback", "direct"))
        ctx = Context(reasoner=reasoner, shots=header.shots, seed=header.seed)
        for number, record in todo:
            # Alternate which arm goes first, so neither always follows the other in the cache.
            for arm in ARMS if number % 2 == 0 else ARMS[::-1]:
                if (arm, record.task, record.id) in done:
                    continue
                backend = record.strategy.partition(":")[2] or None
                item = items[(record.task, record.id)]
                if arm == "resampled":
                    again = run_one(record.task, item, Tool(backend), ctx)
                else:
                    with patch("reasoner.pipeline.repeats_itself", return_value=False):
                        again = run_one(record.task, item, Tool(backend), ctx)
                with out.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"arm": arm, "sample": again.model_dump(mode="json")}) + "\n")
                done[(arm, again.task, again.id)] = again
                console.print(f"{record.id} {arm}: {verdict(again)}", highlight=False)
    table = Table(title=f"{name}: tool samples with a looping attempt, answered again")
    for column in ("id", "in the run", *ARMS):
        table.add_column(column)
    for record in looping:
        table.add_row(record.id, verdict(record), *(verdict(done[(arm, record.task, record.id)]) for arm in ARMS))
    counts = [sum(r.correct for r in looping)]
    counts += [sum(done[(arm, r.task, r.id)].correct for r in looping) for arm in ARMS]
    table.add_row("right", *(f"{n}/{len(looping)}" for n in counts))
    seconds = [statistics.median(done[(arm, r.task, r.id)].seconds for r in looping) for arm in ARMS]
    table.add_row("median s", "", *(f"{s:.1f}" for s in seconds))
    console.print(table)


def _rerun_samples(out: Path) -> list[tuple[str, SampleRecord]]:
    """(arm, sample) of every line ``--rerun`` wrote to ``out``."""
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [(entry["arm"], SampleRecord.model_validate(entry["sample"])) for entry in entries]


def replay_with_cut(replies: list[str], model_spec: str | None) -> None:
    """Where the loop cut stops each recorded reply, fed one token at a time."""
    model = get_model(model_spec or default_model_spec())
    try:
        looping = [r for r in replies if r.count("```") % 2 == 1 and repeats_itself(r)]
        complete = [r for r in replies if r.count("```") % 2 == 0]
        cut_at = [tokens_until_cut(model.token_pieces(reply)) for reply in looping]
        onsets = [len(model.token_pieces(reply[: loop_onset(reply)])) for reply in looping]
        false_cuts = sum(tokens_until_cut(model.token_pieces(reply)) is not None for reply in complete)
    finally:
        model.close()
    written = [n for n in cut_at if n is not None]
    table = Table(title="Loops cut while written (the default model's tokens)")
    for column in ("looping replies", "median tokens before the cut", "median tokens before the loop began",
                   "never cut", "complete replies", "complete replies cut"):
        table.add_column(column, justify="right")
    table.add_row(str(len(looping)), f"{statistics.median(written):.0f}" if written else "-",
                  f"{statistics.median(onsets):.0f}" if onsets else "-", str(len(cut_at) - len(written)),
                  str(len(complete)), str(false_cuts))
    console.print(table)


def tokens_until_cut(pieces: list[str]) -> int | None:
    """How many of ``pieces`` a ``LoopCut`` takes before it cuts; None if it never does."""
    cut = LoopCut()
    return next((number for number, piece in enumerate(pieces, 1) if cut.add(piece)), None)


def loop_onset(text: str) -> int:
    """Where the repeating end of a looping reply begins (its shortest looping period)."""
    period = repeating_period(text)
    if period is None:
        return len(text)
    start = len(text) - max(2 * period, LOOP_MIN_CHARS)
    while start > 0 and text[start - 1] == text[start - 1 + period]:
        start -= 1
    return start


def after_runaway(runs: dict[str, list[SampleRecord]]) -> Table:
    """What the attempt after a runaway did (the pipeline resamples from the original prompt):
    whether resamples loop again is what a repetition penalty on them could fix."""
    table = Table(title="The attempt after a runaway (a fresh sample from the original prompt)")
    for column in ("run", "runaways followed by an attempt", "ran", "looped again", "other errors"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for name, records in runs.items():
        outcomes = [_outcome(r.attempts[i + 1]) for r in records for i in range(len(r.attempts) - 1)
                    if _outcome(r.attempts[i]) == "runaway"]
        if outcomes:
            table.add_row(name, str(len(outcomes)), str(outcomes.count("ok")), str(outcomes.count("runaway")),
                          str(len(outcomes) - outcomes.count("ok") - outcomes.count("runaway")))
    return table


def _outcome(attempt: Attempt) -> str:
    """'ok' or the attempt's error kind."""
    return "ok" if attempt.result.ok else str(attempt.result.error.kind if attempt.result.error else "?")


def verdict(record: SampleRecord) -> str:
    """'right'/'wrong', with each attempt's outcome and whether a fallback answered."""
    kinds = ",".join(_outcome(a) for a in record.attempts)
    fallback = " fallback" if record.fallback else ""
    return f"{'right' if record.correct else 'wrong'} ({kinds}){fallback}"


if __name__ == "__main__":
    cli()
