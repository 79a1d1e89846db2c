"""What small models write, and the program the pipeline must see in it."""

from __future__ import annotations

import pytest

from backends.python import PythonBackend, assign_printed_answer
from backends.smt import SmtBackend
from backends.sympy import SympyBackend
from reasoner.extraction import extract_program, repeats_itself, strip_thinking
from reasoner.prompting import clean_final_answer

PY = ("python", "py")


@pytest.mark.parametrize(
    ("reply", "program"),
    [
        ("```python\nanswer = 1\n```", "answer = 1\n"),
        ("Sure! Here it is:\n```python\nanswer = 2\n```\nThis prints 2.", "answer = 2\n"),
        ("answer = 3", "answer = 3\n"),
        ("```\nanswer = 4\n```", "answer = 4\n"),
        ("```python\nanswer = 5\n", "answer = 5\n"),  # the closing fence never came
        ("<think>maybe ```python\nanswer = 0\n```</think>\n```python\nanswer = 6\n```", "answer = 6\n"),
        ("<think>still thinking", ""),
        (
            "```text\nsome output\n```\n```python\nx = 3\nanswer = x * 2\n```",
            "x = 3\nanswer = x * 2\n",
        ),
        (
            "```python\nprice = 3\nanswer = 7 * price\n```\nUsage:\n```python\nprint(answer)\n```",
            "price = 3\nanswer = 7 * price\n",
        ),
        ("  ~~~py\nanswer = 8\n  ~~~", "answer = 8\n"),
    ],
)
def test_extract_program(reply: str, program: str) -> None:
    assert extract_program(reply, PY) == program


def test_strip_thinking_keeps_text_after_the_block() -> None:
    assert strip_thinking("<THINK>a\nb</THINK>result").strip() == "result"


@pytest.mark.parametrize(
    ("program", "fixed"),
    [
        ("x = 2\nprint(x * 3)\n", "x = 2\nanswer = x * 3\n"),
        ("x = 2\nprint(x)\n# done\n", "x = 2\nanswer = x\n# done\n"),
        ("answer = 1\nprint(answer)\n", "answer = 1\nprint(answer)\n"),
        ("for i in range(3):\n    print(i)\n", "for i in range(3):\n    print(i)\n"),
        ("print(1)\ny = 2\n", "print(1)\ny = 2\n"),
    ],
)
def test_printed_answer_becomes_assigned(program: str, fixed: str) -> None:
    assert assign_printed_answer(program).rstrip() == fixed.rstrip()


@pytest.mark.parametrize(
    ("program", "fixed"),
    [
        # MATH-500 style: the result left in the last variable
        ("a = 3\nb = 4\nresult = a + b\n", "a = 3\nb = 4\nresult = a + b\nanswer = result\n"),
        ("total = 0\nfor i in range(4):\n    total += i\ntotal += 10\n",
         "total = 0\nfor i in range(4):\n    total += i\ntotal += 10\nanswer = total\n"),
        ("x = 5\nx\n", "x = 5\nx\nanswer = x\n"),  # a notebook habit: the bare name last
        ("x = 2\nprint(x * 3)\n", "x = 2\nanswer = x * 3\n"),  # printing still wins
        # left alone: answer is set, the last statement is no single-name assignment, or it does not parse
        ("answer = 1\nresult = 2\n", "answer = 1\nresult = 2\n"),
        ("a, b = 1, 2\n", "a, b = 1, 2\n"),
        ("values = [1]\nvalues.append(2)\n", "values = [1]\nvalues.append(2)\n"),
        ("for i in range(3):\n    last = i\n", "for i in range(3):\n    last = i\n"),
        ("result = (1 +\n", "result = (1 +\n"),
    ],
)
def test_python_and_sympy_take_the_last_variable_when_answer_is_never_set(program: str, fixed: str) -> None:
    assert PythonBackend().prepare(program) == fixed
    assert SympyBackend().prepare(program) == fixed


def test_the_last_variable_rule_is_not_applied_to_solver_programs() -> None:
    # For z3 the last variable is often the solver or check(): a wrong answer, not a repair.
    program = "s = Solver()\nx = Int('x')\ns.add(x > 2)\nresult = s.check()\n"
    assert SmtBackend().prepare(program) == program


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("8", "8"),
        ("Answer: 8.", "8"),
        ("\n\nFinal answer: $8\nbecause ...", "$8"),
        ("<think>hmm</think>`42`", "42"),
        ("", ""),
    ],
)
def test_clean_final_answer(reply: str, answer: str) -> None:
    assert clean_final_answer(reply) == answer


# A rule base as the 1.5B model writes one: distinct facts and rules, then a loop.
RULE_BASE = "".join(
    f"holds({who}, {what}, true) :- holds({who}, {why}, true).\n"
    for who in ("bear", "cat", "dog", "tiger") for what, why in (("big", "red"), ("nice", "kind"), ("cold", "round"))
)


def test_a_reply_that_loops_to_the_limit_repeats_itself() -> None:
    loop = "holds(tiger, visits(bear), true).\nholds(tiger, needs(rabbit), true).\n" * 6
    assert repeats_itself("```prolog\n" + RULE_BASE + loop + "holds(tiger, vi")  # cut mid-line
    # within one line too: a clause whose body goes on and on
    assert repeats_itself(RULE_BASE + "holds(x, y, true)" + " :- holds(x, y, true)" * 12)


def test_a_long_program_cut_off_without_repeating_is_not_a_loop() -> None:
    assert not repeats_itself("```prolog\n" + RULE_BASE + "holds(tiger, ne")
    assert not repeats_itself("".join(f"x{i} = {i} * {i + 1}\n" for i in range(60)))
    assert not repeats_itself("ab" * 50)  # repeats, but too short to tell a loop from a list
