"""Generated tokens per second when llama.cpp decodes 1, 2, 4, 8, 16 sampled replies to one
prompt as one batch: how much a batched step saves over one stream on this machine.

    python -m research.benchmarks.batch_throughput [--model SPEC] [--streams 1 2 4 8 16] [--tokens 40]

One process, the model loaded once, the python backend's 4-shot prompt for one GSM8K-style
question (its prefix evaluated first, as in the pipeline). One stream is a plain
``generate``; more streams are one ``generate_many`` (after a first call that makes the
batch context). Prints seconds, tokens and tokens per second for each stream count.
"""

from __future__ import annotations

import argparse
import time

import fewshot
from backends import registry
from reasoner import prompting
from reasoner.models import get_model
from reasoner.types import GenerateOptions

QUESTION = "A shop sells pens at $3 each. Ana buys 7 pens and pays with a $50 note. How much change does she get?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="provider/name (default: the catalog default)")
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--tokens", type=int, default=40, help="max tokens per stream")
    args = parser.parse_args()
    model = get_model(args.model)
    backend = registry.load("python")
    messages = prompting.program_messages(backend, fewshot.load("python")[:4], QUESTION)
    base = GenerateOptions(max_tokens=args.tokens, temperature=0.7, prefix_messages=len(messages) - 1)
    model.generate(messages, base.model_copy(update={"temperature": 0.0}))  # the prefix, evaluated once
    try:
        for streams in args.streams:
            options = [base.model_copy(update={"seed": 1000 * i}) for i in range(1, streams + 1)]
            if streams > 1:
                model.generate_many(messages, options)  # makes the batch context
            start = time.perf_counter()
            replies = model.generate_many(messages, options) if streams > 1 else [model.generate(messages, options[0])]
            seconds = time.perf_counter() - start
            tokens = sum(reply.usage.completion_tokens for reply in replies)
            print(f"streams {streams:2d}: {seconds:5.1f} s, {tokens:4d} tokens, {tokens / seconds:5.1f} tok/s")
    finally:
        model.close()


if __name__ == "__main__":
    main()
