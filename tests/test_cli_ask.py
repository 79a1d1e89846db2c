"""`reasoner ask` as a user runs it, with the shipped mock model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reasoner.cli import main

OLIVIA = "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?"


def ask(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ask", *args])
    return result.exit_code, result.stdout, result.stderr


def test_prints_the_answer() -> None:
    code, out, _ = ask("--model", "mock/calculator", "What is 23 - 5 * 3?")
    assert code == 0
    assert out.strip() == "8"


def test_json_has_the_documented_shape() -> None:
    replies = json.dumps(["```python\nanswer = 23 - 5 * 3\n```", "8"])
    code, out, _ = ask("--json", "-m", "mock/script", "-M", f"replies={replies}", OLIVIA)
    assert code == 0
    solution = json.loads(out)
    assert solution["question"] == OLIVIA
    assert solution["answer"] == "8"
    assert solution["backend"] == "python"
    (attempt,) = solution["attempts"]
    assert attempt["backend"] == "python"
    assert attempt["program"].strip() == "answer = 23 - 5 * 3"
    result = attempt["result"]
    assert {"ok", "value", "stdout", "error", "elapsed_ms"} <= result.keys()
    assert result["ok"] is True and result["value"] == "8" and result["error"] is None
    assert set(solution["usage"]) >= {
        "prompt_tokens", "cached_prompt_tokens", "completion_tokens",
        "model_seconds", "exec_seconds", "total_seconds",
    }


def test_failure_exits_non_zero_with_one_line_and_json_still_printed() -> None:
    replies = json.dumps(["```python\nanswer = 1/0\n```", "```python\nanswer = 2/0\n```"])
    code, out, err = ask("--json", "-m", "mock/script", "-M", f"replies={replies}",
                         "--max-attempts", "2", "--backend", "python", "--fallback", "none", "Divide by zero")
    assert code != 0
    solution = json.loads(out)
    assert solution["answer"] is None
    assert [a["result"]["error"]["kind"] for a in solution["attempts"]] == ["runtime", "runtime"]
    assert "ZeroDivisionError" in err and "Traceback" not in err


def test_trace_shows_route_program_and_answer() -> None:
    code, out, _ = ask("--trace", "-m", "mock/calculator", "What is 6 * 7?")
    assert code == 0
    assert "route:" in out and "python" in out
    assert "answer = 6 * 7" in out
    assert "answer:" in out and "42" in out


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question(question: str) -> None:
    code, _, err = ask("-m", "mock/calculator", question)
    assert code != 0 and "empty" in err


@pytest.mark.parametrize(
    ("model", "hint"),
    [("moc/calculator", "Did you mean 'mock'"), ("qwen2.5-coder-1.5", "qwen2.5-coder-1.5b")],
)
def test_unknown_model_suggests_a_known_one(model: str, hint: str) -> None:
    code, _, err = ask("-m", model, "1+1?")
    assert code != 0 and hint in err


def test_missing_model_file_names_the_pull_command() -> None:
    code, _, err = ask("-m", "qwen2.5-coder-0.5b", "1+1?")
    assert code != 0
    assert "reasoner models pull qwen2.5-coder-0.5b" in err


def test_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REASONER_MODEL", "mock/calculator")
    code, out, _ = ask("What is 2 + 2?")
    assert code == 0 and out.strip() == "4"


def test_bad_model_option_is_reported() -> None:
    code, _, err = ask("-m", "mock/calculator", "-M", "no_equals_sign", "1+1?")
    assert code != 0 and "key=value" in err


def test_multiple_choice_answer_is_one_of_the_options() -> None:
    # No --backend: the rules router picks python; the model's final answer is loose prose.
    replies = json.dumps(["```python\nanswer = 23 - 5 * 3\n```", "She has 8 dollars left."])
    code, out, _ = ask("--json", "-m", "mock/script", "-M", f"replies={replies}", OLIVIA,
                       "-c", "$5", "-c", "$8", "-c", "$11")
    assert code == 0
    solution = json.loads(out)
    assert solution["route"]["by"] == "rules" and solution["backend"] == "python"
    assert solution["answer"] == "$8"


@pytest.mark.parametrize("choices", [["-c", " "], ["-c", "A", "-c", "A"]], ids=["empty", "one-option"])
def test_bad_choices_are_refused(choices: list[str]) -> None:
    code, _, err = ask("-m", "mock/calculator", "What is 2 + 2?", *choices)
    assert code != 0
    assert "--choice" in err


def _script(*replies: str) -> list[str]:
    return ["-m", "mock/script", "-M", f"replies={json.dumps(list(replies))}"]


def test_json_error_is_an_object_when_every_program_fails() -> None:
    code, out, err = ask("--json", *_script("```python\nanswer = 1/0\n```", "```python\nanswer = 2/0\n```"),
                         "--max-attempts", "2", "--backend", "python", "--fallback", "none", "Divide by zero")
    assert code != 0
    error = json.loads(out)["error"]
    assert error["kind"] == "programs_failed"
    assert "2 attempt" in error["message"] and "ZeroDivisionError" in error["message"]
    assert error["message"] in err  # the one line on stderr is the same message


def test_json_keeps_what_the_program_wrote_to_stderr() -> None:
    program = "```python\nimport sys\nprint('checking the total', file=sys.stderr)\nanswer = 23 - 15\n```"
    code, out, _ = ask("--json", *_script(program, "8"), "--backend", "python", OLIVIA)
    assert code == 0
    (attempt,) = json.loads(out)["attempts"]
    assert attempt["result"]["stderr"] == "checking the total\n"
    assert attempt["result"]["ok"] is True


def test_timeout_is_the_limit_each_program_runs_under() -> None:
    slow = "```python\nimport time\ntime.sleep(30)\nanswer = 1\n```"
    code, out, _ = ask("--json", *_script(slow), "--backend", "python", "--max-attempts", "1",
                       "--fallback", "none", "--timeout", "1", "How long?")
    assert code != 0
    (attempt,) = json.loads(out)["attempts"]
    error = attempt["result"]["error"]
    assert error["kind"] == "timeout" and "1 s" in error["message"]
    assert attempt["result"]["elapsed_ms"] < 10_000


@pytest.mark.parametrize("shots", [0, 2])
def test_shots_sets_how_many_worked_examples_the_program_prompt_shows(shots: int) -> None:
    code, out, _ = ask("--json", *_script("```python\nanswer = 8\n```", "8"), "--backend", "python",
                       "--shots", str(shots), OLIVIA)
    assert code == 0
    solution = json.loads(out)
    assert solution["answer"] == "8"
    # The mock counts a prompt's words; only the number of examples differs between the runs.
    tokens = solution["usage"]["prompt_tokens"]
    code, out, _ = ask("--json", *_script("```python\nanswer = 8\n```", "8"), "--backend", "python",
                       "--shots", str(shots + 1), OLIVIA)
    assert json.loads(out)["usage"]["prompt_tokens"] > tokens


def test_negative_shots_is_a_one_line_error() -> None:
    code, _, err = ask("-m", "mock/calculator", "--shots", "-1", "What is 2 + 2?")
    assert code != 0 and "shots" in err and "Traceback" not in err


def test_router_model_asks_the_model_which_backend() -> None:
    program = "```python\nx = symbols('x')\nanswer = solve(Eq(2*x, 8), x)[0]\n```"
    code, out, _ = ask("--json", *_script("sympy", program, "4"), "--router", "model", "What is 2 + 2?")
    assert code == 0
    solution = json.loads(out)
    assert solution["route"]["by"] == "model" and solution["backend"] == "sympy"
    assert solution["usage"]["model_calls"] == 3  # route, program, answer


def test_router_auto_trusts_confident_rules_and_asks_the_model_otherwise() -> None:
    code, out, _ = ask("--json", *_script("```python\nanswer = 23 - 15\n```", "8"), "--router", "auto", OLIVIA)
    assert code == 0
    solution = json.loads(out)
    assert solution["route"]["by"] == "rules" and solution["usage"]["model_calls"] == 2
    unsure = "Compare the numbers 7 and 3."  # no cue stands out: the rules are unsure
    code, out, _ = ask("--json", *_script("python", "```python\nanswer = 7 + 3\n```", "10"), "--router", "auto", unsure)
    assert code == 0
    solution = json.loads(out)
    assert solution["route"]["by"] == "model" and solution["usage"]["model_calls"] == 3
