"""llama.cpp's llama-server for tests: the binary `make setup` builds, started on a free port.

``llama_server`` (a module-scoped fixture; import it into a test module) runs
``llama-server -m <small model> -np 4 -c 4096 --threads 2`` and yields its OpenAI base URL,
``http://127.0.0.1:PORT/v1``. A missing binary or model fails the test with the command
that provides it: setup builds the server, so its absence is a broken setup, not a skip.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reasoner.models import llama_server as server

SLOTS = 4
CONTEXT = 4096
THREADS = 2
STARTUP_S = 180.0


def binary() -> Path:
    """The llama-server binary, or a test failure naming the command that builds it."""
    try:
        return server.binary()
    except server.LlamaServerError as e:
        pytest.fail(str(e), pytrace=False)


def small_model() -> Path:
    from conftest import REAL_HOME

    from reasoner import catalog

    try:
        return catalog.require(catalog.SMALL_MODEL, home=REAL_HOME)
    except catalog.CatalogError as e:
        pytest.fail(f"{e} (or run `make setup`)", pytrace=False)


def get_json(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def start(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """llama-server with the small model and 4 parallel slots on a free port, logging to
    ``log_path``; (process, ``http://127.0.0.1:PORT/v1``) once it reports healthy."""
    model = small_model()
    try:
        return server.start(model, "qwen2.5-coder-0.5b", slots=SLOTS, context=CONTEXT, threads=THREADS,
                            log_path=log_path, startup_s=STARTUP_S)
    except server.LlamaServerError as e:
        pytest.fail(str(e), pytrace=False)


stop = server.stop


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-server with 4 parallel slots on a free port; yields ``http://127.0.0.1:PORT/v1``."""
    proc, url = start(tmp_path_factory.mktemp("llama-server") / "server.log")
    try:
        yield url
    finally:
        stop(proc)
