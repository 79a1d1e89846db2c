"""Values that cannot answer their question: a truth value for a "who" question, a letter with no options,
"unknown" where only True or False can answer; and checks contributed by a backend or the caller."""

from __future__ import annotations

import pytest

from reasoner.checks import letter_without_options, truth_value_for_who


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
    assert (truth_value_for_who(value, question) is not None) is expected


@pytest.mark.parametrize(
    ("value", "question", "choices", "expected"),
    [
        ("B", "Ann, Ben and Cy sit in a row. Ann is in the middle. Who sits at the left end?", None, True),
        ("(A)", "A farmer keeps hens and cows in a row of pens. Which pen holds the cow?", None, True),
        ("E.", "Five books stand on a shelf. Which book is in the middle?", None, True),
        ("Ben", "Ann, Ben and Cy sit in a row. Who sits at the left end?", None, False),
        ("B", "Which is largest?", ["A) 2", "B) 3"], False),
        ("B", "Which is largest?\nOptions:\nA) 2\nB) 3", None, False),
        ("C", "Which is largest? (A) 2 (B) 3 (C) 4", None, False),
        ("B", "Which is largest? $\\textbf{(A)}\\ 2 \\qquad \\textbf{(B)}\\ 3$", None, False),
        ("A", "On an island, A says: 'B is a knave.' B says nothing. Who is a knight?", None, False),
        ("C", "A graph has vertices A, B and C and edges A-B and B-C. Which vertex has two neighbours?", None, False),
        ("F", "Runners D, E and F finished a race. Who won?", None, False),
        ("G", "Seven runners finished a race. Who won?", None, True),  # any capital is an option letter
    ],
)
def test_letter_without_options(value: str, question: str, choices: list[str] | None, expected: bool) -> None:
    assert (letter_without_options(value, question, choices) is not None) is expected
