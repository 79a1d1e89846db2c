"""Which worked examples a question is shown: multiple-choice ones only when it offers options."""

from __future__ import annotations

import pytest

import fewshot
from fewshot import Example
from reasoner.prompting import chain_pool, cot_messages, shown_examples


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


def test_a_chain_of_thought_vote_is_shown_worked_chains_of_its_kind() -> None:
    messages = cot_messages("A pen costs $3. How many pens can Ann buy for $12?", shots=2)
    first = fewshot.chains("number")[0]
    assert len(messages) == 1 + 2 * 2 + 1
    assert messages[1].content.endswith(first.question)
    assert messages[2].content == f"{first.reasoning}\nThe answer is {first.answer}."
    assert messages[-1].content.endswith("How many pens can Ann buy for $12?")


def test_options_get_the_multiple_choice_chains_and_letters() -> None:
    messages = cot_messages("Is Rex a plant?", ["True", "False"], shots=1)
    first = fewshot.chains("choice")[0]
    assert messages[2].content.endswith(f"The answer is {first.answer}.")
    assert messages[-1].content.endswith("Is Rex a plant?\nOptions:\nA) True\nB) False")


def test_without_shots_a_chain_of_thought_is_the_bare_question() -> None:
    assert [m.role for m in cot_messages("What is 2 + 2?")] == ["system", "user"]


@pytest.mark.parametrize(("question", "pool"), [
    ("A jacket costs $80 and a hat $15. What do both cost?", "number"),
    ("Find all $x$ with $x^2 = 4$.", "latex"),
    ("Compute \\frac{2}{3} of 9.", "latex"),
    ("Who is Rita's brother-in-law?", "number"),
])
def test_a_question_in_latex_gets_the_latex_chains_and_prices_do_not(question: str, pool: str) -> None:
    assert chain_pool(question) == pool
