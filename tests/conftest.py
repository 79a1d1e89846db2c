"""Hermetic by default: every test gets its own empty reasoner home."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backends import Backend, Sandbox, load_backend
from reasoner import paths

REAL_HOME = paths.home()
"""The developer's real cache, captured before tests redirect it; real-model tests read it."""


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "reasoner-home"
    monkeypatch.setenv("REASONER_HOME", str(home))
    monkeypatch.delenv("REASONER_MODEL", raising=False)
    yield home


@pytest.fixture(scope="module")
def backend_loader() -> Iterator[Callable[[str], Backend]]:
    """Backends loaded once per module into one sandbox; all closed when the module ends."""
    loaded: dict[str, Backend] = {}
    with Sandbox() as sandbox:

        def load(name: str) -> Backend:
            if name not in loaded:
                loaded[name] = load_backend(name, sandbox)
            return loaded[name]

        yield load
        for backend in loaded.values():
            backend.close()
