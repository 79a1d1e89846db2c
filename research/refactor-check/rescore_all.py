"""Rescore copies of every committed run directory (``summary.json`` beside ``samples.jsonl``) and
print each one's accuracy per task and strategy, so two checkouts can be compared line by line.

    python research/refactor-check/rescore_all.py ROOT [ROOT ...] > accuracy.txt

The run directories themselves are not touched: each is copied to a temporary directory and
``reasoner rescore`` runs on the copy.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(roots: list[str]) -> None:
    for root in map(Path, roots):
        runs = sorted(p.parent for p in root.rglob("summary.json"))
        with tempfile.TemporaryDirectory() as scratch:
            for number, run in enumerate(runs):
                copy = Path(scratch) / str(number)
                shutil.copytree(run, copy)
                subprocess.run(["reasoner", "rescore", str(copy)], check=True, capture_output=True)
                summary = json.loads((copy / "summary.json").read_text())
                for task in summary["tasks"]:
                    for row in task["strategies"]:
                        print(f"{run.relative_to(root)} {task['task']} {row['strategy']} {row['correct']}/{row['n']}")


if __name__ == "__main__":
    main(sys.argv[1:])
