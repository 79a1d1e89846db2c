"""How the rules router routes whole benchmark files, not just the labelled sample.

    python benchmarks/router_population.py [--data-dir ../shared/datasets]
    python benchmarks/router_population.py --dev   # the pools router cues are tuned on

Prints, for GSM8K test (expected python), SatLM's GSM-Sys (expected sympy) and the
MATH-500 Algebra problems (expected sympy), the share routed to the expected backend
and the most common routes. A check on how representative the labelled set's seeded
draws are; no model is needed.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from reasoner.routing.labelled import DEFAULT_LABELS, default_data_dir, load_label_file
from reasoner.routing.rules import RulesRouter


def populations(data_dir: Path) -> list[tuple[str, list[str], str]]:
    gsm8k = [json.loads(line)["question"] for line in (data_dir / "gsm8k/test.jsonl").read_text().splitlines()
             if line.strip()]
    gsm_system = [x["question"] for x in json.loads((data_dir / "satlm_algebra/gsm_system.json").read_text())]
    math500 = [json.loads(line) for line in (data_dir / "math500/test.jsonl").read_text().splitlines() if line.strip()]
    algebra = [x["problem"] for x in math500 if x["subject"] == "Algebra"]
    return [("gsm8k", gsm8k, "python"), ("gsm_system", gsm_system, "sympy"), ("math500 algebra", algebra, "sympy")]


def dev_pools(data_dir: Path) -> list[tuple[str, list[str], str]]:
    """Where router cues are tuned: GSM-Sys without the test set's items, and GSM8K train
    without the problems GSM-Sys took from it (so no question carries both labels)."""
    records = json.loads((data_dir / "satlm_algebra/gsm_system.json").read_text())
    in_test = {item for group in load_label_file(DEFAULT_LABELS).groups if group.name == "gsm_system"
               for item in group.items}
    gsm_system = [x["question"] for x in records if x["id"] not in in_test]
    taken = {x["id"] for x in records}
    lines = [line for line in (data_dir / "gsm8k/train.jsonl").read_text().splitlines() if line.strip()]
    train = [json.loads(line)["question"] for index, line in enumerate(lines) if f"train-{index}" not in taken]
    return [("dev gsm_system", gsm_system, "sympy"), ("dev gsm8k train", train, "python")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $REASONER_DATA_DIR or ../shared/datasets")
    parser.add_argument("--dev", action="store_true", help="the development pools instead (about a minute)")
    args = parser.parse_args()
    router = RulesRouter()
    data_dir = args.data_dir or default_data_dir()
    for name, questions, expected in (dev_pools if args.dev else populations)(data_dir):
        routes = Counter(router.route(q).backend for q in questions)
        print(f"{name:16} n={len(questions):5}  {routes[expected] / len(questions):6.1%} -> {expected:7} "
              f"{dict(routes.most_common(4))}")


if __name__ == "__main__":
    main()
