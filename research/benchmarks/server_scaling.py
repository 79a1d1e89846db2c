"""Eval throughput against llama-server as the number of samples in flight grows.

    python -m research.benchmarks.server_scaling [--limit 20] [--connections 1 2 4]
        [--data-dir DIR] [--slots 4] [--ctx-per-slot 4096] [--threads N] [--keep]

For each C in --connections, starts ``llama-server -np 4`` (the binary `make setup` builds
into .venv/bin) with the catalog's default model and runs

    reasoner eval gsm8k --limit 20 --strategy tool -m openai/<model> \\
        -M base_url=http://127.0.0.1:PORT/v1 --max-connections C --data-dir DIR --out /tmp/...

into its own fresh run directory, then prints samples per minute for each C and the ratio
of the largest C to C=1. Every run answers the same seeded selection, so they do the same
work; what changes is how many samples the server decodes at once in its slots.

The server is started afresh for each C (a few seconds): its slots and its host-RAM prompt
cache keep earlier prompts, and a run that inherited the previous run's prompts (the same
questions) would skip their prompt evaluation, which on a CPU costs more than the decoding.
Within a run, prefix reuse works as in normal use. The machine is shared: the load average
is printed with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reasoner import catalog
from reasoner.models import llama_server

STARTUP_S = 300.0


def start_server(model: Path, alias: str, slots: int, ctx_per_slot: int, threads: int,
                 log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """llama-server on a free port, once /health says the slots are ready; exits on failure."""
    try:
        return llama_server.start(model, alias, slots=slots, context=slots * ctx_per_slot, threads=threads,
                                  log_path=log_path, startup_s=STARTUP_S)
    except llama_server.LlamaServerError as e:
        sys.exit(str(e))


def run_eval(url: str, alias: str, connections: int, limit: int, data_dir: Path | None,
             out: Path) -> tuple[float, int, int]:
    """One eval; returns (wall seconds, samples written, correct)."""
    command = [str(Path(sys.executable).parent / "reasoner"), "eval", "gsm8k",
               "--limit", str(limit), "--strategy", "tool", "-m", f"openai/{alias}",
               "-M", f"base_url={url}", "-M", "timeout=1800",
               "--max-connections", str(connections), "--out", str(out), "-q"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"reasoner eval (C={connections}) failed with {result.returncode}:\n"
                 f"{result.stdout[-3000:]}")
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines() if line]
    return seconds, len(samples), sum(1 for s in samples if s.get("correct"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=20, help="GSM8K items per run")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("REASONER_DATA_DIR") or None,
                        help="default: $REASONER_DATA_DIR (else the eval's cache or download)")
    parser.add_argument("--slots", type=int, default=4, help="llama-server -np")
    parser.add_argument("--ctx-per-slot", type=int, default=4096,
                        help="tokens per slot (-c is slots x this; 4096 = the llamacpp engine's n_ctx)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the run directories under /tmp")
    args = parser.parse_args()

    alias = catalog.DEFAULT_MODEL
    model = catalog.require(alias)
    scratch = Path(tempfile.mkdtemp(prefix="server-scaling-", dir="/tmp"))
    print(f"model {alias}, llama-server -np {args.slots} -c {args.slots * args.ctx_per_slot} "
          f"--threads {args.threads}; gsm8k --limit {args.limit} --strategy tool; runs in {scratch}")
    rates: dict[int, float] = {}
    try:
        for connections in args.connections:
            proc, url = start_server(model, alias, args.slots, args.ctx_per_slot, args.threads,
                                     scratch / f"server-c{connections}.log")
            try:
                load_before = os.getloadavg()[0]
                seconds, samples, correct = run_eval(url, alias, connections, args.limit,
                                                     args.data_dir, scratch / f"c{connections}")
            finally:
                llama_server.stop(proc)
            rates[connections] = samples / seconds * 60
            print(f"C={connections}: {samples} samples in {seconds:6.1f} s = "
                  f"{rates[connections]:5.2f} samples/min, {correct}/{samples} correct "
                  f"(load {load_before:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    base, top = min(rates), max(rates)
    if base != top:
        print(f"C={top} vs C={base}: {rates[top] / rates[base]:.2f}x samples/min")


if __name__ == "__main__":
    main()
