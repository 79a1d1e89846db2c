"""Values that cannot answer their question: a truth value for a "who" question."""

from __future__ import annotations

import pytest

from reasoner.answer_shape import truth_value_for_who


@pytest.mark.parametrize(
    ("value", "question", "expected"),
    [
        ("false", "Ann is Bob's mother. Who is Bob's mother?", True),
        ("Unknown.", "Facts here. whose book is it?", True),
        ("ann", "Ann is Bob's mother. Who is Bob's mother?", False),
        ("[ann, bob]", "Who are Cy's grandparents?", False),
        ("false", "Ann is Bob's mother. Is Ann Bob's mother?", False),
        ("true", "Who said it? Is the following statement true or false? Ann said it.", False),
        ("yes", "Which of the following is true?", False),
    ],
)
def test_truth_value_for_who(value: str, question: str, expected: bool) -> None:
    assert truth_value_for_who(value, question) is expected
