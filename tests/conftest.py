"""Hermetic by default: every test gets its own empty reasoner home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reasoner import paths

REAL_HOME = paths.home()
"""The developer's real cache, captured before tests redirect it; real-model tests read it."""


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "reasoner-home"
    monkeypatch.setenv("REASONER_HOME", str(home))
    monkeypatch.delenv("REASONER_MODEL", raising=False)
    yield home
