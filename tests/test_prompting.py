"""Which worked examples a question is shown: multiple-choice ones only when it offers options."""

from __future__ import annotations

import fewshot
from fewshot import Example
from reasoner.prompting import shown_examples


def example(question: str) -> Example:
    return Example(question=question, program="answer = 1", value="1")


MIXED = [
    example("Which is true?\nOptions:\nA) x\nB) y"),
    example("Who sits in seat 1?"),
    example("True or false?\nOptions:\nA) True\nB) False"),
    example("How many are left?"),
]


def test_a_question_with_options_sees_the_files_first_examples() -> None:
    by_choices = shown_examples(MIXED, 3, "Who is tallest?", ["Ann", "Bob"], open_first=True)
    by_text = shown_examples(MIXED, 3, "Who is tallest?\n(A) Ann\n(B) Bob", open_first=True)
    assert by_choices == by_text == MIXED[:3]


def test_a_question_without_options_sees_the_open_examples_first_then_the_rest() -> None:
    assert shown_examples(MIXED, 2, "Who is tallest?", open_first=True) == [MIXED[1], MIXED[3]]
    # Too few open examples: the others follow in file order, so k are still shown.
    assert shown_examples(MIXED, 3, "Who is tallest?", open_first=True) == [MIXED[1], MIXED[3], MIXED[0]]


def test_without_open_first_every_question_sees_the_files_first_examples() -> None:
    assert shown_examples(MIXED, 2, "Who is tallest?") == MIXED[:2]


def test_smt_shows_an_open_puzzle_no_options_and_keeps_its_multiple_choice_prompt() -> None:
    smt = fewshot.load("smt")
    puzzle = "Ann, Ben and Cy sit in a row. Ben is left of Cy. Who sits at the left end?"
    shown = shown_examples(smt, 4, puzzle, open_first=True)
    assert not any("Options:" in each.question for each in shown)
    assert any(each.question.rstrip().endswith("?") and each.value.isalpha() for each in shown)
    assert shown_examples(smt, 4, "Which is true?", ["Ann is first.", "Ben is first."], open_first=True) == smt[:4]
