"""Start and stop llama.cpp's llama-server, the binary `make setup` builds into the venv.

One launcher for everything that needs a local OpenAI-compatible server with parallel
slots (the tests of the openai engine, ``research/benchmarks/server_scaling``): a free port
on 127.0.0.1, the server's output to a log file, and a wait until ``/health`` reports the
slots ready.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BINARY_ENV = "REASONER_LLAMA_SERVER"
"""Overrides the binary's path (default: llama-server beside the venv's python)."""
BUILD_HINT = "`make setup` builds it; on its own: `bash scripts/build-llama-server.sh`."


class LlamaServerError(RuntimeError):
    """The binary is missing, or the server exited or stayed unhealthy while starting."""


def binary() -> Path:
    """The llama-server binary; LlamaServerError naming the command that builds it if absent."""
    path = Path(os.environ.get(BINARY_ENV) or Path(sys.executable).parent / "llama-server")
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise LlamaServerError(f"llama-server is missing at {path}. {BUILD_HINT}")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(model: Path, alias: str, *, slots: int, context: int, threads: int, log_path: Path,
          startup_s: float) -> tuple[subprocess.Popen[bytes], str]:
    """llama-server serving ``model`` as ``alias`` with ``slots`` parallel slots sharing
    ``context`` tokens, on a free port, logging to ``log_path``; (process,
    ``http://127.0.0.1:PORT/v1``) once it reports healthy, else LlamaServerError (stopped)."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    command = [str(binary()), "-m", str(model), "--alias", alias, "--host", "127.0.0.1", "--port", str(port),
               "-np", str(slots), "-c", str(context), "--threads", str(threads), "--no-webui"]
    with open(log_path, "wb") as log:  # the server keeps its own copy of the descriptor
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                env={"OMP_WAIT_POLICY": "PASSIVE", **os.environ})
    try:
        _wait_healthy(proc, root, log_path, startup_s)
    except BaseException:
        stop(proc)
        raise
    return proc, f"{root}/v1"


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server if it still runs: politely, then for good."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_healthy(proc: subprocess.Popen[bytes], root: str, log_path: Path, startup_s: float) -> None:
    """/health answers 503 while the model loads and 200 once the slots are ready."""
    deadline = time.monotonic() + startup_s
    while True:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise LlamaServerError(f"llama-server exited with {proc.returncode} while starting:\n{tail}")
        try:
            with urllib.request.urlopen(f"{root}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        if time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise LlamaServerError(f"llama-server did not report healthy within {startup_s:g} s:\n{tail}")
        time.sleep(0.3)
