"""Model engines, found through the ``reasoner.models`` entry-point group.

A model is named ``provider/name`` (``llamacpp/qwen2.5-coder-1.5b``,
``openai/gpt-4o-mini``, ``hf/Qwen/Qwen2.5-0.5B-Instruct``, ``mock/calculator``) or by
a bare catalog name, which means that GGUF through llama.cpp.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from backends.registry import Registry, unknown_message
from reasoner.models.base import (
    Capabilities,
    EngineOptions,
    MissingExtraError,
    ModelEngine,
    ModelError,
)

__all__ = [
    "DEFAULT_MODEL_ENV",
    "Capabilities",
    "EngineOptions",
    "MissingExtraError",
    "ModelEngine",
    "ModelError",
    "default_model_spec",
    "get_model",
    "parse_model_spec",
    "registry",
]

registry: Registry[ModelEngine] = Registry("reasoner.models", "model provider")
DEFAULT_MODEL_ENV = "REASONER_MODEL"


def default_model_spec() -> str:
    from reasoner import catalog

    return os.environ.get(DEFAULT_MODEL_ENV) or catalog.DEFAULT_MODEL


def parse_model_spec(spec: str) -> tuple[str, str]:
    """Split ``provider/name``; a bare catalog name means ``llamacpp/<name>``."""
    from reasoner import catalog

    spec = spec.strip()
    if "/" in spec:
        provider, name = spec.split("/", 1)
        if provider in registry.names():
            return provider, name
    if spec in catalog.CATALOG:
        return "llamacpp", spec
    known = [*catalog.CATALOG, *(f"{p}/..." for p in registry.names())]
    if "/" in spec:
        raise ModelError(_unknown(spec.split("/", 1)[0], registry.names(), "model provider"))
    raise ModelError(_unknown(spec, known, "model"))


def _unknown(name: str, known: list[str], what: str) -> str:
    return unknown_message(what, name, known) + " Use provider/name, e.g. llamacpp/qwen2.5-coder-1.5b."


def get_model(spec: str | None = None, options: Mapping[str, Any] | None = None) -> ModelEngine:
    """Load the model named by ``spec`` (default: ``$REASONER_MODEL`` or the catalog default)."""
    provider, name = parse_model_spec(spec or default_model_spec())
    engine_class = registry.load(provider)
    return engine_class(name, dict(options or {}))
