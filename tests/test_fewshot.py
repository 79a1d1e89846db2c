"""Every worked example runs in its backend and produces its stated value, so none can rot."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import pytest

import fewshot
from backends import Backend

EXAMPLE_FILES = sorted(
    path.name.removesuffix(".yaml")
    for path in resources.files("fewshot").iterdir()
    if path.name.endswith(".yaml") and path.name != fewshot.CHAINS_FILE
)
CASES = [
    pytest.param(backend, index, id=f"{backend}-{index}")
    for backend in EXAMPLE_FILES
    for index in range(len(fewshot.load(backend)))
]


def test_every_registered_backend_has_examples() -> None:
    from backends import backend_names

    assert set(backend_names()) <= set(EXAMPLE_FILES)


@pytest.mark.parametrize(("backend", "index"), CASES)
def test_example_program_produces_its_value(
    backend: str, index: int, backend_loader: Callable[[str], Backend]
) -> None:
    example = fewshot.load(backend)[index]
    result = backend_loader(backend).run(example.program)
    assert result.ok, f"{backend} example {index} failed: {result.error}"
    assert result.value == example.value


def test_examples_are_distinct() -> None:
    for backend in EXAMPLE_FILES:
        questions = [e.question for e in fewshot.load(backend)]
        assert len(questions) == len(set(questions)), backend
