"""One repair of each recorded z3 failure, with and without the error's hint.

    python -m research.studies.z3_hints.repair_once [--out repairs.jsonl]

Collects every distinct smt program in the committed eval runs (research/**/samples.jsonl)
that failed with one of the z3 errors in HINTS, runs it again (isolated, as the pipeline
does), and asks the default model for one repair of it from the conversation the
pipeline builds: smt's examples as shown now, the question, the failed program, the
error. Two arms per program, the order alternating: the error with "Hint: ..." added as
the smt backend added its hints (the hints were there while this ran; they were
not kept), and the error as it is. Each
repair runs in the backend and is scored against the sample's gold answer. Prints how
many repairs ran and how many were right in each arm. See plan.md beside this file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from backends import ErrorKind, ExecError, ExecResult
from evals.scoring import score
from reasoner import Reasoner
from reasoner.models import default_model_spec, get_model
from research.common import one_repair

ROOT = Path(__file__).resolve().parents[3]

HINTS = {
    "Value cannot be converted into a Z3 Boolean value": (
        "a constraint (in s.add, And, Or, Not, Implies) is not a condition: a variable or a "
        "number stands where a comparison such as `al == 1` belongs"
    ),
    "At least one of the arguments must be a Z3 expression": (
        "a z3 function (Distinct, And, Or, ...) got only Python values such as strings or "
        "numbers. Declare one z3 variable per person or thing (`ann = Int('ann')`), number "
        "the places, days or options, and map the numbers back to names for the answer"
    ),
    "Symbolic expressions cannot be cast to concrete Boolean values": (
        "Python's `and`, `or`, `not`, `if` or a chained comparison (`a < b < c`) was applied "
        "to z3 expressions; write And(...), Or(...), Not(...), If(...), and `a < b, b < c`"
    ),
}
"""The hints measured: each z3 error message, and the hint that was added after it."""
Z3_ERRORS = list(HINTS)


def recorded_failures() -> list[tuple[dict, str]]:
    """(sample, program) for each distinct smt program that failed with a z3 error above."""
    found: dict[str, dict] = {}
    for path in sorted(ROOT.glob("research/**/samples.jsonl")):
        for sample in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            for attempt in sample.get("attempts") or []:
                error = attempt["result"].get("error")
                if attempt["backend"] == "smt" and error and any(e in error["message"] for e in Z3_ERRORS):
                    found.setdefault(attempt["program"], sample)
    return [(sample, program) for program, sample in found.items()]


def with_hint(result: ExecResult) -> ExecResult | None:
    """The runtime error with its hint added, as the backend added it; None for any other outcome."""
    error = result.error
    if error is None or error.kind is not ErrorKind.runtime:
        return None
    for needle, hint in HINTS.items():
        if needle in error.message:
            message = f"{error.message}\nHint: {hint}"
            return result.model_copy(update={"error": ExecError(kind=error.kind, message=message)})
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("repairs.jsonl"))
    args = parser.parse_args()
    reasoner = Reasoner(model=get_model(default_model_spec()))
    engine = reasoner.backend("smt")
    ran = {"hint": 0, "no hint": 0}
    right = {"hint": 0, "no hint": 0}
    failures = recorded_failures()
    for number, (sample, program) in enumerate(failures):
        question, choices = sample["question"], sample.get("choices")
        now = engine.run(program)
        hinted = with_hint(now)
        if hinted is None:
            print(f"{sample['id']}: no such error now, skipped", flush=True)
            continue
        arms = [("hint", hinted), ("no hint", now)]
        for arm, error in arms if number % 2 == 0 else reversed(arms):
            repaired, result = one_repair(reasoner, "smt", question, choices, program, error)
            correct = bool(result.ok and score(sample["format"], result.value or "", sample["gold"], choices or []))
            ran[arm] += result.ok
            right[arm] += correct
            with args.out.open("a", encoding="utf-8") as handle:
                record = {"id": sample["id"], "arm": arm, "failed": program, "error": error.error.message,
                          "repair": repaired, "result": result.model_dump(), "right": correct}
                handle.write(json.dumps(record) + "\n")
            print(f"{sample['id']} {arm}: {'ran' if result.ok else result.error.kind if result.error else '?'} "
                  f"value={result.value!r} gold={sample['gold']} {'right' if correct else 'wrong'}", flush=True)
    for arm in ran:
        print(f"{arm:8} ran {ran[arm]}/{len(failures)}  right {right[arm]}/{len(failures)}")


if __name__ == "__main__":
    main()
