"""Votes over several candidate programs: normalised values, ties, abstentions, adaptive
stopping, candidates from several backends and from chain-of-thought, and the records."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from click.testing import CliRunner

import fewshot
from reasoner import Reasoner, pipeline
from reasoner.cli import main
from reasoner.models import Capabilities
from reasoner.models.mock import MockEngine
from reasoner.routing import Route, Router
from reasoner.types import Completion, GenerateOptions, Message
from reasoner.votes import AGREE_TO_STOP, VOTE_SEED_STRIDE, VOTE_TEMPERATURE, Tally, vote_key


def fenced(program: str) -> str:
    return f"```python\n{program}\n```"


def reasoner(*replies: str, **options: object) -> tuple[Reasoner, MockEngine]:
    model = MockEngine("t", replies=list(replies))
    return Reasoner(model=model, shots=0, **options), model  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "second", "choices"),
    [("210", "210.0", None), ("$1,200", "1200", None), ("7/2", "3.5", None), ("'Ann.'", "ann", None),
     ("B", "(B) 12", ["(A) 10", "(B) 12"]), ("12", "B", ["(A) 10", "(B) 12"])],
)
def test_one_answer_written_two_ways_is_one_vote(first: str, second: str, choices: list[str] | None) -> None:
    assert vote_key(first, choices) == vote_key(second, choices) is not None


def test_different_answers_and_no_answer_are_told_apart() -> None:
    assert vote_key("210", None) != vote_key("201", None)
    assert vote_key(None, None) is None and vote_key("  ", None) is None


def test_the_majority_wins_and_drawing_stops_once_it_cannot_be_overtaken() -> None:
    r, model = reasoner(fenced("answer = 8"), fenced("answer = 8.0"), "8", votes=3)
    solution = r.solve("How many?", backend="python")
    assert solution.answer == "8"
    assert [c.answer for c in solution.candidates] == ["8", "8.0"]  # a third could not change the winner
    assert len(model.calls) == 3  # two programs and the final answer
    assert solution.agreement == 1.0
    assert model.options_seen[0].temperature == 0.0 and model.options_seen[1].temperature > 0
    assert model.options_seen[1].seed != model.options_seen[0].seed


def test_a_tie_goes_to_the_first_candidate() -> None:
    r, _ = reasoner(fenced("answer = 8"), fenced("answer = 9"), "8", votes=2)
    solution = r.solve("How many?", backend="python")
    assert solution.answer == "8" and solution.agreement == 0.5
    assert Tally(keys=["9", None, "8", "8", "9"]).winner() == "9"


def test_a_candidate_without_a_value_abstains() -> None:
    r, _ = reasoner(fenced("answer = 1 / 0"), fenced("answer = 5"), fenced("answer = 5"), "5",
                    votes=3, max_attempts=1)
    solution = r.solve("How many?", backend="python")
    assert solution.answer == "5" and solution.error is None and solution.fallback is None
    assert [c.answer for c in solution.candidates] == [None, "5", "5"]
    assert solution.agreement == 1.0
    assert [c.attempts for c in solution.candidates] == [[0], [1], [2]]


def test_when_every_candidate_abstains_the_error_and_fallback_stay() -> None:
    r, _ = reasoner(fenced("answer = 1 / 0"), "3", votes=2, max_attempts=1, fallback="none")
    solution = r.solve("How many?", backend="python")
    assert solution.answer is None and solution.agreement is None
    assert solution.error is not None and solution.error.kind == "programs_failed"
    assert all(c.answer is None for c in solution.candidates)


def test_a_failed_sampled_candidate_abstains_unrepaired() -> None:
    r, model = reasoner(fenced("answer = 8"), fenced("answer = 1 / 0"), "8", votes=2)
    solution = r.solve("How many?", backend="python")
    assert [c.attempts for c in solution.candidates] == [[0], [1]]
    assert [c.answer for c in solution.candidates] == ["8", None]
    assert len(model.calls) == 3 and solution.answer == "8" and solution.agreement == 1.0


def test_a_repair_budget_for_sampled_candidates_repairs_with_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "VOTE_REPAIRS", 1)
    r, model = reasoner(fenced("answer = 8"), fenced("answer = 1 / 0"), fenced("answer = 8"), "8", votes=2)
    solution = r.solve("How many?", backend="python")
    assert [c.attempts for c in solution.candidates] == [[0], [1, 2]]
    assert "ZeroDivisionError" in model.calls[2][-1].content  # the repair saw its error
    assert solution.agreement == 1.0


def test_agreeing_candidates_stop_the_draw_early() -> None:
    programs = [fenced("answer = 7")] * (AGREE_TO_STOP + 5)
    r, _ = reasoner(*programs, "7", votes=AGREE_TO_STOP + 5)
    solution = r.solve("How many?", backend="python")
    assert len(solution.candidates) == AGREE_TO_STOP


def test_one_vote_is_the_single_greedy_program() -> None:
    r, model = reasoner(fenced("answer = 8"), "8")
    solution = r.solve("How many?", backend="python")
    assert len(model.calls) == 2 and len(solution.candidates) == 1 and solution.agreement == 1.0


def test_candidates_from_two_backends_start_with_each_ones_greedy_program() -> None:
    r, _ = reasoner(fenced("answer = 8"), fenced("answer = Rational(16, 2)"), "8",
                    votes=3, vote_backends=["python", "sympy"])
    solution = r.solve("How many?", backend="python")
    assert [c.backend for c in solution.candidates] == ["python", "sympy"]
    assert solution.answer == "8"


def test_chain_of_thought_candidates_join_the_vote() -> None:
    r, _ = reasoner(fenced("answer = 9"), "Two and six make eight.\nThe answer is 8.",
                    "Eight it is. The answer is 8.", "8", votes=1, vote_cot=2)
    solution = r.solve("How many?", backend="python")
    assert [(c.backend, c.answer) for c in solution.candidates] == [("python", "9"), ("cot", "8"), ("cot", "8")]
    assert solution.answer == "8" and solution.agreement == pytest.approx(2 / 3)


def test_chains_of_thought_are_not_drawn_when_the_programs_settled_the_vote() -> None:
    r, model = reasoner(fenced("answer = 8"), fenced("answer = 8"), "8", votes=3, vote_cot=3)
    solution = r.solve("How many?", backend="python")
    assert [(c.backend, c.answer) for c in solution.candidates] == [("python", "8"), ("python", "8")]
    assert len(model.calls) == 3  # two programs and the final answer: no chain written
    assert solution.agreement == 1.0


def test_chains_of_thought_decide_when_the_programs_split() -> None:
    r, _ = reasoner(fenced("answer = 8"), fenced("answer = 9"), "The answer is 9.", "The answer is 9.",
                    "9", votes=2, vote_cot=3)
    solution = r.solve("How many?", backend="python")
    # 8, 9, then two chains for 9: the third chain could not change the winner, so it is not drawn.
    assert [(c.backend, c.answer) for c in solution.candidates] == [
        ("python", "8"), ("python", "9"), ("cot", "9"), ("cot", "9")]
    assert solution.answer == "9"


def test_without_early_stopping_every_chain_is_drawn() -> None:
    r, _ = reasoner(fenced("answer = 8"), fenced("answer = 8"), "The answer is 8.", "The answer is 7.", "8",
                    votes=2, vote_cot=2, stop_early=False)
    solution = r.solve("How many?", backend="python")
    assert [c.backend for c in solution.candidates] == ["python", "python", "cot", "cot"]
    assert solution.agreement == 0.75


def test_a_value_that_names_no_option_abstains() -> None:
    choices = ["True", "False"]
    assert vote_key("[carla, dan, ella]", choices) is None  # not the nearest-looking option
    assert vote_key("false.", choices) == vote_key("False", choices) == "False"
    assert vote_key("B", ["(A) 10", "(B) 12"]) == vote_key("12", ["(A) 10", "(B) 12"]) == "(B) 12"


def test_a_candidate_naming_no_option_does_not_settle_the_vote() -> None:
    options = ["True", "False"]
    r, _ = reasoner(fenced("answer = 'False'"), fenced("answer = [1, 2]"), fenced("answer = 'True'"),
                    fenced("answer = 'True'"), "True", votes=4)
    solution = r.solve("Is it so?", backend="python", choices=options)
    # The list abstains rather than counting for the option it looks most like, so the
    # vote goes on, and two Trues outvote the greedy False.
    assert [c.answer for c in solution.candidates] == ["False", "[1, 2]", "True", "True"]
    assert solution.answer == "True" and solution.agreement == pytest.approx(2 / 3)


@pytest.mark.parametrize("votes", [0, -1, 1.5, True])
def test_bad_votes_are_refused(votes: object) -> None:
    with pytest.raises(ValueError, match="votes"):
        Reasoner(model=MockEngine("calculator"), votes=votes)  # type: ignore[arg-type]


def ask(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ask", *args])
    return result.exit_code, result.stdout, result.stderr


def test_ask_votes_json_has_candidates_and_agreement() -> None:
    replies = json.dumps([fenced("answer = 8"), fenced("answer = 9"), fenced("answer = 8"), "8"])
    code, out, _ = ask("--json", "-m", "mock/s", "-M", f"replies={replies}", "--backend", "python",
                       "--shots", "0", "--votes", "3", "How many?")
    assert code == 0
    solution = json.loads(out)
    assert [c["answer"] for c in solution["candidates"]] == ["8", "9", "8"]
    assert [c["attempts"] for c in solution["candidates"]] == [[0], [1], [2]]
    assert solution["candidates"][0]["backend"] == "python"
    assert solution["agreement"] == pytest.approx(2 / 3) and solution["answer"] == "8"


def test_ask_trace_shows_the_tally() -> None:
    replies = json.dumps([fenced("answer = 8"), fenced("answer = 9"), fenced("answer = 8"), "8"])
    code, out, _ = ask("--trace", "-m", "mock/s", "-M", f"replies={replies}", "--backend", "python",
                       "--shots", "0", "--votes", "3", "How many?")
    assert code == 0
    assert "votes:" in out and "8 ×2" in out and "9 ×1" in out


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_ask_refuses_bad_votes_in_one_line(value: str) -> None:
    code, _, err = ask("-m", "mock/calculator", "--votes", value, "What is 2 + 2?")
    assert code != 0 and "votes" in err.lower() and "Traceback" not in err


class _Unsure(Router):
    """Routes to python, with sympy a close second and prolog far behind."""

    name = "unsure"

    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        return Route(backend="python", by=self.name, scores={"python": 0.45, "sympy": 0.4, "prolog": 0.15})


def test_auto_vote_backends_add_the_routers_close_runner_up() -> None:
    model = MockEngine("t", replies=[fenced("answer = 9"), fenced("answer = 8"), fenced("answer = 8"), "8"])
    r = Reasoner(model=model, shots=0, router=_Unsure(), votes=3, vote_backends="auto")
    solution = r.solve("How many?")
    assert [c.backend for c in solution.candidates] == ["python", "sympy", "python"]
    assert solution.answer == "8"


def test_sampled_candidates_draw_their_seeds_from_the_reasoners_seed() -> None:
    r, model = reasoner(fenced("answer = 8"), fenced("answer = 9"), "8", votes=2,
                        program_options=GenerateOptions(seed=7))
    r.solve("How many?", backend="python")
    assert [o.seed for o in model.options_seen[:2]] == [7, 7 + VOTE_SEED_STRIDE]


class _Batching(MockEngine):
    """A mock that says it decodes several replies together, and records each batch."""

    capabilities = Capabilities(batched_generation=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.batches: list[list[tuple[int, float]]] = []

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        self.batches.append([(o.seed, o.temperature) for o in options])
        return super().generate_many(messages, options)


def test_a_batching_engine_writes_every_candidates_first_program_in_one_call() -> None:
    model = _Batching("t", replies=[fenced("answer = 8"), fenced("answer = 9"), fenced("answer = 8"),
                                    fenced("answer = 8"), fenced("answer = 7"), "8"])
    r = Reasoner(model=model, shots=0, votes=5)
    solution = r.solve("How many?", backend="python")
    # The greedy program rides in the batch: a batch of five costs about what four do.
    assert model.batches == [[(0, 0.0)] + [(VOTE_SEED_STRIDE * n, VOTE_TEMPERATURE) for n in range(1, 5)]]
    assert solution.answer == "8"
    assert [c.answer for c in solution.candidates] == ["8", "9", "8", "8"]  # settled before the fifth ran
    assert solution.usage.model_calls == 6  # every stream counted, and the final answer


def test_a_batching_engine_writes_one_batch_per_source_backend() -> None:
    model = _Batching("t", replies=[fenced("answer = 8"), fenced("answer = 8"),
                                    fenced("print(8)"), fenced("print(9)"), "8"])
    r = Reasoner(model=model, shots=0, votes=4, vote_backends=["python", "sympy"], stop_early=False)
    solution = r.solve("How many?", backend="python")
    # python: its greedy program (candidate 0) and the sample of candidate 2; sympy: its
    # greedy program (candidate 1) and the sample of candidate 3.
    assert model.batches == [[(0, 0.0), (2 * VOTE_SEED_STRIDE, VOTE_TEMPERATURE)],
                             [(0, 0.0), (3 * VOTE_SEED_STRIDE, VOTE_TEMPERATURE)]]
    assert [c.backend for c in solution.candidates] == ["python", "sympy", "python", "sympy"]
    assert [c.answer for c in solution.candidates] == ["8", "8", "8", "9"]


def test_a_batching_engine_writes_the_chains_of_thought_in_one_call() -> None:
    model = _Batching("t", replies=[fenced("answer = 8"), "The answer is 9.", "The answer is 8.",
                                    "The answer is 8.", "8"])
    solution = Reasoner(model=model, shots=0, vote_cot=3).solve("How many?", backend="python")
    assert model.batches == [[(0, 0.0), (VOTE_SEED_STRIDE, VOTE_TEMPERATURE), (2 * VOTE_SEED_STRIDE,
                                                                                VOTE_TEMPERATURE)]]
    assert [(c.backend, c.answer) for c in solution.candidates] == [
        ("python", "8"), ("cot", "9"), ("cot", "8"), ("cot", "8")]
    assert solution.agreement == 0.75


def test_chain_of_thought_candidates_are_shown_worked_chains() -> None:
    model = MockEngine("t", replies=[fenced("answer = 8"), "Four and four.\nThe answer is 8.", "8"])
    solution = Reasoner(model=model, shots=2, vote_cot=1).solve("How many?", backend="python")
    chain_prompt = model.calls[1]
    assert [c.backend for c in solution.candidates] == ["python", "cot"]
    assert chain_prompt[1].content.endswith(fewshot.chains("number")[0].question)
    assert chain_prompt[-1].content.endswith("How many?")
