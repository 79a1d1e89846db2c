"""The pipeline with a scripted model: repair loop, final answer, accounting, errors."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import fewshot
from backends import Sandbox, registry
from backends.python import PythonBackend
from reasoner.checks import undetermined_between_true_and_false
from reasoner.models.mock import MockEngine
from reasoner.pipeline import Reasoner
from reasoner.prompting import QUESTION_PREFIX
from reasoner.types import GenerateOptions, Message


def fenced(program: str) -> str:
    return f"```python\n{program}\n```"


def test_answers_with_one_program_and_a_final_answer() -> None:
    model = MockEngine("t", replies=[fenced("answer = 23 - 5 * 3"), "8"])
    solution = Reasoner(model=model).solve("Olivia has $23 and buys five $3 bagels. Left?", backend="python")
    assert solution.answer == "8"
    assert solution.backend == "python"
    assert [a.result.value for a in solution.attempts] == ["8"]
    assert solution.error is None
    # The final-answer call sees the program's result, not the model's guess.
    assert "Result: 8" in model.calls[1][-1].content


def test_repairs_a_failing_program_with_the_error_shown() -> None:
    model = MockEngine(
        "t",
        replies=[fenced("answer = undefined_name * 2"), fenced("answer = 21 * 2"), "42"],
    )
    solution = Reasoner(model=model).solve("What is 21 doubled?", backend="python")
    assert solution.answer == "42"
    assert [a.result.ok for a in solution.attempts] == [False, True]
    assert solution.attempts[0].result.error is not None
    assert solution.attempts[0].result.error.kind == "runtime"
    repair_turn = model.calls[1][-1].content
    assert "NameError" in repair_turn and "undefined_name" in repair_turn
    # The failed program is shown as the model's own previous turn.
    assert model.calls[1][-2].role == "assistant"
    assert "undefined_name" in model.calls[1][-2].content


def test_gives_up_after_max_attempts_with_each_error_recorded() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0"), fenced("answer = 2 / 0")])
    solution = Reasoner(model=model, max_attempts=2, fallback="none").solve("Divide one by zero.", backend="python")
    assert solution.answer is None
    assert len(solution.attempts) == 2
    assert all(a.result.error and a.result.error.kind == "runtime" for a in solution.attempts)
    assert solution.error is not None and solution.error.kind == "programs_failed"
    assert "2 attempt" in solution.error.message and "ZeroDivisionError" in solution.error.message
    assert len(model.calls) == 2  # no final-answer call without a result


def test_a_repair_that_repeats_the_failed_program_is_sampled_instead() -> None:
    failing = fenced("answer = undefined_name * 2")
    model = MockEngine("t", replies=[failing, "\n" + failing + "\n", fenced("answer = 21 * 2"), "42"])
    solution = Reasoner(model=model).solve("What is 21 doubled?", backend="python")
    assert solution.answer == "42"
    # The repeat was never run: two attempts, the second one sampled.
    assert [(a.result.ok, a.resampled) for a in solution.attempts] == [(False, False), (True, True)]
    options = model.options_seen
    assert [(o.temperature, o.seed) for o in options[:3]] == [(0.0, 0), (0.0, 0), (0.7, 1)]
    # The fresh sample comes from the original prompt, not from the conversation that
    # shows the failed program (which the model would copy).
    assert model.calls[2] == model.calls[0]


def test_a_model_that_only_repeats_itself_stops_early() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0")])
    solution = Reasoner(model=model, max_attempts=3, fallback="none").solve("Divide one by zero.", backend="python")
    assert solution.answer is None
    assert len(solution.attempts) == 1  # the same failing program is not run three times
    assert solution.error is not None and solution.error.kind == "programs_failed"
    assert "repeating" in solution.error.message and "ZeroDivisionError" in solution.error.message
    assert len(model.calls) == 3  # first program, its greedy repeat, the sampled repeat


def test_a_reply_that_loops_until_the_token_limit_is_not_run_and_a_fresh_one_is_sampled() -> None:
    looping = fenced("total = 0\n" + "total = total + 1  # add one more\n" * 200)
    model = MockEngine("t", replies=[looping, fenced("answer = 21 * 2"), "42"])
    solution = Reasoner(model=model, program_options=GenerateOptions(max_tokens=300)).solve(
        "What is 21 doubled?", backend="python")
    assert solution.answer == "42"
    first, second = solution.attempts
    assert first.result.error is not None and first.result.error.kind == "runaway"
    assert first.result.elapsed_ms == 0  # never run: the program was cut off mid-line
    assert second.result.ok and second.resampled
    # Sampled afresh from the original prompt: the looping program is not shown back.
    assert model.calls[1] == model.calls[0]
    assert [(o.temperature, o.seed) for o in model.options_seen[:2]] == [(0.0, 0), (0.7, 1)]


def test_a_long_program_cut_off_without_a_loop_goes_back_for_repair() -> None:
    long_program = fenced("\n".join(f"x{i} = {i} * {i + 1}" for i in range(200)) + "\nanswer = x199")
    model = MockEngine("t", replies=[long_program, fenced("answer = 7"), "7"])
    solution = Reasoner(model=model, program_options=GenerateOptions(max_tokens=300)).solve(
        "Sum the products.", backend="python")
    assert solution.attempts[0].result.error is not None
    assert solution.attempts[0].result.error.kind == "syntax"  # it ran, and failed where it was cut
    assert not solution.attempts[1].resampled
    assert model.calls[1][-2].role == "assistant"  # a repair conversation, with the program shown


def test_a_sympy_program_that_leaves_its_result_in_a_variable_needs_no_repair() -> None:
    model = MockEngine("t", replies=[fenced("x = symbols('x')\nroots = solve(x**2 - 4, x)\nresult = max(roots)"), "2"])
    solution = Reasoner(model=model).solve("What is the larger root of x^2 = 4?", backend="sympy")
    assert solution.answer == "2"
    assert len(solution.attempts) == 1 and solution.attempts[0].result.value == "2"
    assert solution.attempts[0].program.rstrip().endswith("answer = result")  # the added line is on record


def test_a_reply_with_no_program_counts_as_a_failed_attempt() -> None:
    model = MockEngine("t", replies=["", fenced("answer = 5"), "5"])
    solution = Reasoner(model=model).solve("Five?", backend="python")
    assert solution.answer == "5"
    first = solution.attempts[0].result
    assert first.error is not None and first.error.kind == "syntax"


def test_printed_answer_is_accepted() -> None:
    model = MockEngine("t", replies=[fenced("x = 4\nprint(x * 10)"), "40"])
    solution = Reasoner(model=model).solve("Forty?", backend="python")
    assert solution.answer == "40"
    assert solution.attempts[0].program.strip().endswith("answer = x * 10")


def test_empty_final_reply_falls_back_to_the_value() -> None:
    model = MockEngine("t", replies=[fenced("answer = 9"), "   "])
    assert Reasoner(model=model).solve("Nine?", backend="python").answer == "9"


def test_prompt_puts_examples_first_and_the_question_last() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1"), "1"])
    Reasoner(model=model, shots=2).solve("How many moons does the Earth have?", backend="python")
    program_call = model.calls[0]
    assert [m.role for m in program_call] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert program_call[-1].content.endswith("How many moons does the Earth have?")
    other = MockEngine("t", replies=[fenced("answer = 1"), "1"])
    Reasoner(model=other, shots=2).solve("Another question entirely?", backend="python")
    # Everything before the question is byte-identical between questions.
    assert other.calls[0][:-1] == program_call[:-1]


def test_an_smt_question_without_options_is_shown_examples_without_options() -> None:
    puzzle = "Ann, Ben and Cy sit in a row. Ben sits left of Cy and Ann is not first. Who sits at the left end?"
    model = MockEngine("t", replies=[fenced("answer = 'Ben'"), "Ben"])
    assert Reasoner(model=model).solve(puzzle, backend="smt").answer == "Ben"
    shown = [message.content for message in model.calls[0][1:-1] if message.role == "user"]
    assert len(shown) == 4 and not any("Options:" in question for question in shown)


def test_a_backend_that_does_not_opt_in_shows_its_first_examples_to_open_questions() -> None:
    model = MockEngine("t", replies=["```prolog\nsolve(bob).\n```", "bob"])
    Reasoner(model=model).solve("Ann is Bob's mother. Who is Ann's child?", backend="prolog")
    shown = [message.content for message in model.calls[0][1:-1] if message.role == "user"]
    assert shown == [QUESTION_PREFIX + example.question for example in fewshot.load("prolog")[:4]]


def test_usage_adds_up_over_calls() -> None:
    def responder(messages: Sequence[Message]) -> str:
        return "7" if "Result:" in messages[-1].content else fenced("answer = 7")

    model = MockEngine("t", responder=responder)
    solution = Reasoner(model=model).solve("Seven?", backend="python")
    usage = solution.usage
    assert usage.model_calls == 2
    assert usage.prompt_tokens > usage.completion_tokens > 0
    assert usage.exec_seconds > 0
    assert usage.total_seconds >= usage.exec_seconds + usage.model_seconds


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_empty_question_is_refused(question: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        Reasoner(model=MockEngine("calculator")).solve(question)


def test_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(LookupError, match=r"Did you mean 'python'"):
        Reasoner(model=MockEngine("calculator")).solve("1+1?", backend="pyhton")


def test_calculator_mock_answers_arithmetic() -> None:
    solution = Reasoner(model="mock/calculator").solve("What is (12 + 30) / 7?")
    assert solution.answer == "6.0"


def test_routes_automatically_and_records_the_route() -> None:
    model = MockEngine("t", replies=[fenced("answer = 23 - 5 * 3"), "8"])
    solution = Reasoner(model=model, router="rules").solve(
        "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?"
    )
    assert solution.route is not None and solution.route.by == "rules"
    assert solution.backend == solution.route.backend == "python"
    assert solution.answer == "8"


def test_a_question_routed_direct_is_answered_without_a_program() -> None:
    model = MockEngine("t", replies=["Paris"])
    solution = Reasoner(model=model, router="rules").solve("What is the capital of France?")
    assert solution.backend == "direct"
    assert solution.answer == "Paris"
    assert solution.attempts == []
    assert len(model.calls) == 1


def test_falls_back_to_a_direct_answer_when_every_program_fails() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0"), fenced("answer = 2 / 0"), "0.5"])
    solution = Reasoner(model=model, max_attempts=2).solve("Half of one?", backend="python")
    assert solution.fallback == "direct"
    assert solution.answer == "0.5"
    assert len(solution.attempts) == 2 and not any(a.result.ok for a in solution.attempts)
    # The failed attempts stay on record, with why they failed.
    assert solution.error is not None and "ZeroDivisionError" in solution.error.message


def test_the_python_fallback_writes_python_programs_after_the_routed_backend_fails() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0"), fenced("answer = 1 / 2"), "0.5"])
    solution = Reasoner(model=model, max_attempts=1, fallback="python").solve("Half of one?", backend="sympy")
    assert solution.answer == "0.5" and solution.fallback == "python"
    assert [(a.backend, a.result.ok) for a in solution.attempts] == [("sympy", False), ("python", True)]
    assert [c.backend for c in solution.candidates] == ["sympy", "python"]
    # Why the routed backend failed stays on record beside the fallback's answer.
    assert solution.error is not None and "ZeroDivisionError" in solution.error.message
    # The fallback's prompt is python's, with python's first worked example.
    assert model.calls[1][1].content.endswith(fewshot.load("python")[0].question)


def test_the_python_fallback_answers_directly_when_python_fails_too() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0"), fenced("answer = 2 / 0"), "0.5"])
    solution = Reasoner(model=model, max_attempts=1, fallback="python").solve("Half of one?", backend="sympy")
    assert solution.fallback == "direct" and solution.answer == "0.5"
    assert [a.backend for a in solution.attempts] == ["sympy", "python"]


def test_a_failed_python_question_is_not_tried_twice_in_python() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0"), "0.5"])
    solution = Reasoner(model=model, max_attempts=1, fallback="python").solve("Half of one?", backend="python")
    assert solution.fallback == "direct" and len(solution.attempts) == 1 and len(model.calls) == 2


def test_no_fallback_when_disabled() -> None:
    model = MockEngine("t", replies=[fenced("answer = 1 / 0")])
    solution = Reasoner(model=model, max_attempts=1, fallback="none").solve("x?", backend="python")
    assert solution.answer is None and solution.fallback is None


def test_multiple_choice_answer_is_one_of_the_options() -> None:
    choices = ["A) True", "B) False", "C) Unknown"]
    model = MockEngine("t", replies=[fenced("answer = 'unknown'"), "It is unknown."])
    solution = Reasoner(model=model).solve("Is the cat red?", backend="python", choices=choices)
    assert solution.answer == "C) Unknown"
    final_prompt = model.calls[-1][-1].content
    assert all(choice in final_prompt for choice in choices)


def test_an_undetermined_result_for_a_true_or_false_question_goes_back_for_repair() -> None:
    """'unknown' cannot be True or False: the program lost a link, so it is repaired, not guessed."""
    choices = ["A) True", "B) False"]
    model = MockEngine("t", replies=[fenced("answer = 'unknown'"), fenced("answer = 'false'"), "False"])
    solution = Reasoner(model=model).solve("Rex is a lempus. Is Rex cold?", backend="python", choices=choices,
                                           checks=[undetermined_between_true_and_false])
    assert solution.answer == "B) False"
    first = solution.attempts[0].result
    assert [a.result.ok for a in solution.attempts] == [False, True]
    assert first.error is not None and first.error.kind == "no_answer" and first.value == "unknown"
    repair_turn = model.calls[1][-1].content
    assert "'unknown'" in repair_turn and "A) True, B) False" in repair_turn


def test_an_undetermined_result_that_never_resolves_falls_back_to_a_direct_answer() -> None:
    model = MockEngine("t", replies=[fenced("answer = 'unknown'"), fenced("answer = 'Unknown.'"), "True"])
    solution = Reasoner(model=model, max_attempts=2).solve(
        "Is Rex cold?", backend="python", choices=["True", "False"], checks=[undetermined_between_true_and_false])
    assert [a.result.error.kind for a in solution.attempts if a.result.error] == ["no_answer", "no_answer"]
    assert solution.fallback == "direct" and solution.answer == "True"


def test_checks_come_from_the_backend_and_apply_only_to_its_programs() -> None:
    """The logic backends name the True-or-False check; a python program answering 'unknown'
    to the same question is not held to it (no caller check given)."""
    assert registry.load("prolog").answer_checks == ("undetermined_between_true_and_false",)
    model = MockEngine("t", replies=[fenced("answer = 'unknown'"), "B) False"])
    solution = Reasoner(model=model).solve("Is Rex cold?", backend="python", choices=["A) True", "B) False"])
    assert [a.result.ok for a in solution.attempts] == [True]


def test_a_backends_own_check_function_sends_the_program_back_with_its_reason() -> None:
    def no_negatives(value: str, question: str, choices: Sequence[str] | None) -> str | None:
        return "a count cannot be negative" if value.startswith("-") else None

    class Counting(PythonBackend):
        name = "counting"
        answer_checks = (no_negatives,)

    model = MockEngine("t", replies=[fenced("answer = 3 - 5"), fenced("answer = 5 - 3"), "2"])
    registry.register("counting", lambda: Counting)
    try:
        solution = Reasoner(model=model, shots=0).solve("How many are left?", backend="counting")
    finally:
        registry.unregister("counting")
    assert solution.answer == "2"
    assert solution.attempts[0].result.error is not None
    assert "a count cannot be negative" in solution.attempts[0].result.error.message
    assert "a count cannot be negative" in model.calls[1][-1].content


SEATING = "Ann, Ben and Cy sit in a row. Ann is in the middle. Ben is left of Cy. Who sits at the left end?"


@pytest.mark.parametrize(
    ("question", "wrong", "right", "why"),
    [
        # A rule-base program where a family query was wanted.
        ("Ann is Bob's mother. Bob is Cy's father. Who is Cy's grandmother?", "false", "Ann", "asks who"),
        # A program that copied a multiple-choice example and invented options A-E.
        (SEATING, "B", "Ben", "offers no options"),
    ],
)
def test_a_value_that_cannot_answer_the_question_goes_back_for_repair(
    question: str, wrong: str, right: str, why: str
) -> None:
    model = MockEngine("t", replies=[fenced(f"answer = {wrong!r}"), fenced(f"answer = {right!r}"), right])
    solution = Reasoner(model=model).solve(question, backend="python")
    assert solution.answer == right
    first = solution.attempts[0].result
    assert first.error is not None and first.error.kind == "no_answer" and first.value == wrong
    assert why in model.calls[1][-1].content


@pytest.mark.parametrize(
    ("question", "value", "choices", "answer"),
    [
        ("Ann is Bob's mother. Is Bob Ann's mother?", "false", None, "No"),
        (SEATING, "B", ["A) Ann", "B) Ben", "C) Cy"], "B) Ben"),
    ],
)
def test_the_same_value_answers_a_question_it_fits(
    question: str, value: str, choices: list[str] | None, answer: str
) -> None:
    """`false` answers a yes/no question; a letter answers a question with options."""
    model = MockEngine("t", replies=[fenced(f"answer = {value!r}"), answer])
    solution = Reasoner(model=model).solve(question, backend="python", choices=choices)
    assert [a.result.ok for a in solution.attempts] == [True] and solution.answer == answer


def test_router_calls_are_counted_in_usage() -> None:
    def responder(messages: Sequence[Message]) -> str:
        text = messages[-1].content
        if "Result:" in text:
            return "3"
        if messages[0].content.startswith("You solve problems"):
            return fenced("answer = 1 + 2")
        return "python"  # the routing prompt

    solution = Reasoner(model=MockEngine("t", responder=responder), router="model").solve("1 plus 2?")
    assert solution.route is not None and solution.route.by == "model"
    assert solution.usage.model_calls == 3
    assert solution.answer == "3"


def test_a_reasoner_closes_what_it_made_and_leaves_what_it_was_given() -> None:
    """`with Reasoner() as r:` stops the warm workers of its own sandbox and frees a model it
    loaded; a sandbox or a model passed in belongs to the caller and stays usable."""
    given = MockEngine("calculator")
    closed: list[str] = []
    given.close = lambda: closed.append("given")  # type: ignore[method-assign]
    with Sandbox() as shared:
        with Reasoner(model=given, sandbox=shared) as reasoner:
            assert reasoner.solve("What is 6 * 7?").answer == "42"
        assert closed == []
        assert Reasoner(model=given, sandbox=shared).solve("What is 2 + 3?").answer == "5"  # still usable
    with Reasoner(model="mock/calculator") as reasoner:
        owned = reasoner.model
        owned.close = lambda: closed.append("owned")  # type: ignore[method-assign]
        assert reasoner.solve("What is 6 * 7?").answer == "42"
        sandbox = reasoner.sandbox
    assert closed == ["owned"]
    assert sandbox.closed
