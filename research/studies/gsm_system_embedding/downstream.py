"""What the auto router (with its probe) would change in answers, composed from runs already made.

    reasoner eval gsm8k -s tool:sympy -n 50 -o research/studies/gsm_system_embedding/eval-gsm8k-sympy
    python -m research.studies.gsm_system_embedding.downstream

The results run (research/results/gsm8k, research/results/gsm_system: strategy `tool`, routed by the
rules) and runs forced to one backend on the same items (research/studies/
gsm_system_forced for GSM-Sys; the command above for GSM8K) give each item's result
for each backend it could go to. This script routes each item with the auto router
(it loads the default model: the probe reads hidden states) and takes, per item, the
result of the backend auto picks: the routed run's when auto agrees with the rules,
else the forced run's. Generation is greedy, so a rerun would repeat these programs.
GSM-Sys items the probe was fitted on are reported apart: the probe saw them.
"""

from __future__ import annotations

import json
from pathlib import Path

from reasoner.models import get_model
from reasoner.routing import AutoRouter
from research.routing.labelled import resolve_data_dir
from research.studies.gsm_system_embedding.probe import items

HERE = Path(__file__).resolve().parent
RESEARCH = HERE.parents[1]

ROUTED = {"gsm8k": RESEARCH / "results/gsm8k/samples.jsonl",
          "gsm_system": RESEARCH / "results/gsm_system/samples.jsonl"}
FORCED = {"gsm8k": HERE / "eval-gsm8k-sympy/samples.jsonl",
          "gsm_system": RESEARCH / "studies/gsm_system_forced/samples.jsonl"}


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    questions, _, fit_half = items(resolve_data_dir())
    seen_by_probe = {q.strip() for q, fit in zip(questions, fit_half, strict=True) if fit}
    router = AutoRouter(get_model())
    for task in ("gsm8k", "gsm_system"):
        routed = {r["id"]: r for r in rows(ROUTED[task]) if r["strategy"] == "tool"}
        forced = {(r["id"], r["strategy"].removeprefix("tool:")): r for r in rows(FORCED[task])
                  if r["strategy"].startswith("tool:")}
        tally: dict[str, list[int]] = {}
        for item_id, row in routed.items():
            auto = router.route(row["question"]).backend
            chosen = row if auto == row["route"] else forced.get((item_id, auto))
            if chosen is None:
                print(f"{task} {item_id}: no run of {auto}; counted wrong")
            group = "seen by the probe" if row["question"].strip() in seen_by_probe else "held out"
            moved = auto != row["route"]
            for key in (group, f"{group}, moved"):
                if key.endswith("moved") and not moved:
                    continue
                counts = tally.setdefault(key, [0, 0, 0])
                counts[0] += 1
                counts[1] += bool(row["correct"])
                counts[2] += bool(chosen and chosen["correct"])
        for key, (n, rules_right, auto_right) in sorted(tally.items()):
            print(f"{task:10} {key:24} n={n:3}  right with rules {rules_right:3}  with auto {auto_right:3}")


if __name__ == "__main__":
    main()
