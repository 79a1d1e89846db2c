"""Held-out items whose first program the contradictory-premises check now sends back.

    python results/followup/ordinals/flagged_items.py [--data-dir ../shared/datasets]

Reruns, in the smt backend as it is now, the first programs the current examples file
wrote for items 70-123 (``tune.jsonl``, ``tune2.jsonl``: rows of ``current.yaml``) and keeps
the items where the program runs and ``every_check_unsat`` fires. Writes them to
``flagged.jsonl`` (a ``jsonl:`` task: question without its options, choices, gold letter),
each with ``old_right``: whether that program's letter was right, the pipeline's answer
before the check. Prints the count of flagged items and of those right before.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from backends import get_backend
from evals.tasks import get_task
from reasoner.answer_shape import every_check_unsat
from reasoner.routing.labelled import default_data_dir

HERE = Path(__file__).parent


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(data_dir: Path | None) -> None:
    items = {item.id: item for item in get_task("logical_deduction").load(data_dir or default_data_dir()).items}
    smt = get_backend("smt")
    flagged = []
    for name in ("tune.jsonl", "tune2.jsonl"):
        for line in (HERE / name).read_text().splitlines():
            row = json.loads(line)
            if Path(row["examples"]).stem != "current" or not row["result"]["ok"]:
                continue
            item = items[row["id"]]
            result = smt.run(smt.prepare(row["program"]))
            if result.ok and every_check_unsat(result.extra, item.question, item.choices):
                question = item.question[: item.question.rindex("\nOptions:\n")]
                flagged.append({"id": item.id, "question": question, "choices": item.choices,
                                "answer": item.gold, "old_right": bool(row["right"])})
    with (HERE / "flagged.jsonl").open("w") as out:
        for record in flagged:
            out.write(json.dumps(record) + "\n")
    print(f"{len(flagged)} flagged; right before the check: {sum(r['old_right'] for r in flagged)}")


if __name__ == "__main__":
    main()
