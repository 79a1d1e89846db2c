"""One repair of each recorded runtime failure, with and without source lines in its traceback.

    python -m research.studies.traceback_source.repair_once [--out repairs.jsonl]

Collects every distinct program in the committed eval runs (research/**/samples.jsonl)
that failed with a runtime error raised in its own frames, runs it again in its backend
(isolated, as the pipeline does; the traceback now carries each frame's source line),
and asks the default model for one repair from the conversation the pipeline builds:
the backend's examples as shown now, the question, the failed program, the error. Two
arms per program, the order alternating: the error as it now is ("source"), and the
same error with the source lines taken out again ("no source", the error as it was).
Each repair runs in its backend and is scored against the sample's gold answer. Every
repair goes to --out as one JSON line, and a rerun skips those already there. Prints how
many repairs ran and how many were right in each arm, overall, per backend and for z3
errors against the rest; --summary prints that from --out alone (the figures quoted in
docs/backends.md, from the committed repairs.jsonl and held-out.jsonl). See plan.md.

Since this measurement the smt backend takes the source lines out of z3 exceptions
(the follow-up in plan.md), and this script no longer turns that off (it used a private
switch of the backend's, at commit cc92420): a rerun's "source" arm shows z3 exceptions
without source lines, as the "no source" arm does.

    python -m research.studies.traceback_source.repair_once --held-out \
        --out research/studies/traceback_source/held-out.jsonl

The follow-up: z3 exceptions only, from the open-puzzle first-program files instead
(research/studies/open_puzzles/first-programs-*.jsonl), leaving out the programs above.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from backends import ErrorKind, ExecError, ExecResult
from evals.scoring import score
from reasoner import Reasoner
from reasoner.models import default_model_spec, get_model
from research.common import one_repair

ROOT = Path(__file__).resolve().parents[3]

ARMS = ("source", "no source")
FRAME = re.compile(r'^\s*File "<program>", line \d+')
SOURCE = re.compile(r"^ {4}")
"""Python indents a frame's source line, and the ^~ marks under it, by four spaces."""


def without_source_lines(traceback: str) -> str:
    """A program traceback with each frame's source line (and its ^~ marks) taken out."""
    kept: list[str] = []
    in_frame = False
    for line in traceback.splitlines():
        if FRAME.match(line):
            in_frame = True
        elif in_frame and SOURCE.match(line):
            continue
        else:
            in_frame = False
        kept.append(line)
    return "\n".join(kept)


def recorded_failures() -> list[tuple[str, dict, str, str]]:
    """(backend, sample, program, recorded message) for each distinct program whose
    recorded runtime error came from the program's own frames."""
    found: dict[tuple[str, str], tuple[dict, str]] = {}
    for path in sorted(ROOT.glob("research/**/samples.jsonl")):
        for sample in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            for attempt in sample.get("attempts") or []:
                error = attempt["result"].get("error")
                if error and error["kind"] == "runtime" and 'File "<program>"' in error["message"]:
                    found.setdefault((attempt["backend"], attempt["program"]), (sample, error["message"]))
    return [(backend, sample, program, message) for (backend, program), (sample, message) in found.items()]


PUZZLES = ROOT / "research/studies/open_puzzles"


def held_out_failures() -> list[tuple[str, dict, str, str]]:
    """(backend, sample, program, recorded message) for each distinct smt first program of
    the open-puzzle files that failed with a z3 exception and is not among recorded_failures()."""
    seen = {program for _, _, program, _ in recorded_failures()}
    puzzles = {}
    for path in sorted(PUZZLES.glob("questions*.jsonl")):
        for puzzle in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            puzzles[puzzle["id"]] = {"id": puzzle["id"], "question": puzzle["question"], "choices": None,
                                     "gold": puzzle["answer"], "format": puzzle["format"]}
    found: dict[str, tuple[dict, str]] = {}
    for path in sorted(PUZZLES.glob("first-programs-*.jsonl")):
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            error = row["result"].get("error")
            if error and error["kind"] == "runtime" and "Z3Exception" in error["message"] \
                    and row["program"] not in seen:
                found.setdefault(row["program"], (puzzles[row["id"]], error["message"]))
    return [("smt", sample, program, message) for program, (sample, message) in found.items()]


def last_line(message: str | None) -> str:
    lines = (message or "").strip().splitlines()
    return lines[-1] if lines else ""


def summary(records: list[dict]) -> None:
    """Ran and right per arm: overall, per backend, and z3 exceptions against the rest."""
    groups: dict[str, list[dict]] = {"all": records}
    for record in records:
        groups.setdefault(record["backend"], []).append(record)
        groups.setdefault("z3 errors" if "Z3Exception" in record["error"] else "other errors", []).append(record)
    for name, group in groups.items():
        cells = []
        for arm in ARMS:
            mine = [r for r in group if r["arm"] == arm]
            again = sum(not r["result"]["ok"] and last_line((r["result"].get("error") or {}).get("message"))
                        == last_line(r["error"]) for r in mine)
            cells.append(f"{arm}: ran {sum(r['result']['ok'] for r in mine)}/{len(mine)}, "
                         f"right {sum(r['right'] for r in mine)}, same error again {again}")
        print(f"{name:13} " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("repairs.jsonl"))
    parser.add_argument("--held-out", action="store_true", help="the follow-up's failures (see plan.md)")
    parser.add_argument("--summary", action="store_true", help="only print the counts already in --out")
    args = parser.parse_args()
    done: dict[tuple[str, str, str], dict] = {}
    if args.out.exists():
        for record in map(json.loads, args.out.read_text(encoding="utf-8").splitlines()):
            done[(record["backend"], record["failed"], record["arm"])] = record
    if args.summary:
        summary(list(done.values()))
        return
    reasoner = Reasoner(model=get_model(default_model_spec()))
    failures = held_out_failures() if args.held_out else recorded_failures()
    counted = 0
    for number, (backend, sample, program, recorded) in enumerate(failures):
        question, choices = sample["question"], sample.get("choices")
        now = reasoner.backend(backend).run(program)
        if now.error is None or now.error.kind is not ErrorKind.runtime:
            print(f"{backend} {sample['id']}: now {now.error.kind if now.error else 'runs'}, skipped", flush=True)
            continue
        counted += 1
        bare = ExecError(kind=now.error.kind, message=without_source_lines(now.error.message))
        errors: dict[str, ExecResult] = {"source": now, "no source": now.model_copy(update={"error": bare})}
        for arm in ARMS if number % 2 == 0 else reversed(ARMS):
            if (backend, program, arm) in done:
                continue
            repaired, result = one_repair(reasoner, backend, question, choices, program, errors[arm])
            correct = bool(result.ok and score(sample["format"], result.value or "", sample["gold"], choices or []))
            record = {"backend": backend, "id": sample["id"], "arm": arm, "failed": program,
                      "recorded_error": recorded, "error": errors[arm].error.message,  # type: ignore[union-attr]
                      "repair": repaired, "result": result.model_dump(), "right": correct}
            with args.out.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
            done[(backend, program, arm)] = record
            outcome = "ran" if result.ok else result.error.kind if result.error else "?"
            verdict = "right" if correct else "wrong"
            print(f"{backend} {sample['id']} {arm}: {outcome} value={result.value!r} gold={sample['gold']} {verdict}",
                  flush=True)
    measured = {(backend, program) for backend, _, program, _ in failures}
    records = [r for r in done.values() if (r["backend"], r["failed"]) in measured]
    print(f"{counted} of {len(failures)} recorded failures still fail at run time")
    summary(records)


if __name__ == "__main__":
    main()
