"""Examples chosen per question: the fixed ones stay a shared prefix, the retrieved ones
are the nearest to the question."""

from __future__ import annotations

from click.testing import CliRunner

import fewshot
from reasoner import Reasoner, prompting
from reasoner.cli import main
from reasoner.models.mock import MockEngine
from reasoner.retrieval import nearest

EXAMPLES = [
    fewshot.Example(question="A train travels 120 km in 2 hours. What is its speed?", program="answer = 60",
                    value="60"),
    fewshot.Example(question="Two dice are rolled. What is the probability that both show six?",
                    program="answer = '1/36'", value="1/36"),
    fewshot.Example(question="What day of the week was 4 July 1976?", program="answer = 'Sunday'", value="Sunday"),
    fewshot.Example(question="How many ways can 5 books be arranged on a shelf?", program="answer = 120", value="120"),
    fewshot.Example(question="A coin is tossed three times. What is the probability of exactly two heads?",
                    program="answer = '3/8'", value="3/8"),
]


def test_the_nearest_examples_come_best_last() -> None:
    chosen = nearest(EXAMPLES, "Three dice are rolled. What is the probability that all show six?", 2)
    assert [e.value for e in chosen] == ["3/8", "1/36"]  # both probabilities; the dice one is nearest
    assert nearest(EXAMPLES, "anything", 0) == []


def test_without_retrieval_every_question_sees_the_first_examples() -> None:
    for question in ("What is the probability of two heads?", "On what weekday did 2000 begin?"):
        assert prompting.shown_examples(EXAMPLES, 3, question) == EXAMPLES[:3]


def test_retrieval_keeps_the_leading_examples_and_replaces_the_rest() -> None:
    shown = prompting.shown_examples(EXAMPLES, 3, "In how many ways can 7 people stand in a line?", retrieved=1)
    assert shown[:2] == EXAMPLES[:2]
    assert shown[2].value == "120"  # the arrangement example, not the weekday one third in the file
    assert len(prompting.shown_examples(EXAMPLES, 3, "q", retrieved=5)) == 3  # never more than the shots


def test_only_the_fixed_part_of_the_prompt_is_offered_as_a_shared_prefix() -> None:
    model = MockEngine("t", replies=["```python\nanswer = 6 * 7\n```", "42"])
    with Reasoner(model=model, shots=4, retrieved_examples=2) as reasoner:
        assert reasoner.solve("What is 6 times 7?", backend="python").answer == "42"
    program_call = model.options_seen[0]
    assert program_call.prefix_messages == 1 + 2 * 2  # system text and the two fixed examples
    assert len(model.calls[0]) == 1 + 2 * 4 + 1  # all four examples are shown


def test_retrieval_beyond_the_shots_is_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["ask", "-m", "mock/calculator", "--retrieve", "5", "What is 6 * 7?"])
    assert result.exit_code != 0
    assert "--retrieve must be between 0 and --shots (4)" in result.output
