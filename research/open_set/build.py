"""Assemble the open problem set (evals/data/open.jsonl) from its parts, once.

    python -m research.open_set.build [--check-only]

The parts (``research/open_set/parts/*.jsonl``: math, algebra, logic) were written by
three writers working apart, each with one independent verification script per problem
type (``evals/data/open_checks/<type>.py``). This joins them in a fixed order (part, then
id), checks every line's fields and that each answer equals its check script's, and
writes the set. The set is then frozen: ``evals.tasks.open_set.OPEN_SHA256`` pins it
and ``tests/test_open_set.py`` holds it to the pin and to its checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import click

from evals.scoring import letter_index, match_choice, score
from evals.tasks.open_set import open_path

PARTS = ("math", "algebra", "logic")
ROOT = Path(__file__).resolve().parents[2]
KEYS = {"id", "type", "question", "answer", "route", "format", "choices"}
ROUTES = {"python", "sympy", "prolog", "sat", "smt", "direct"}


def checked_answers(check_dir: Path) -> dict[str, str]:
    """Every check script's computed answers, by item id (each script runs on its own)."""
    answers: dict[str, str] = {}
    for script in sorted(check_dir.glob("[!_]*.py")):  # _exact.py is a shared helper
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=ROOT)
        answers.update(json.loads(out.stdout))
    return answers


def agrees(item: dict, computed: str) -> bool:
    """The item's answer and the computed one name the same answer (as the scorer compares)."""
    if item.get("choices"):
        return _option(item["answer"], item["choices"]) == _option(computed, item["choices"]) is not None
    return score(item.get("format") or "text", item["answer"], computed)


def _option(answer: str, choices: list[str]) -> int | None:
    """Which option ``answer`` names, by letter or by text (as the ``jsonl:`` task reads it)."""
    at = letter_index(answer)
    return at if at is not None and at < len(choices) else match_choice(answer, choices)


@click.command()
@click.option("--check-only", is_flag=True, help="Check the parts against their scripts; write nothing.")
def cli(check_only: bool) -> None:
    items = []
    for part in PARTS:
        lines = (ROOT / "research/open_set/parts" / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
        items += sorted((json.loads(line) for line in lines if line.strip()), key=lambda i: i["id"])
    computed = checked_answers(ROOT / "evals/data/open_checks")
    problems = []
    for item in items:
        extra = set(item) - KEYS
        if extra or item.get("route") not in ROUTES or not item.get("type") or not item["id"].startswith(item["type"]):
            problems.append(f"{item['id']}: fields {sorted(item)} / route {item.get('route')!r}")
        elif item["id"] not in computed:
            problems.append(f"{item['id']}: no check script computes it")
        elif not agrees(item, str(computed[item["id"]])):
            problems.append(f"{item['id']}: answer {item['answer']!r}, computed {computed[item['id']]!r}")
    ids = Counter(item["id"] for item in items)
    problems += [f"{name}: {count} items share this id" for name, count in ids.items() if count > 1]
    types = Counter(item["type"] for item in items)
    click.echo(f"{len(items)} items, {len(types)} types, routes {dict(Counter(i['route'] for i in items))}")
    if problems:
        raise click.ClickException("\n".join(problems))
    if not check_only:
        text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        open_path().write_text(text, encoding="utf-8")
        click.echo(f"wrote {open_path()}")


if __name__ == "__main__":
    cli()
