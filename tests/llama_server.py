"""llama.cpp's llama-server for tests: the binary `make setup` builds, started on a free port.

``llama_server`` (a module-scoped fixture; import it into a test module) runs
``llama-server -m <small model> -np 4 -c 4096 --threads 2`` and yields its OpenAI base URL,
``http://127.0.0.1:PORT/v1``. A missing binary or model fails the test with the command
that provides it: setup builds the server, so its absence is a broken setup, not a skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SLOTS = 4
CONTEXT = 4096
THREADS = 2
STARTUP_S = 180.0
BINARY_ENV = "REASONER_LLAMA_SERVER"
"""Overrides the binary's path (default: llama-server beside the venv's python)."""


def binary() -> Path:
    """The llama-server binary, or a test failure naming the command that builds it."""
    path = Path(os.environ.get(BINARY_ENV) or Path(sys.executable).parent / "llama-server")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"llama-server is missing at {path}. `make setup` builds it; on its own: "
            "`bash scripts/build-llama-server.sh`.",
            pytrace=False,
        )
    return path


def small_model() -> Path:
    from conftest import REAL_HOME

    from reasoner import catalog

    try:
        return catalog.require(catalog.SMALL_MODEL, home=REAL_HOME)
    except catalog.CatalogError as e:
        pytest.fail(f"{e} (or run `make setup`)", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def start(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """llama-server with the small model and 4 parallel slots on a free port, logging to
    ``log_path``; (process, ``http://127.0.0.1:PORT/v1``) once it reports healthy."""
    exe, model = binary(), small_model()
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    command = [str(exe), "-m", str(model), "--alias", "qwen2.5-coder-0.5b",
               "--host", "127.0.0.1", "--port", str(port),
               "-np", str(SLOTS), "-c", str(CONTEXT), "--threads", str(THREADS), "--no-webui"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                env={"OMP_WAIT_POLICY": "PASSIVE", **os.environ})
    try:
        _wait_healthy(proc, root, log_path)
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


def _wait_healthy(proc: subprocess.Popen[bytes], root: str, log_path: Path) -> None:
    """/health answers 503 while the model loads and 200 once the slots are ready."""
    deadline = time.monotonic() + STARTUP_S
    while True:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"llama-server exited with {proc.returncode} while starting:\n{tail}",
                        pytrace=False)
        try:
            with urllib.request.urlopen(f"{root}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        if time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"llama-server did not report healthy within {STARTUP_S:g} s:\n{tail}",
                        pytrace=False)
        time.sleep(0.3)


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-server with 4 parallel slots on a free port; yields ``http://127.0.0.1:PORT/v1``."""
    proc, url = start(tmp_path_factory.mktemp("llama-server") / "server.log")
    try:
        yield url
    finally:
        stop(proc)
