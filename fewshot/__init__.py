"""Worked examples per backend, shipped as YAML package data and loaded on demand."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, TypeAdapter


class Example(BaseModel):
    question: str
    program: str
    value: str
    """The exact text the program's ``answer`` must render to."""


_examples = TypeAdapter(list[Example])


def example_file(backend: str) -> str:
    return f"{backend}.yaml"


@cache
def _raw(backend: str) -> str:
    path = resources.files(__name__) / example_file(backend)
    if not path.is_file():
        raise FileNotFoundError(
            f"No few-shot examples for backend {backend!r}: expected fewshot/{example_file(backend)}"
        )
    return path.read_text(encoding="utf-8")


def load(backend: str) -> list[Example]:
    """All examples for ``backend``, validated."""
    return _examples.validate_python(yaml.safe_load(_raw(backend)) or [])


def digest(backend: str) -> str:
    """sha256 of the examples file, recorded in eval logs."""
    return hashlib.sha256(_raw(backend).encode()).hexdigest()
