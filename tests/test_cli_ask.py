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
