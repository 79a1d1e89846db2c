"""The counts behind the notes on open-answer examples, from the committed files.

    python -m research.studies.open_puzzles.tally [--data-dir ../shared/datasets]

1. Kinship first programs with every backend's open examples first: how many found no
   answer, and how many of those gave a grand-relation the body of prolog's open
   `grandfather` example, `father(G, P), parent(P, C)`.
2. Errors of the failed attempts in the runs with smt's open examples (set E forced, set
   A routed), by the last line of their message.
3. Where set A's routed run (eval-7070175-a) sent each puzzle.
4. Built-in eval items whose program prompt the change alters: those the rules router
   sends to smt that offer no options (every other item sees the same examples as before).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from evals.tasks import get_task, task_names
from reasoner.options import offers_options
from reasoner.routing import RulesRouter

HERE = Path(__file__).resolve().parent


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()

    kinship = rows(HERE / "kinship-first-programs-open-examples.jsonl")
    no_answer = [r for r in kinship if (r["result"].get("error") or {}).get("kind") == "no_answer"]
    copied = [r for r in no_answer if ":- father(G, P), parent(P, C)." in r["program"]]
    print(f"kinship: {len(no_answer)} of {len(kinship)} found no answer; "
          f"{len(copied)} of them with the body father(G, P), parent(P, C)")

    errors: Counter[str] = Counter()
    for run in ("eval-open-examples-e", "eval-7070175-a"):
        for sample in rows(HERE / run / "samples.jsonl"):
            for attempt in sample["attempts"]:
                error = attempt["result"].get("error")
                if error:
                    errors[error["message"].strip().splitlines()[-1][:90]] += 1
    print("failed attempts, sets E and A with open examples:")
    for message, count in errors.most_common():
        print(f"  {count:3} {message}")

    routes = Counter(sample["route"] for sample in rows(HERE / "eval-7070175-a" / "samples.jsonl"))
    print(f"set A, routed run: {dict(routes.most_common())}")

    router = RulesRouter()
    data_dir = args.data_dir
    total = changed = 0
    for name in task_names():
        items = get_task(name).load(data_dir, progress=False).items
        total += len(items)
        changed += sum(1 for item in items if router.route(item.question, item.choices).backend == "smt"
                       and not offers_options(item.question, item.choices))
    print(f"built-in eval items whose program prompt changes: {changed} of {total}")


if __name__ == "__main__":
    main()
