"""A multiple-choice answer is always one of the options, however the model phrased it."""

from __future__ import annotations

import pytest

from reasoner.checks import undetermined_between_true_and_false
from reasoner.options import match_choice, option_text, with_options

TFU = ["A) True", "B) False", "C) Unknown"]
DATES = ["(A) 01/02/2020", "(B) 12/31/2019", "(C) 12/30/2019"]


@pytest.mark.parametrize(
    ("answer", "choices", "expected"),
    [
        ("True", TFU, "A) True"),
        ("B", TFU, "B) False"),
        ("(C)", TFU, "C) Unknown"),
        ("false.", TFU, "B) False"),
        ("The statement is unknown", TFU, "C) Unknown"),
        ("C) Unknown", TFU, "C) Unknown"),
        ("12/31/2019", DATES, "(B) 12/31/2019"),
        ("(C)", DATES, "(C) 12/30/2019"),
        ("12/30/19", DATES, "(C) 12/30/2019"),
        ("7", ["5", "7", "9"], "7"),
    ],
)
def test_match_choice(answer: str, choices: list[str], expected: str) -> None:
    assert match_choice(answer, choices) == expected


def test_nothing_to_match() -> None:
    assert match_choice("", TFU) is None
    assert match_choice("True", []) is None


def test_option_text_drops_the_label() -> None:
    assert [option_text(c) for c in TFU] == ["True", "False", "Unknown"]
    assert option_text("(B) 12/31/2019") == "12/31/2019"


@pytest.mark.parametrize(
    ("value", "choices", "expected"),
    [
        ("unknown", ["A) True", "B) False"], True),
        ("Uncertain.", ["True", "False"], True),
        ("unknown", ["A) True", "B) False", "C) Unknown"], False),  # unknown is an option
        ("true", ["A) True", "B) False"], False),
        ("unknown", ["A) The owl is second", "B) The crow is second"], False),  # not truth values
        ("unknown", [], False),
    ],
)
def test_undetermined_value_against_definite_options(value: str, choices: list[str], expected: bool) -> None:
    assert (undetermined_between_true_and_false(value, "Is it true?", choices) is not None) is expected


def test_options_are_shown_one_a_line_plain_or_lettered() -> None:
    assert with_options("Which? ", ["2", "3"]) == "Which?\nOptions:\n- 2\n- 3"
    assert with_options("Which?", ["2", "3"], lettered=True) == "Which?\nOptions:\nA) 2\nB) 3"
    assert with_options("Which? ", None) == "Which? "


def test_letters_run_past_e() -> None:
    """Some tasks offer seven or eighteen options: "G" is an option letter like "B"."""
    choices = [f"option {n}" for n in range(8)]
    assert match_choice("(G)", choices) == "option 6"
