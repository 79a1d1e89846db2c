"""Held-out items whose first program the contradictory-premises check now sends back.

    python -m research.studies.ordinals.flagged_items [--data-dir ../shared/datasets]
    python -m research.studies.ordinals.flagged_items --from-eval research/results/logical_deduction/samples.jsonl \
        --out research/studies/ordinals/flagged-results-run.jsonl

Reruns, in the smt backend, the first programs the current examples file
wrote for held-out items (``tune.jsonl``, ``tune2.jsonl``: rows of ``current.yaml``), or with
``--from-eval`` the last program of each tool sample of an eval log, and keeps the items
where the program runs and the third plan's check fires: two or more solver checks,
all unsat. That check was measured and not kept (``plan.md``), so the script records the
checks itself, with a wrapper around ``Solver.check`` put before the program. Writes them (default
``flagged.jsonl``) as a ``jsonl:`` task (question without its options, choices, gold
letter), each with ``old_right``: whether the answer before the check was right. Prints
the count of flagged items and of those right before.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from evals.tasks import get_task
from research.common import loaded_backend
from research.studies.ordinals.tally import programs  # the same reading of eval and first_program rows

HERE = Path(__file__).parent
RECORD_CHECKS = """
_checks = []
_check = Solver.check


def _recorded_check(self, *assumptions):
    result = _check(self, *assumptions)
    _checks.append(str(result))
    return result


Solver.check = _recorded_check
"""
REPORT_CHECKS = '\nanswer = f"{answer}\\n" + ",".join(_checks)\n'


def every_check_unsat(program: str) -> bool:
    """The program ran, made two or more solver checks, and every one was unsat."""
    with loaded_backend("smt") as smt:
        result = smt.run(RECORD_CHECKS + smt.prepare(program) + REPORT_CHECKS)
    checks = [c for c in (result.value or "").rsplit("\n", 1)[-1].split(",") if c]
    return result.ok and len(checks) >= 2 and set(checks) == {"unsat"}


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--from-eval", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="An eval's samples.jsonl instead of the tune files.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=HERE / "flagged.jsonl")
def main(data_dir: Path | None, from_eval: Path | None, out: Path) -> None:
    items = {item.id: item for item in get_task("logical_deduction").load(data_dir).items}
    flagged = []
    for item_id, program, right in _programs(from_eval):
        item = items[item_id]
        if every_check_unsat(program):
            question = item.question[: item.question.rindex("\nOptions:\n")]
            flagged.append({"id": item.id, "question": question, "choices": item.choices,
                            "answer": item.gold, "old_right": right})
    with out.open("w") as out_file:
        for record in flagged:
            out_file.write(json.dumps(record) + "\n")
    print(f"{len(flagged)} flagged; right before the check: {sum(r['old_right'] for r in flagged)}")


def _programs(from_eval: Path | None) -> list[tuple[str, str, bool]]:
    """(item id, program, was the answer right) for each program that ran."""
    if from_eval is not None:
        return [(item_id, program, right) for item_id, _, right, program in programs(from_eval)]
    return [(item_id, program, right) for name in ("tune.jsonl", "tune2.jsonl")
            for item_id, examples, right, program in programs(HERE / name) if examples == "current"]


if __name__ == "__main__":
    main()
