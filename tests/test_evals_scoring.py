"""Scorers against hand-made cases: numbers, LaTeX, options, True/False/Unknown, extraction."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import latex
from evals.records import Item
from evals.scoring import match_choice, normalize_text, parse_number, score, score_choice, score_number
from evals.strategies import ChainOfThought, Direct, Tool

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture
def shared_datasets() -> Path:
    """The benchmark files CI provides at ../shared/datasets from the repository root."""
    assert SHARED_DATASETS.is_dir(), f"expected the shared benchmark files at {SHARED_DATASETS}"
    return SHARED_DATASETS


@pytest.mark.parametrize(
    ("prediction", "gold", "expected"),
    [
        ("18", "18", True),
        ("18.0", "18", True),
        ("$18.00", "18", True),
        ("1,080", "1080", True),
        ("She makes 18 dollars", "18", True),
        ("17.9999999999", "18", True),  # float noise from a program
        ("18.01", "18", False),
        ("17", "18", False),
        ("3/4", "0.75", True),
        ("\\frac{3}{4}", "0.75", True),
        ("25%", "25", True),
        ("-5", "-5", True),
        ("5", "-5", False),
        ("1000001", "1000000", False),  # relative tolerance is tight, not 1e-4
        ("twelve", "12", True),
        ("", "18", False),
        (None, "18", False),
    ],
)
def test_numbers_with_tolerance(prediction: str | None, gold: str, expected: bool) -> None:
    assert score_number(prediction, gold) is expected


def test_parse_number_takes_the_last_number_of_a_sentence() -> None:
    assert parse_number("5 apples plus 3 makes 8") == 8
    assert parse_number("no number here") is None


@pytest.mark.parametrize(
    ("prediction", "gold"),
    [
        ("\\frac{1}{2}", "0.5"),
        ("0.5", "\\frac{1}{2}"),
        ("1/2", "\\frac{1}{2}"),
        ("\\dfrac12", "\\frac{1}{2}"),
        (".5", "\\tfrac{1}{2}"),
        ("\\boxed{\\frac{14}{3}}", "\\frac{14}{3}"),
        ("3*sqrt(13)", "3\\sqrt{13}"),
        ("11 \\sqrt{2}", "11\\sqrt2"),
        ("(3, pi/2)", "\\left( 3, \\frac{\\pi}{2} \\right)"),
        ("90", "90^\\circ"),
        ("Evelyn", "\\text{Evelyn}"),
        ("6-5I", "6 - 5i"),
        ("-2, 1", "1,-2"),
        ("5", "x=5"),
        ("-q + p", "p - q"),
        ("32348", "\\$32,\\!348"),
        ("(x+1)^2", "x^2+2x+1"),
        ("1-sqrt(19), 1+sqrt(19)", "1 \\pm \\sqrt{19}"),
        ("(-1/3, 2/3, 5/3)", "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}"),
        ("0.8660254037844386", "\\frac{\\sqrt{3}}{2}"),
        ("52_8", "52_8"),
    ],
)
def test_latex_equivalents(prediction: str, gold: str) -> None:
    assert score("latex", prediction, gold)


@pytest.mark.parametrize(
    ("prediction", "gold"),
    [
        ("\\frac{1}{3}", "\\frac{1}{2}"),
        ("3.14159", "\\pi"),  # a rounded value is not the exact answer
        ("(\\frac{\\pi}{2}, 3)", "(3, \\frac{\\pi}{2})"),  # points are ordered
        ("1, 2", "1, 2, 3"),
        ("", "1"),
    ],
)
def test_latex_non_equivalents(prediction: str, gold: str) -> None:
    assert not score("latex", prediction, gold)


def test_every_math500_gold_answer_equals_itself(shared_datasets: Path) -> None:
    import json

    lines = (shared_datasets / "math500" / "test.jsonl").read_text().splitlines()
    golds = [json.loads(line)["answer"] for line in lines if line.strip()]
    assert len(golds) == 500
    assert all(latex.latex_equal(g, g) for g in golds)


@pytest.mark.parametrize(
    "hostile",
    [
        "__import__('os').system('touch {marker}')",
        "().__class__.__bases__[0].__subclasses__()",
        "exec('open(\"{marker}\", \"w\")')",
        "lambda: open('{marker}', 'w')",
        "10^10^10^10",
        "9**9**9",
    ],
)
def test_latex_scorer_never_evaluates_code(hostile: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = hostile.format(marker=marker)
    assert not latex.is_safe(latex.to_python(latex.clean(text)) or "") or latex.to_sympy(text) is None
    assert not score("latex", text, "1")
    assert not marker.exists()


def test_is_safe_allows_only_math() -> None:
    assert latex.is_safe("3*sqrt(13) + pi/2")
    assert not latex.is_safe("open(x)")
    assert not latex.is_safe("a.b")
    assert not latex.is_safe("x_1")
    assert not latex.is_safe("'a'")


@pytest.mark.parametrize(
    ("prediction", "expected"),
    [
        ("B", 1),
        ("(B)", 1),
        ("B) False", 1),
        ("Option B", 1),
        ("b", 1),
        ("False", 1),
        ("false.", 1),
        ("The statement is false", 1),
        ("True", 0),
        ("Unknown", 2),
        ("A", 0),
        ("D", None),  # no such option
        ("True or false", None),  # names two options
        ("", None),
    ],
)
def test_true_false_unknown_by_letter_or_text(prediction: str, expected: int | None) -> None:
    assert match_choice(prediction, ["True", "False", "Unknown"]) == expected


def test_option_letters_and_texts() -> None:
    options = ["The green book is the leftmost.", "The red book is the leftmost.", "A blue book is the leftmost."]
    assert score_choice("B", "B", options)
    assert score_choice("The red book is the leftmost", "B", options)
    assert not score_choice("A", "B", options)
    # "A blue book ..." starts with the word A, not the letter A.
    assert match_choice("A blue book is the leftmost.", options) == 2
    assert match_choice("two", ["1", "2", "3"]) == 1
    assert match_choice("not sour", ["sour", "not sour"]) == 1
    assert match_choice("05/01/2021", ["04/29/2021", "05/01/2021"]) == 1


def test_text_normalisation() -> None:
    assert normalize_text("  The Answer, is: Monday!  ") == "answer is monday"
    assert score("text", "monday", "Monday")
    assert score("text", "a razzie", "razzie")
    assert score("text", "42 apples", "42")
    assert not score("text", "Tuesday", "Monday")


def _item(fmt: str = "number", choices: list[str] | None = None) -> Item:
    return Item(id="1", question="q", gold="B" if choices else "18", format=fmt,  # type: ignore[arg-type]
                choices=choices)


def test_cot_extraction_takes_the_last_stated_answer() -> None:
    cot = ChainOfThought()
    text = "First 3 + 4 = 7.\nThen 7 * 2 = 14... the answer is not yet known.\nSo the answer is **18**."
    assert cot.extract(text, _item()) == "18"
    assert cot.extract("Reasoning.\nThe answer is: B) False.", _item("choice", ["True", "False"])) == "B) False"
    assert cot.extract("<think>The answer is 3</think>I computed 18", _item()) == "I computed 18"
    assert cot.extract("So we get \\boxed{\\frac{1}{2}}", _item("latex")) == "\\frac{1}{2}"


def test_direct_and_tool_extraction() -> None:
    assert Direct().extract("Answer: 18.\nExplanation follows", _item()) == "18"
    assert Direct().extract("The answer is C.", _item("choice", ["a", "b", "c"])) == "C"
    assert Tool().extract("  42 ", _item()) == "42"
    assert Tool().extract("", _item()) is None
