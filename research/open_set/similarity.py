"""How close each worked example comes to a question it must not paraphrase.

    python -m research.open_set.similarity [--data-dir ../shared/datasets] [--top 10]

Compares every example question (``fewshot/*.yaml``: the programs' examples and the
worked chains of thought) with every question of the open
set and of the benchmark test splits the results page uses, by cosine similarity of
word counts weighted by inverse document frequency (over all the texts compared), and
prints the closest pairs and, per collection, the largest similarity. The examples were
written apart from the open set (by writers who were not shown it), so a high score
here would mean a shared template, not a copied item: read the pairs.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

import fewshot
from backends import backend_names
from evals.tasks import get_task
from evals.tasks.base import select
from reasoner.retrieval import words
from research.routing.labelled import resolve_data_dir

BENCHMARKS = ("gsm8k", "svamp", "gsm_system", "prontoqa", "proofwriter", "logical_deduction", "math500")


def vectors(texts: list[str]) -> list[dict[str, float]]:
    bags = [Counter(words(t)) for t in texts]
    df = Counter(w for bag in bags for w in bag)
    idf = {w: math.log(len(bags) / n) for w, n in df.items()}
    out = []
    for bag in bags:
        v = {w: c * idf[w] for w, c in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({w: x / norm for w, x in v.items()})
    return out


def example_questions() -> list[tuple[str, str]]:
    """(name, question) of every worked example a prompt may show: each backend's, and the
    chains of thought (``fewshot/chains.yaml``)."""
    programs = [(f"{name}#{i}", e.question) for name in backend_names() for i, e in enumerate(fewshot.load(name))]
    chains = [(f"chains.{pool}#{i}", c.question) for pool in fewshot.CHAIN_POOLS
              for i, c in enumerate(fewshot.chains(pool))]
    return programs + chains


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--top", default=10, show_default=True, help="Closest pairs to print.")
@click.option("--items", default=200, show_default=True, help="Items per benchmark (the eval's seeded order).")
def cli(data_dir: Path | None, top: int, items: int) -> None:
    examples = example_questions()
    others = [(f"open#{item.id}", item.question) for item in get_task("open").load().items]
    for task in BENCHMARKS:
        chosen = select(get_task(task).load(resolve_data_dir(data_dir), progress=False).items, 0, items)
        others += [(f"{task}#{item.id}", item.question) for item in chosen]
    vs = vectors([q for _, q in examples] + [q for _, q in others])
    ex_v, other_v = vs[: len(examples)], vs[len(examples):]
    pairs = []
    for (ex_id, ex_q), ev in zip(examples, ex_v, strict=True):
        best = max(range(len(others)), key=lambda j: cosine(ev, other_v[j]))
        pairs.append((cosine(ev, other_v[best]), ex_id, others[best][0], ex_q, others[best][1]))
    pairs.sort(reverse=True)
    console = Console()
    table = Table(title=f"The {top} examples closest to an open or benchmark question (cosine of tf-idf)")
    for column in ("cosine", "example", "nearest", "example question", "nearest question"):
        table.add_column(column)
    for score, ex_id, other_id, ex_q, other_q in pairs[:top]:
        table.add_row(f"{score:.2f}", ex_id, other_id, ex_q[:70], other_q[:70])
    console.print(table)
    by_collection: dict[str, float] = {}
    for score, _, other_id, _, _ in pairs:
        name = other_id.split("#")[0]
        by_collection[name] = max(by_collection.get(name, 0.0), score)
    console.print("largest similarity per collection (over every example's nearest): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in sorted(by_collection.items())))


if __name__ == "__main__":
    cli()
