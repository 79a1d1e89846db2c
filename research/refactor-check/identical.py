"""Answer the fifteen questions of ``questions.yaml`` (backend forced, greedy, default model) and
write each one's programs and answer as a JSON line; ``--compare A B`` says whether two such
files hold the same programs and answers.

    python research/refactor-check/identical.py --out research/refactor-check/before.jsonl
    python research/refactor-check/identical.py --compare before.jsonl after.jsonl
    python research/refactor-check/identical.py --only prolog --out prolog.jsonl
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import yaml

HERE = Path(__file__).resolve().parent


def _reasoner_class() -> type:
    try:
        from reasoner import Reasoner
    except ImportError:  # before the public API existed (commit 60ac983)
        from reasoner.pipeline import Reasoner
    return Reasoner


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE)
    return done.stdout.strip()


def _run(out: Path, only: str | None) -> None:
    questions = [q for q in yaml.safe_load((HERE / "questions.yaml").read_text()) if only in (None, q["backend"])]
    reasoner = _reasoner_class()()
    with out.open("w") as fh:
        for number, entry in enumerate(questions, 1):
            solution = reasoner.solve(entry["question"], backend=entry["backend"], choices=entry.get("choices"))
            row = {
                "backend": entry["backend"], "question": entry["question"],
                "programs": [attempt.program for attempt in solution.attempts],
                "kinds": [attempt.result.error.kind if attempt.result.error else "ok" for attempt in solution.attempts],
                "answer": solution.answer, "fallback": solution.fallback,
                "seconds": round(solution.usage.total_seconds, 1), "commit": _commit(),
            }
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            kinds = row["kinds"]
            print(f"{number:2d} {entry['backend']:7s} {kinds} {solution.answer!r} ({row['seconds']} s)", flush=True)


def _compare(first: Path, second: Path) -> None:
    a = [json.loads(line) for line in first.read_text().splitlines()]
    b = [json.loads(line) for line in second.read_text().splitlines()]
    same = 0
    for one, two in zip(a, b, strict=True):
        if (one["programs"], one["answer"]) == (two["programs"], two["answer"]):
            same += 1
        else:
            print(f"differs: {one['backend']}: {one['question'][:60]}")
    print(f"{same} of {len(a)} identical (programs and answers)")
    sys.exit(0 if same == len(a) else 1)


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--compare", nargs=2, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--only", default=None, help="Answer only the questions of this backend.")
def main(out: Path | None, compare: tuple[Path, Path] | None, only: str | None) -> None:
    if compare:
        _compare(*compare)
    elif out:
        _run(out, only)
    else:
        raise click.UsageError("give --out FILE or --compare A B")


if __name__ == "__main__":
    main()
