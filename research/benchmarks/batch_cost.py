"""What one llama.cpp decoding step costs as it carries more tokens: the ceiling on what
batched votes and drafted tokens can save on this machine.

    python -m research.benchmarks.batch_cost [--model NAME] [--sizes 1 2 4 8 16 32] [--repeats 5]

One process: after a 200-token context, a step of k tokens is evaluated ``--repeats``
times for each k (the cache cut back to the context each time). Prints the median
milliseconds per step, per token, and the step's cost relative to one token. Where a
step is bound by reading the weights, k tokens cost little more than one; where it is
bound by arithmetic (few cores), cost grows with k and neither N streams decoded
together nor k drafted tokens checked together come cheap.
"""

from __future__ import annotations

import statistics
import time

import click
from rich.console import Console
from rich.table import Table

from reasoner import catalog

CONTEXT = 200


@click.command()
@click.option("--model", "name", default=None, help="A catalog model (default: the catalog default).")
@click.option("--sizes", type=int, multiple=True, default=(1, 2, 4, 5, 8, 16, 32), show_default=True)
@click.option("--repeats", default=5, show_default=True)
@click.option("--threads", default=None, type=int, help="CPU threads (default: all cores, as the engine).")
def cli(name: str | None, sizes: tuple[int, ...], repeats: int, threads: int | None) -> None:
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the engine sets it
    import llama_cpp

    path = catalog.require(name or catalog.DEFAULT_MODEL)
    threads = threads or os.cpu_count() or 1
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=CONTEXT + max(sizes) + 8, n_threads=threads,
                          n_threads_batch=threads, verbose=False)
    tokens = llm.tokenize(b"The quick brown fox jumps over the lazy dog. " * 60, add_bos=False)
    llm.eval(tokens[:CONTEXT])
    table = Table(title=f"One decoding step of k tokens ({path.name}, {threads} threads)")
    for column in ("k", "ms per step", "ms per token", "step cost vs k = 1"):
        table.add_column(column, justify="right")
    single = None
    for size in sizes:
        times = []
        for _ in range(repeats):
            llm.n_tokens = CONTEXT
            start = time.perf_counter()
            llm.eval(tokens[CONTEXT: CONTEXT + size])
            times.append(time.perf_counter() - start)
        ms = 1000 * statistics.median(times)
        single = single or ms
        table.add_row(str(size), f"{ms:.0f}", f"{ms / size:.1f}", f"{ms / single:.2f}x")
    Console().print(table)


if __name__ == "__main__":
    cli()
