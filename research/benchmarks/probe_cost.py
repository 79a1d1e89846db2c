"""What the auto router's probe costs: a second llama.cpp context, once, and one forward pass per question.

    python -m research.benchmarks.probe_cost [--questions 30] [--data-dir ../shared/datasets]

Loads the default model as `reasoner ask` does, then scores GSM8K test questions
with the shipped probe (``reasoner/routing/probes/``). Prints the seconds and the
resident memory the first score adds (it makes the embedding context; llama.cpp keeps
its own copy of some weights in anonymous memory), and the median seconds per score
after that, beside the rules router's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from reasoner.models import get_model
from reasoner.routing import RulesRouter, candidates
from reasoner.routing.probe import probes_for
from research.routing.labelled import read_records, resolve_data_dir


def resident_mb() -> dict[str, float]:
    """This process's resident memory now, in MB: anonymous (its own) and file-backed (page
    cache, shared: a file mapped twice counts twice here but is in memory once)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("RssAnon", "RssFile")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    records = read_records(resolve_data_dir(args.data_dir) / "gsm8k/test.jsonl", "jsonl")
    questions = [record["question"] for record in records[: args.questions + 1]]

    model = get_model()
    probes = probes_for(model, candidates())
    if not probes:
        raise SystemExit(f"no probe ships for {model.id}")
    probe = probes[0]
    before = resident_mb()
    began = time.perf_counter()
    probe.score(model, questions[0])
    first = time.perf_counter() - began
    after = resident_mb()

    probe_seconds, rules_seconds = [], []
    rules = RulesRouter()
    for question in questions[1:]:
        began = time.perf_counter()
        probe.score(model, question)
        probe_seconds.append(time.perf_counter() - began)
        began = time.perf_counter()
        rules.route(question)
        rules_seconds.append(time.perf_counter() - began)
    print(f"model {model.id}, probe {probe.source} -> {probe.target}")
    print(f"first score (makes the embedding context): {first:.2f} s; resident memory "
          f"+{after['RssAnon'] - before['RssAnon']:.0f} MB anonymous, "
          f"+{after['RssFile'] - before['RssFile']:.0f} MB file-backed (the weights file mapped a second time)")
    print(f"median over {len(probe_seconds)} GSM8K test questions: probe {statistics.median(probe_seconds):.2f} s, "
          f"rules router {statistics.median(rules_seconds) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
