"""Can the model tell a GSM-Sys problem from a GSM8K one, asked only that? (see plan.md)

    python -m research.studies.gsm_system_model_cue.binary_check --sample tune      # 40 + 40
    python -m research.studies.gsm_system_model_cue.binary_check --sample estimate  # the next 100 + 100

For development-pool questions the rules router sends to python, asks the default
model one constrained question, python or sympy (in --prompt's words: v1, v2, v3 are
the three versions recorded in runs.md), and prints the share of each pool
sent to sympy, the expected items gained on a labelled set weighted like the test set,
and the median seconds per call. One JSON line per question goes to --out, and a
rerun with the same --out skips the questions already there.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from reasoner.models import get_model
from reasoner.routing import RulesRouter
from reasoner.types import GenerateOptions, Message
from research.benchmarks.router_population import dev_pools
from research.routing.labelled import resolve_data_dir

PROMPTS: dict[str, tuple[str, dict[str, str]]] = {
    "v1": (
        "You decide how a math word problem is best solved by a program.\n"
        "- python: the numbers given lead forward to the answer, one calculation after another.\n"
        "- sympy: a quantity is unknown and only described by relations or a total (\"twice as many as\", "
        "\"together they have 50\", or the end of a process is given and its start is asked), so equations "
        "must be set up and solved.\n"
        "Reply with python or sympy only.",
        {"python": "python", "sympy": "sympy"},
    ),
    "v2": (
        "Say how a math word problem is solved.\n"
        "- arithmetic: start from the numbers given and calculate forward, step by step, to the answer.\n"
        "- equations: the quantity asked for is unknown at the start and is only pinned down by a relation or a "
        "total given later (\"twice as many as\", \"together they have 50\", \"has $30 left\"); name it x and "
        "solve an equation.\n"
        "Reply with arithmetic or equations only.",
        {"python": "arithmetic", "sympy": "equations"},
    ),
    "v3": (
        "For each math word problem, answer one question: to solve it, must you call the quantity asked for x "
        "and solve an equation, because the problem states a total or an end result that depends on it? "
        "Reply yes or no.",
        {"python": "no", "sympy": "yes"},
    ),
}
"""version -> (system text, the reply that means each route). All three are recorded in runs.md."""
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Mia buys 3 notebooks at $4 each and a pen for $2. How much does she spend?", "python"),
    ("Tom had some marbles. He gave away 12 and then doubled what he had left, ending with 54. "
     "How many marbles did he have at first?", "sympy"),
    ("A farmer has 20 cows and 3 times as many chickens. How many animals does he have in all?", "python"),
    ("Ann and Ben have 45 stickers together, and Ann has 9 more than Ben. How many stickers does Ben have?",
     "sympy"),
    ("A cyclist rides at 18 km per hour for 2.5 hours and then walks 3 km. How far does she travel?", "python"),
    ("Lena spent a third of her money on a book and $10 on lunch, and has $30 left. "
     "How much money did she have to begin with?", "sympy"),
    ("A class of 28 students is split into groups of 4. Each group gets 3 markers. How many markers are needed?",
     "python"),
    ("A shop sold pencils at $2 and pens at $5, 40 items for $122 in all. How many pens did it sell?", "sympy"),
)
"""Written for this check; none from a benchmark."""
WEIGHTS = {"gsm_system": 10, "gsm8k": 20}
"""Items per group in tests/data/route_labels.yaml."""
RULES_PYTHON = {"gsm_system": 0.759, "gsm8k": 0.953}
"""Share of each development pool the rules route to python (router_population.py --dev)."""
SAMPLES = {"tune": (0, 40), "estimate": (40, 100)}
"""name -> (start, items per pool) in one fixed shuffle of each pool: the samples never overlap."""


def messages(version: str, question: str) -> list[Message]:
    system, replies = PROMPTS[version]
    turns = [Message(role="system", content=system)]
    for example, route in EXAMPLES:
        turns += [Message(role="user", content=example), Message(role="assistant", content=replies[route])]
    return [*turns, Message(role="user", content=question.strip())]


def draw(questions: list[str], start: int, n: int) -> list[str]:
    return random.Random(1).sample(questions, len(questions))[start: start + n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", choices=sorted(SAMPLES), required=True)
    parser.add_argument("--prompt", choices=sorted(PROMPTS), default="v1")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="default: <sample>-<prompt>.jsonl beside this script")
    args = parser.parse_args()
    start, n = SAMPLES[args.sample]
    out = args.out or Path(__file__).with_name(f"{args.sample}-{args.prompt}.jsonl")
    rows_so_far = map(json.loads, out.read_text().splitlines()) if out.exists() else []
    done = {row["question"]: row for row in rows_so_far}

    router = RulesRouter()
    (_, gsm_system, _), (_, gsm8k, _) = dev_pools(resolve_data_dir(args.data_dir))
    pools = {
        name: draw([q for q in pool if router.route(q).backend == "python"], start, n)
        for name, pool in (("gsm_system", gsm_system), ("gsm8k", gsm8k))
    }
    model = get_model()
    meaning = {reply: route for route, reply in PROMPTS[args.prompt][1].items()}
    options = GenerateOptions(max_tokens=4, one_of=sorted(meaning), prefix_messages=1 + 2 * len(EXAMPLES))
    with out.open("a") as sink:
        for name, questions in pools.items():
            for index, question in enumerate(questions):
                if question in done:
                    continue
                began = time.perf_counter()
                reply = model.generate(messages(args.prompt, question), options).text.strip()
                row = {"pool": name, "question": question, "reply": reply, "route": meaning.get(reply),
                       "seconds": round(time.perf_counter() - began, 3)}
                sink.write(json.dumps(row) + "\n")
                sink.flush()
                done[question] = row
                print(f"{name} {index + 1}/{len(questions)} {row['route']}", file=sys.stderr)

    rows = [done[q] for questions in pools.values() for q in questions]
    shares = {}
    for name, questions in pools.items():
        routes = [done[q]["route"] for q in questions]
        shares[name] = sum(r == "sympy" for r in routes) / len(routes)
        print(f"{name}: {len(routes)} questions the rules route to python, sent to sympy {shares[name]:.1%}")
    gain = (WEIGHTS["gsm_system"] * RULES_PYTHON["gsm_system"] * shares["gsm_system"]
            - WEIGHTS["gsm8k"] * RULES_PYTHON["gsm8k"] * shares["gsm8k"])
    print(f"expected gain on a 110-item set weighted like the test set: {gain:+.2f} items")
    print(f"median seconds per call: {statistics.median(r['seconds'] for r in rows):.2f} "
          f"(first call, which fills the prefix cache, included)")


if __name__ == "__main__":
    main()
