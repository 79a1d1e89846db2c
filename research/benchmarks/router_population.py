"""How the rules router routes whole benchmark files, not just the labelled sample.

    python -m research.benchmarks.router_population [--data-dir ../shared/datasets]
    python -m research.benchmarks.router_population --dev                 # the pools router cues are tuned on
    python -m research.benchmarks.router_population --gsm-system-references

The labelled test set draws 10 or 20 items per source; at that size one item is
1 to 2 points of overall accuracy. The default mode routes every item of each
group's pool (the whole file; MATH-500: the Algebra problems) except the
development set's items, and prints each group's accuracy and an overall figure
weighted as the labelled set is (its per-group counts; its inline ``direct``
questions as measured on themselves): what the labelled set's accuracy would be
on average over its seeded draws. Tuning caveat: the GSM-Sys pool is almost all
development data (every item not in the test set), and the first rules were
written with the test set's items in view.

``--gsm-system-references`` splits GSM-Sys by its GSM8K reference solution
(whether the annotator's solution names a variable: "Let x be", "x = ", "3x"),
which shows which GSM-Sys problems the question text alone can tell apart. No
model is needed for any mode.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from reasoner.routing import RulesRouter
from research.routing.labelled import (
    DEFAULT_LABELS,
    DEV_LABELS,
    load_label_file,
    load_labelled,
    pool,
    read_records,
    resolve_data_dir,
    source,
)

GSM_SYSTEM_FILE = "satlm_algebra/gsm_system.json"
NAMES_A_VARIABLE = re.compile(r"\b(?:let|if) [a-z]\b|\b[a-z] ?= |\b\d+[a-z]\b(?!\w)", re.IGNORECASE)
"""A GSM8K reference solution that works with an unknown: "Let x be", "x = 5", "3x"."""

console = Console(width=None if sys.stdout.isatty() else 110)
"""Wide enough for the tables when piped to a file."""


def population_table(data_dir: Path, router: RulesRouter) -> Table:
    """Each group's accuracy over its pool, and the overall figure weighted like the labelled set."""
    spec = load_label_file(DEFAULT_LABELS)
    dev = {(group.file, item) for group in load_label_file(DEV_LABELS).groups for item in group.items}
    table = Table(title="rules router over whole pools (development items left out)")
    for column in ("group", "label", "pool", "routed right", "other routes", "n in test set"):
        table.add_column(column, justify="left" if column in ("group", "label", "other routes") else "right")
    expected = 0.0
    total = 0
    for group in spec.groups:
        if group.items:
            path, read = source(group, data_dir)
            questions = [read(path, item, group) for item in pool(group, data_dir) if (group.file, item) not in dev]
            weight = len(group.items)
        else:  # inline questions: only the labelled ones exist
            questions = [(item.question, item.choices) for item in load_labelled(DEFAULT_LABELS, data_dir)
                         if item.group == group.name]
            weight = len(questions)
        routes = Counter(router.route(question, choices).backend for question, choices in questions)
        rate = routes[group.label] / len(questions)
        expected += rate * weight
        total += weight
        others = ", ".join(f"{label} {count}" for label, count in routes.most_common() if label != group.label)
        table.add_row(group.name, group.label, str(len(questions)), f"{rate:.1%}", others or "-", str(weight))
    table.add_section()
    table.add_row("weighted", "", "", f"[bold]{expected / total:.1%}[/]", f"{expected:.1f} of {total} expected", "")
    return table


def dev_pools(data_dir: Path) -> list[tuple[str, list[str], str]]:
    """Where router cues are tuned: GSM-Sys without the test set's items, and GSM8K train
    without the problems GSM-Sys took from it (so no question carries both labels)."""
    records = read_records(data_dir / GSM_SYSTEM_FILE, "json")
    in_test = {item for group in load_label_file(DEFAULT_LABELS).groups if group.name == "gsm_system"
               for item in group.items}
    gsm_system = [x["question"] for x in records if x["id"] not in in_test]
    taken = {x["id"] for x in records}
    gsm8k_train = read_records(data_dir / "gsm8k/train.jsonl", "jsonl")
    train = [x["question"] for index, x in enumerate(gsm8k_train) if f"train-{index}" not in taken]
    return [("dev gsm_system", gsm_system, "sympy"), ("dev gsm8k train", train, "python")]


def gsm_system_references(data_dir: Path, router: RulesRouter) -> Table:
    """GSM-Sys routes split by whether the GSM8K reference solution names a variable.

    GSM-Sys ids are GSM8K ids ("train-267", "test-88"), so each problem's reference
    solution is the GSM8K record's answer.
    """
    splits = {split: read_records(data_dir / f"gsm8k/{split}.jsonl", "jsonl") for split in ("train", "test")}
    counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for record in read_records(data_dir / GSM_SYSTEM_FILE, "json"):
        split, index = str(record["id"]).split("-")
        reference = str(splits[split][int(index)]["answer"])
        counts[bool(NAMES_A_VARIABLE.search(reference))][router.route(record["question"]).backend] += 1
    table = Table(title="GSM-Sys by its GSM8K reference solution")
    for column in ("reference solution", "problems", "routed sympy", "routed python", "other"):
        table.add_column(column, justify="left" if column == "reference solution" else "right")
    for names_variable, label in ((True, "names a variable"), (False, "arithmetic only")):
        routes = counts[names_variable]
        n = sum(routes.values())
        other = n - routes["sympy"] - routes["python"]
        table.add_row(label, str(n), f"{routes['sympy'] / n:.1%}", f"{routes['python'] / n:.1%}", str(other))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $REASONER_DATA_DIR or ../shared/datasets")
    parser.add_argument("--dev", action="store_true", help="the development pools instead (about a minute)")
    parser.add_argument("--gsm-system-references", action="store_true",
                        help="split GSM-Sys by whether its GSM8K reference solution names a variable")
    args = parser.parse_args()
    router = RulesRouter()
    data_dir = resolve_data_dir(args.data_dir)
    if args.gsm_system_references:
        console.print(gsm_system_references(data_dir, router))
    elif args.dev:
        for name, questions, expected in dev_pools(data_dir):
            routes = Counter(router.route(q).backend for q in questions)
            print(f"{name:16} n={len(questions):5}  {routes[expected] / len(questions):6.1%} -> {expected:7} "
                  f"{dict(routes.most_common(4))}")
    else:
        console.print(population_table(data_dir, router))


if __name__ == "__main__":
    main()
