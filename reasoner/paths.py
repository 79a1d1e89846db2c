"""Where reasoner keeps its files: one home, from REASONER_HOME or the user cache dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def home() -> Path:
    """The cache root. ``REASONER_HOME`` overrides it (tests point it at a temp dir)."""
    override = os.environ.get("REASONER_HOME")
    return Path(override) if override else Path(platformdirs.user_cache_dir("reasoner"))


def models_dir() -> Path:
    return home() / "models"


def data_dir() -> Path:
    return home() / "datasets"


def state_store() -> Path:
    """llama.cpp prefix states saved between processes (``reasoner models states``)."""
    return home() / "prefix-states"
