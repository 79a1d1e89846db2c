"""Worked examples per backend, shipped as YAML package data and loaded on demand."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, TypeAdapter


class Example(BaseModel):
    question: str
    program: str
    value: str
    """The exact text the program's ``answer`` must render to."""
    type: str | None = None
    """The kind of problem (e.g. ``probability``, ``kinship``): what the example teaches."""


_examples = TypeAdapter(list[Example])


def example_file(backend: str) -> str:
    return f"{backend}.yaml"


@cache
def _raw(backend: str, path: str | None = None) -> str:
    if path is not None:
        return Path(path).read_text(encoding="utf-8")
    resource = resources.files(__name__) / example_file(backend)
    if not resource.is_file():
        raise FileNotFoundError(
            f"No few-shot examples for backend {backend!r}: expected fewshot/{example_file(backend)}"
        )
    return resource.read_text(encoding="utf-8")


def load(backend: str, path: str | None = None) -> list[Example]:
    """All examples for ``backend`` (from ``path`` when a plugin ships its own), validated."""
    return _examples.validate_python(yaml.safe_load(_raw(backend, path)) or [])


def digest(backend: str, path: str | None = None) -> str:
    """sha256 of the examples file, recorded in eval logs."""
    return hashlib.sha256(_raw(backend, path).encode()).hexdigest()


CHAINS_FILE = "chains.yaml"
CHAIN_POOLS = ("number", "latex", "choice", "text")
"""The kinds of answer the worked chains of thought are grouped by."""


class Chain(BaseModel):
    """A worked chain of thought: a question, its reasoning and its answer (for multiple
    choice, the option's letter, with the options in ``choices``)."""

    question: str
    reasoning: str
    answer: str
    choices: list[str] | None = None


@cache
def _chains_text() -> str:
    return (resources.files(__name__) / CHAINS_FILE).read_text(encoding="utf-8")


@cache
def chains(pool: str) -> tuple[Chain, ...]:
    """The worked chains of thought for one kind of answer (one of ``CHAIN_POOLS``)."""
    if pool not in CHAIN_POOLS:
        raise ValueError(f"no chains of thought for {pool!r}; pools: {', '.join(CHAIN_POOLS)}")
    return tuple(Chain.model_validate(chain) for chain in yaml.safe_load(_chains_text())[pool])


def chains_digest() -> str:
    """sha256 of the chains file, recorded in eval logs."""
    return hashlib.sha256(_chains_text().encode()).hexdigest()
