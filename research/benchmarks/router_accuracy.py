"""Router accuracy on the labelled set: per class, overall, and seconds per question.

    python -m research.benchmarks.router_accuracy                       # rules, model, auto; default model
    python -m research.benchmarks.router_accuracy --routers rules       # no model needed
    python -m research.benchmarks.router_accuracy --model qwen2.5-coder-0.5b --out /tmp/route.jsonl
    python -m research.benchmarks.router_accuracy --labels tests/data/route_labels_dev.yaml --groups folio,prontoqa

The labelled set (tests/data/route_labels.yaml, the test set; tune on
route_labels_dev.yaml) holds references into the shared datasets; --data-dir or
$REASONER_DATA_DIR points at them. When both the rules and the model routers ran,
the auto router's accuracy and cost are also shown for a range of thresholds,
computed from those two runs (auto = the rules' route when its confidence reaches
the threshold, else the model's).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

import fewshot
from backends import backend_names
from evals.tasks import get_task
from evals.tasks.open_set import item_type
from reasoner.cli.common import parse_model_options
from reasoner.models import ModelEngine, default_model_spec, get_model
from reasoner.routing import DIRECT, ROUTERS, AutoRouter, Route, Router, make_router
from reasoner.routing.rules import DEFAULT_THRESHOLD
from research.routing.labelled import DEFAULT_LABELS, LabelledQuestion, load_labelled, resolve_data_dir

console = Console()
CLASS_ORDER = ("python", "sympy", "prolog", "smt", "sat", DIRECT)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_router(router: Router, items: list[LabelledQuestion]) -> list[tuple[Route, float]]:
    """Each question's route and the seconds it took, with a progress line."""
    out: list[tuple[Route, float]] = []
    with console.status(f"routing with {router.name}") as status:
        for number, item in enumerate(items, 1):
            started = time.perf_counter()
            route = router.route(item.question, item.choices)
            out.append((route, time.perf_counter() - started))
            status.update(f"routing with {router.name}: {number}/{len(items)}")
            if not console.is_terminal and number % 10 == 0:
                console.print(f"{router.name}: {number}/{len(items)}", highlight=False)
    return out


def task_items(name: str, data_dir: Path | None) -> list[LabelledQuestion]:
    """An eval task's items with their gold routes, as labelled questions grouped by type."""
    loaded = get_task(name).load(data_dir if name == "open" else resolve_data_dir(data_dir), progress=False)
    return [
        LabelledQuestion(question=item.question, choices=item.choices, label=item.gold_route or DIRECT,
                         group=item_type(item.id), ref=f"{name}#{item.id}")
        for item in loaded.items
    ]


def example_items() -> list[LabelledQuestion]:
    """Every worked example of every backend, labelled with that backend."""
    return [
        LabelledQuestion(question=example.question, label=name, group=f"{name}/{example.type or '?'}",
                         ref=f"fewshot/{name}.yaml#{number}")
        for name in backend_names()
        for number, example in enumerate(fewshot.load(name))
    ]


def count_calls(engine: ModelEngine) -> Counter[str]:
    """Counts the engine's generations and hidden-state reads (the auto router's probe) from now on."""
    counts: Counter[str] = Counter()
    for method in ("generate", "last_hidden_state"):
        original = getattr(engine, method)

        def counted(*args: Any, _original: Any = original, _method: str = method, **kwargs: Any) -> Any:
            counts[_method] += 1
            return _original(*args, **kwargs)

        setattr(engine, method, counted)
    return counts


def accuracy(rows: list[tuple[LabelledQuestion, str]], key: str) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, predicted in rows:
        group = getattr(item, key)
        counts[group][0] += predicted == item.label
        counts[group][1] += 1
    return {group: (right, total) for group, (right, total) in counts.items()}


def summary_table(
    title: str, results: dict[str, list[tuple[Route, float]]], items: list[LabelledQuestion], key: str,
    calls: dict[str, Counter[str]],
) -> Table:
    """One row per class (or source), one column per router."""
    groups = list(dict.fromkeys(getattr(item, key) for item in items))
    if key == "label":
        groups.sort(key=lambda g: CLASS_ORDER.index(g) if g in CLASS_ORDER else len(CLASS_ORDER))
    per = {
        name: accuracy([(item, route.backend) for item, (route, _) in zip(items, runs, strict=True)], key)
        for name, runs in results.items()
    }
    table = Table(title=title)
    table.add_column(key if key == "group" else "class")
    table.add_column("n", justify="right")
    for name in results:
        table.add_column(name, justify="right")
    for group in groups:
        total = next(iter(per.values()))[group][1]
        table.add_row(group, str(total), *(f"{per[name][group][0] / total:.0%}" for name in results))
    table.add_section()
    table.add_row("overall", str(len(items)), *(
        f"[bold]{sum(r for r, _ in per[name].values()) / len(items):.1%}[/]" for name in results))
    table.add_row("s/question", "", *(f"{sum(s for _, s in runs) / len(runs):.3f}" for runs in results.values()))
    table.add_row("model calls", "", *(str(calls[name]["generate"]) for name in results))
    table.add_row("probe reads", "", *(str(calls[name]["last_hidden_state"]) for name in results))
    return table


def threshold_table(
    rules: list[tuple[Route, float]], model: list[tuple[Route, float]], items: list[LabelledQuestion],
) -> Table:
    table = Table(title="auto, simulated from the rules and model runs")
    for column in ("threshold", "accuracy", "s/question", "model calls"):
        table.add_column(column, justify="right")
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 1.01):
        right = calls = 0
        seconds = 0.0
        for item, (r_route, r_sec), (m_route, m_sec) in zip(items, rules, model, strict=True):
            seconds += r_sec
            chosen = r_route
            if r_route.confidence < threshold:
                chosen, calls, seconds = m_route, calls + 1, seconds + m_sec
            right += chosen.backend == item.label
        table.add_row(f"{threshold:.2f}", f"{right / len(items):.1%}", f"{seconds / len(items):.3f}", str(calls))
    return table


@click.command()
@click.option("--routers", default=",".join(ROUTERS), show_default=True, help="Comma-separated routers.")
@click.option("-m", "--model", default=None, help="Model for the model and auto routers (default: catalog default).")
@click.option("-M", "--model-option", "model_option", multiple=True, metavar="KEY=VALUE", help="Engine option.")
@click.option("--threshold", default=DEFAULT_THRESHOLD, show_default=True, help="The auto router's threshold.")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_LABELS)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The shared datasets directory (default: $REASONER_DATA_DIR or ../shared/datasets).")
@click.option("--groups", default=None, help="Comma-separated source groups to keep (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one JSON line per question and router.")
@click.option("--examples", "from_examples", is_flag=True,
              help="The worked examples as the labelled set (label: the backend whose file holds it; groups: "
                   "backend/type): the development set for rules meant for questions like the open set's.")
@click.option("--task", "task_name", default=None,
              help="An eval task whose items carry routes (e.g. open) instead of --labels; groups are "
                   "the open set's problem types.")
def cli(
    routers: str, model: str | None, model_option: tuple[str, ...], threshold: float, labels: Path,
    data_dir: Path | None, groups: str | None, out: Path | None, task_name: str | None, from_examples: bool,
) -> None:
    names = [name.strip() for name in routers.split(",") if name.strip()]
    unknown = sorted(set(names) - set(ROUTERS))
    if unknown:
        raise click.BadParameter(f"unknown router(s) {unknown}; known: {', '.join(ROUTERS)}", param_hint="--routers")
    if from_examples:
        items = example_items()
        labels = Path("fewshot examples")
    elif task_name:
        items = task_items(task_name, data_dir)
        labels = Path(task_name)
    else:
        items = load_labelled(labels, resolve_data_dir(data_dir))
    if groups:
        kept = {name.strip() for name in groups.split(",") if name.strip()}
        missing = sorted(kept - {item.group for item in items})
        if missing:
            raise click.BadParameter(f"no group(s) {missing} in {labels.name}", param_hint="--groups")
        items = [item for item in items if item.group in kept]
    engine: ModelEngine | None = None
    load_seconds = 0.0
    if any(name != "rules" for name in names):
        started = time.perf_counter()
        engine = get_model(model or default_model_spec(), parse_model_options(model_option))
        load_seconds = time.perf_counter() - started
    console.print(
        f"[bold]labelled set[/] {labels.name}: {len(items)} questions · "
        f"model {engine.id if engine else '-'} (loaded in {load_seconds:.1f} s, not counted) · "
        f"auto threshold {threshold} · commit {git_commit()}"
    )
    results: dict[str, list[tuple[Route, float]]] = {}
    calls: dict[str, Counter[str]] = {}
    counts = count_calls(engine) if engine else Counter()
    for name in names:
        router = AutoRouter(engine, threshold) if name == "auto" and engine else make_router(name, engine)
        counts.clear()
        results[name] = run_router(router, items)
        calls[name] = counts.copy()
    console.print(summary_table("router accuracy per class", results, items, "label", calls))
    console.print(summary_table("router accuracy per source", results, items, "group", calls))
    if "rules" in results and "model" in results:
        console.print(threshold_table(results["rules"], results["model"], items))
    if out:
        with out.open("w", encoding="utf-8") as handle:
            for name, runs in results.items():
                for item, (route, seconds) in zip(items, runs, strict=True):
                    handle.write(json.dumps({
                        "router": name, "ref": item.ref, "group": item.group, "label": item.label,
                        "route": route.model_dump(), "confidence": route.confidence, "seconds": seconds,
                        "correct": route.backend == item.label,
                    }) + "\n")
        console.print(f"per-question results: {out}")


if __name__ == "__main__":
    cli()
