"""``reasoner eval``, ``reasoner merge``, ``reasoner rescore`` and ``reasoner compare``: the eval harness's commands."""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from evals import report
from evals.data import DATA_DIR_ENV
from evals.run import EvalConfig, EvalError, rescore, run_eval, summaries_for
from evals.shards import merge_shards, parse_shard
from evals.tasks import task_names
from reasoner.cli.app import main
from reasoner.cli.common import (
    err_console,
    fail,
    model_options,
    parse_model_options,
    parse_vote_backends,
    sigterm_as_interrupt,
    user_errors,
    vote_backends_option,
)
from reasoner.models import default_model_spec
from reasoner.pipeline import FALLBACKS, Fallback


@contextmanager
def eval_errors() -> Iterator[None]:
    with user_errors():
        try:
            yield
        except (EvalError, ImportError) as exc:
            fail(str(exc))


def default_out(
    tasks: tuple[str, ...], model: str | None, seed: int, limit: int | None, shard: tuple[int, int] | None = None,
) -> Path:
    """A name fixed by the command's arguments, so rerunning the command resumes the run."""
    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60]

    parts = [slug((model or default_model_spec()).split("/")[-1]), slug("+".join(tasks)), f"seed{seed}"]
    if limit is not None:
        parts.append(f"n{limit}")
    if shard is not None:
        parts.append(f"shard{shard[0]}of{shard[1]}")
    return Path("runs") / "_".join(parts)


@main.command("eval")
@click.argument("tasks", nargs=-1, required=True)
@click.option("-s", "--strategy", "strategies", default="direct,cot,tool",
              help="Comma-separated: direct, cot, tool (routed), tool:<backend> (forced); cot@N (self-consistency) "
                   "and tool@N, tool:<backend>@N vote over N candidates.")
@click.option("-n", "--limit", type=int, default=None,
              help="Items per task, drawn by a seeded shuffle (a fair subset). Default: all.")
@click.option("--seed", default=0, show_default=True, help="Seed of the shuffle and of sampling.")
@model_options
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run directory; rerun the same command to resume. Default: runs/<model>_<tasks>_seed<S>[_n<N>].")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=DATA_DIR_ENV,
              show_envvar=True, default=None,
              help="Directory holding the benchmark files (else the cache, else a verified download).")
@click.option("-k", "--shots", default=4, show_default=True, help="Worked examples per prompt, for every strategy.")
@click.option("--retrieve", "retrieved", default=0, show_default=True,
              help="Of the -k examples of a program prompt, how many are chosen per question (the nearest "
                   "by BM25) instead of fixed.")
@click.option("--max-attempts", default=3, show_default=True, help="Programs per question for tool strategies.")
@click.option("--fallback", type=click.Choice(FALLBACKS), default="direct", show_default=True,
              help="Tool strategies, when no program of the routed backend works: Python programs then a "
                   "direct answer, a direct answer, or none.")
@vote_backends_option
@click.option("--max-connections", default=4, show_default=True,
              help="Samples in flight for server engines (openai/...); local engines run one at a time.")
@click.option("--shard", "shard_text", metavar="I/N", default=None,
              help="Answer only shard I of N: item k of each task's selection (after --limit and --seed) when "
                   "k mod N = I-1. Run 1/N ... N/N on N machines, then join them with `reasoner merge`.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
def eval_command(
    tasks: tuple[str, ...], strategies: str, limit: int | None, seed: int, model: str | None,
    model_option: tuple[str, ...], out: Path | None, data_dir: Path | None, shots: int, max_attempts: int,
    max_connections: int, quiet: bool, retrieved: int, shard_text: str | None, fallback: Fallback,
    vote_backends: str | None,
) -> None:
    """Evaluate strategies on TASKS (built in: see below; or jsonl:PATH), logging every sample.

    \b
    Tasks: {tasks}

    Writes OUT/header.json, OUT/samples.jsonl (one line per item and strategy) and
    OUT/summary.json, then prints the accuracy table.
    """
    if max_connections < 1:
        fail("--max-connections must be at least 1")
    if not 0 <= retrieved <= shots:
        fail(f"--retrieve must be between 0 and --shots ({shots})")
    shard = None
    if shard_text is not None:
        try:
            shard = parse_shard(shard_text)
        except ValueError as exc:
            fail(str(exc))
    out = out or default_out(tasks, model, seed, limit, shard)
    config = EvalConfig(
        tasks=list(tasks), strategies=[strategies], out=out, limit=limit, seed=seed, shots=shots,
        max_attempts=max_attempts, model=model, model_options=parse_model_options(model_option),
        data_dir=data_dir, max_connections=max_connections, argv=["reasoner", *sys.argv[1:]],
        retrieved_examples=retrieved, shard=shard, fallback=fallback,
        vote_backends=parse_vote_backends(vote_backends),
    )
    try:
        with eval_errors(), sigterm_as_interrupt():
            result = run_eval(config, console=err_console, progress=not quiet)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished samples are saved in {out}; rerun the same command to resume",
                          highlight=False)
        sys.exit(130)
    if result.summary.tasks:
        click.echo(report.render([(str(result.run_dir), result.summary)], "md"))
    else:  # a shard whose slice is empty: more shards than items
        err_console.print(f"shard {shard_text} holds no items of this selection" if shard_text
                          else "the run holds no samples", highlight=False)
    err_console.print(
        f"{result.written} samples written, {result.skipped} already done, {result.errors} with errors; "
        f"run directory: {result.run_dir}", highlight=False,
    )


eval_command.help = (eval_command.help or "").replace(
    "{tasks}", "\n    ".join(textwrap.wrap(", ".join(task_names()), 70))
)


@main.command("merge")
@click.argument("shard_dirs", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="The merged run directory; must not exist yet, or be empty.")
def merge_command(shard_dirs: tuple[Path, ...], out: Path) -> None:
    """Join the run directories of `reasoner eval --shard 1/N` ... `N/N` into one run directory.

    Refuses, writing nothing, unless the shards share their settings (model, options, seed,
    shots, attempts, pipeline, sampling, limit, strategies, data), each of 1..N is given once,
    no sample is in two of them and none is missing.
    """
    with eval_errors():
        result = merge_shards(list(shard_dirs), out)
    click.echo(report.render([(str(result.run_dir), result.summary)], "md"))
    err_console.print(f"merged {result.shards} shards, {result.samples} samples, into {result.run_dir}",
                      highlight=False)


@main.command("rescore")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def rescore_command(run_dir: Path) -> None:
    """Re-extract and re-score RUN_DIR's samples with the current scorers; no model needed."""
    with eval_errors():
        result = rescore(run_dir)
    click.echo(report.render([(str(result.run_dir), result.summary)], "md"))
    err_console.print(f"rescored {result.samples} samples, {result.changed} changed; "
                      f"updated {run_dir / 'samples.jsonl'} and summary.json", highlight=False)


@main.command("compare")
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="md", show_default=True)
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw accuracy per task and strategy as grouped bars into this PNG.")
def compare_command(run_dirs: tuple[Path, ...], fmt: str, plot: Path | None) -> None:
    """Accuracy (95% CI), executable rate, router accuracy, seconds and tokens per task, per run."""
    with eval_errors():
        summaries = summaries_for(list(run_dirs))
        click.echo(report.render(summaries, fmt).rstrip("\n"))
        if plot is not None:
            written = report.plot(summaries, plot)
            err_console.print(f"plot written to {written}", highlight=False)
