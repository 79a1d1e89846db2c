"""The routers: rules on hand-written questions, the model router's prompt and parsing
with the mock model, forced and auto routing, the CLI, and the labelled set."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from conftest import REAL_HOME

from backends import Backend, ExecResult, Limits, backend_names, registry
from backends.registry import UnknownNameError
from reasoner import catalog
from reasoner.cli import main
from reasoner.models import Capabilities
from reasoner.models.llamacpp import LlamaCppEngine
from reasoner.models.mock import MockEngine
from reasoner.pipeline import Reasoner
from reasoner.routing import (
    DIRECT,
    AutoRouter,
    ForcedRouter,
    ModelRouter,
    Route,
    RulesRouter,
    candidates,
    make_router,
)
from reasoner.routing.model import router_messages
from reasoner.routing.probe import RouteProbe, probes_for
from reasoner.types import Message

FAMILIES = ("python", "sympy", "prolog", "sat", "smt")


def _stub(label: str) -> type[Backend]:
    class Stub(Backend):
        name: ClassVar[str] = label
        description: ClassVar[str] = f"stand-in {label} backend for routing tests"
        languages: ClassVar[tuple[str, ...]] = (label,)

        def run(self, program: str, limits: Limits | None = None) -> ExecResult:
            raise AssertionError("a router never runs a program")

    return Stub


@pytest.fixture
def families() -> Iterator[None]:
    """The five backend names the rules know, registered by stubs where the real one is not (yet)."""
    added = [label for label in FAMILIES if label not in backend_names()]
    for label in added:
        registry.register(label, lambda label=label: _stub(label))
    yield
    for label in added:
        registry.unregister(label)


@pytest.fixture
def fractions_backend() -> Iterator[str]:
    """A backend only this test knows about, registered at run time like a plugin would be."""

    class Fractions(Backend):
        name = "fractions"
        description = "Exact rational arithmetic with Python's fractions module."
        languages = ("python",)

        def run(self, program: str, limits: Limits | None = None) -> ExecResult:
            raise AssertionError("a router never runs a program")

    registry.register("fractions", lambda: Fractions)
    yield "fractions"
    registry.unregister("fractions")


RULES_CASES: dict[str, Sequence[str]] = {
    "python": (
        # Counting and chance: enumerate the cases.
        "In how many ways can 5 people stand in a line?",
        "Two dice are rolled. What is the probability that the sum is 7?",
        "A farmer has 120 apples and sells 45 of them at $2 each. How much money does he make?",
        "A bus travels at 60 km per hour for 2.5 hours. How far does it go?",
        "Tickets cost $12 for adults and $7 for children. How much do 3 adults and 4 children pay?",
        "Mia saves 15% of her $2,400 monthly salary. How many dollars does she save in a year?",
        # The same relation, but the total is asked, not given: forward arithmetic.
        "Paul is three years younger than Rita, who is 22. What is the total of their ages?",
        # Family words in a word problem are story, not a rule base.
        "Leo had twelve stamps. He gave four to his grandmother and three to his aunt. How many are left?",
        "Zoe's uncle gave her $30 and her cousin gave her $12. How much did she get?",
        # Order words in a word problem: it asks how much, not who.
        "Sam is 12 cm taller than Lea, who is 140 cm tall. Who is taller, and by how much?",
        # Order words in the question asked of given data, not in premises: a lookup.
        "Ages in years: Louis 7, Bernard 5, Vincent 9, Gwen 8. Which of them is older than Bernard and "
        "younger than Gwen?",
    ),
    "sympy": (
        "Solve for x: 4x - 7 = 2x + 9.",
        "What is the derivative of x^3 * sin(x)?",
        "Compute the integral of 1/(1 + x^2) from 0 to 1.",
        r"Simplify $\frac{x^2 - 9}{x - 3}$.",
        "The sum of two numbers is 40 and one is 4 more than three times the other. "
        "If their total is 40, what is the smaller number?",
        # Relations counted in words or with a unit, and a given total: equations.
        "Paul is three years younger than Rita. The total of their ages is 41. How old is Rita?",
        "A shop has 5 fewer red pens than blue pens, and 45 pens in total. How many blue pens are there?",
        # Numbers as the unknowns, asked plainly.
        "Two numbers add up to 50 and their difference is 8. What are the numbers?",
        "A number tripled minus 4 is 20. What is the number?",
        # Unknowns tied by relations: two kinds with totals, ages then and now, a threshold.
        "A jar holds only nickels and dimes: 30 coins worth $2.10. How many dimes are there?",
        "Lena is 3 times as old as Kim. In 10 years she will be twice as old as Kim. How old is Kim now?",
        "A gym charges $20 a month plus $3 a visit. What is the smallest number of visits for which the bill "
        "is over $80?",
    ),
    "prolog": (
        "Every lorpus is a dumpus. Each dumpus is bitter. Sam is a lorpus. "
        "Is the following statement true or false? Sam is bitter.",
        "Anne is kind. If someone is kind then they are green. All green people are young. "
        "Based on the above information, is the following statement true, false, or unknown? Anne is young.",
        "Tom is the parent of Ann. Ann is the parent of Joe. Is Tom an ancestor of Joe?",
        # Asked the way people ask, with no benchmark phrasing.
        "Maria is Paul's mother. Paul is Sofia's father. Who is Sofia's grandmother?",
        "Every fish can swim. Sharks are fish. Bruce is a shark. Can Bruce swim? True or false?",
        "Rex is a dog. Dogs have tails. Does Rex have a tail?",
        # A family told by its ties; connections listed one by one.
        "Ida and Max have two daughters, Lea and Uma. Uma's son is Tim. Lea has no children. Who is Tim's aunt?",
        "Buses run from Ash to Elm, Elm to Oak and Oak to Pine. Can you travel from Ash to Pine?",
        "If the alarm rings, Sam wakes up. The alarm rings. Does Sam wake up?",
    ),
    "smt": (
        "Five runners race. Ana finished above Ben. Cy finished last. Dee finished second. "
        "Eve finished above Ana. Which of the following is true?",
        "On a shelf, three books are arranged in a fixed order. The red book is to the left of the blue book. "
        "The green book is the rightmost.",
        "All cats are mammals. Either Tom is a cat or Tom is a robot. No robot eats fish. Tom eats fish. "
        "Is the following statement true, false, or uncertain? Tom is a mammal.",
        "Ivy, Jo and Kai run a race. Ivy does not finish last. Kai finishes right after Jo. Who wins?",
        # Orderings told with everyday relations and a who/which question, no benchmark phrasing.
        "Nina, Omar and Pete stand in a queue. Omar stands directly behind Nina. Pete is not last. Who is first?",
        "Ruth is taller than Sam but shorter than Tess. Who is the tallest?",
        # Each person gets a different thing: an assignment (z3's Distinct over small integers).
        "Ann, Ben and Cal each chose a different drink: tea, coffee or juice. Ben did not choose tea. "
        "Cal chose juice. Who chose coffee?",
        # Statements about who lies: a claim holds exactly when its speaker tells the truth.
        "Ana and Bo are each a knight, who always tells the truth, or a knave, who always lies. "
        "Ana says: 'We are both knaves.' What is Bo?",
    ),
    "sat": (
        "Solve this Sudoku:\n53..7....\n6..195...\n.98....6.\n8...6...3\n4..8.3..1\n7...2...6\n.6....28.\n"
        "...419..5\n....8..79",
        "5...27..9..41......1..5.3...92.6.8...5......66.7..1.5...6.28..4.....3.1..8..7..2.",
        "Colour the nodes of this graph with three colours so that no two adjacent nodes share one.",
        # Colouring asked as a yes/no question, short and without digits (read as trivia before).
        "The vertices of a triangle must be coloured with two colours so that the two ends of every edge "
        "differ. Is that possible?",
        "Can the regions of this map be coloured with three colours: A touches B and C, B touches C and D?",
        "Exactly one of Ann, Bob and Cal is guilty, and at most one of Bob and Cal tells the truth. Who is guilty?",
        "A graph has edges P-Q, Q-R, R-S, S-T and T-P. What is the least number of colours that colours "
        "the vertices so that no edge joins two of the same colour?",
        # Propositional formulas and circuits.
        "Is (p → q) ∨ (q → p) a tautology?",
        "Can the circuit (A OR B) AND NOT (A OR B) ever be on?",
    ),
    DIRECT: (
        "What is the capital of Italy?",
        "Who wrote War and Peace?",
        "What does the word 'laconic' mean?",
        "Which element has the chemical symbol Fe?",
        "Is it true or false that the Moon orbits the Earth?",
    ),
}


@pytest.mark.parametrize(
    ("expected", "question"),
    [(label, question) for label, questions in RULES_CASES.items() for question in questions],
)
def test_rules_route_each_family(families: None, expected: str, question: str) -> None:
    assert RulesRouter().route(question).backend == expected


def test_rules_scores_are_normalised_over_every_candidate(families: None) -> None:
    route = RulesRouter().route("Solve for x: 2x + 3 = 11")
    assert route.by == "rules"
    assert set(route.scores) == set(candidates())
    assert sum(route.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert route.confidence == max(route.scores.values()) == route.scores["sympy"]


def test_rules_confidence_separates_clear_from_ambiguous(families: None) -> None:
    rules = RulesRouter(threshold=0.6)
    clear = rules.route(RULES_CASES["sat"][1])
    vague = rules.route("Tell me about it.")
    assert rules.confident(clear)
    assert not rules.confident(vague)
    assert vague.confidence < clear.confidence


@pytest.mark.parametrize("undetermined", ["Unknown", "Uncertain"])
def test_the_premises_shape_not_the_options_wording_picks_the_logic_backend(families: None, undetermined: str) -> None:
    """A third truth value among the options marks an entailment question; facts and if-then
    rules go to Prolog, premises with a disjunction or an existential to z3, whatever the
    undetermined option is called."""
    choices = ["True", "False", undetermined]
    horn = "The cat is small. If something is small then it is quiet. Is the following statement correct? "
    assert RulesRouter().route(horn + "The cat is quiet.", choices).backend == "prolog"
    first_order = ("Every pet is either a cat or a dog. Some dogs bark. No cat barks. Tom is a pet. "
                   "Is the following statement correct? Tom barks.")
    assert RulesRouter().route(first_order, choices).backend == "smt"


def test_rules_never_pick_an_unregistered_backend(fractions_backend: str) -> None:
    route = RulesRouter().route("What is 1/3 + 1/6 as an exact fraction?")
    assert route.backend in candidates()
    assert fractions_backend in route.scores  # offered, scored, just no cue for it


# --- the model router, with the mock model ---------------------------------------------


def recorder(reply: str) -> tuple[MockEngine, list[list[Message]]]:
    engine = MockEngine("router", replies=[reply])
    return engine, engine.calls


def test_prompt_lists_every_backend_with_its_description(families: None) -> None:
    engine, calls = recorder("python")
    ModelRouter(engine).route("What is 2 + 2?")
    (messages,) = calls
    system = messages[0].content
    for name in backend_names():
        description = " ".join(registry.load(name).description.split())
        assert f"- {name}: {description}" in system
    assert f"- {DIRECT}:" in system
    assert messages[-1].role == "user" and messages[-1].content.endswith("What is 2 + 2?")
    # Every example's answer is an offered label.
    assert {m.content for m in messages if m.role == "assistant"} <= set(candidates())


def test_prefix_is_identical_across_questions(families: None) -> None:
    first = router_messages(candidates(), "What is 2 + 2?")
    second = router_messages(candidates(), "Who wrote Hamlet?", ["Shakespeare", "Marlowe"])
    assert first[:-1] == second[:-1]
    assert second[-1].content.endswith("Options:\n- Shakespeare\n- Marlowe")


def test_a_backend_registered_at_run_time_is_offered_and_returned(fractions_backend: str) -> None:
    engine, calls = recorder(" fractions\n")
    route = ModelRouter(engine).route("What is 1/3 + 1/6, exactly?")
    assert "- fractions: Exact rational arithmetic with Python's fractions module." in calls[0][0].content
    assert route == Route(backend="fractions", by="model", scores=route.scores)
    assert route.confidence == max(route.scores.values())


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("sympy", "sympy"),
        ("  SymPy.", "sympy"),
        ("`prolog`", "prolog"),
        ("The best tool is smt, or maybe sat.", "smt"),
        ("Use Z3 for this", "smt"),
        ("<think>python or sympy?</think> sympy", "sympy"),
        ("direct", DIRECT),
    ],
)
def test_model_reply_is_parsed_leniently(families: None, reply: str, expected: str) -> None:
    engine, _ = recorder(reply)
    route = ModelRouter(engine).route("Solve x + 1 = 2.")
    assert (route.backend, route.by) == (expected, "model")
    assert sum(route.scores.values()) == pytest.approx(1.0, abs=1e-3)


def test_second_label_named_gets_a_smaller_score(families: None) -> None:
    engine, _ = recorder("smt, or maybe sat")
    scores = ModelRouter(engine).route("Schedule three talks.").scores
    assert scores["smt"] > scores["sat"] > 0 == scores["python"]


@pytest.mark.parametrize("reply", ["", "I am not sure.", "pythonic sympyish", "calculator"])
def test_garbage_reply_falls_back_to_the_rules(families: None, reply: str) -> None:
    engine, calls = recorder(reply)
    route = ModelRouter(engine).route("Solve for x: 3x = 12.")
    assert len(calls) == 1
    assert (route.backend, route.by) == ("sympy", "rules")


def test_router_asks_for_a_short_reply_constrained_to_the_labels(families: None) -> None:
    seen = []

    class Spy(MockEngine):
        def generate(self, messages, options):  # type: ignore[no-untyped-def]
            seen.append(options)
            return super().generate(messages, options)

    ModelRouter(Spy("spy", replies=["python"])).route("What is 2 + 2?")
    (options,) = seen
    assert options.max_tokens <= 16
    assert options.prefix_messages == len(router_messages(candidates(), "x")) - 1
    assert options.one_of == list(candidates())  # every registered backend plus direct


# --- forced, auto, factory ------------------------------------------------------------------


def test_forced_router() -> None:
    assert ForcedRouter("python").route("anything") == Route(backend="python", by="forced", scores={"python": 1.0})
    assert ForcedRouter(DIRECT).route("anything").backend == DIRECT
    with pytest.raises(UnknownNameError, match="Did you mean 'python'"):
        ForcedRouter("pyhton")


def test_auto_skips_the_model_when_the_rules_are_confident(families: None) -> None:
    engine, calls = recorder("prolog")
    route = AutoRouter(engine, threshold=0.6).route(RULES_CASES["sat"][1])
    assert (route.backend, route.by) == ("sat", "rules") and calls == []
    route = AutoRouter(engine, threshold=1.01).route(RULES_CASES["sat"][1])
    assert (route.backend, route.by) == ("prolog", "model") and len(calls) == 1


class StatesEngine(MockEngine):
    """The mock, with a hidden state per text: what a probe reads from a real engine."""

    capabilities = Capabilities(hidden_states=True)

    def __init__(self, states: dict[str, list[float]], engine_id: str = "mock/router") -> None:
        super().__init__("router", replies=["python"])
        self.states = states
        self.engine_id = engine_id
        self.read: list[str] = []

    @property
    def id(self) -> str:
        return self.engine_id

    def last_hidden_state(self, text: str) -> list[float] | None:
        self.read.append(text)
        return self.states.get(text)


def _probe(engine_id: str, threshold: float = 0.7) -> RouteProbe:
    """Score = sigmoid(first state dimension): a state of [2, 0] scores 0.88, [0, 0] scores 0.5."""
    return RouteProbe(engine=engine_id, source="python", target="sympy", prefix="Q: ", threshold=threshold,
                      bias=0.0, weights=[1.0, 0.0], fitted_by="a test")


WORD_PROBLEM = ("Ann bought 6 pairs of shoes and 4 shirts for $560. A shirt costs a quarter of what a pair of "
                "shoes costs. How much does a pair of shoes cost?")
"""Wants an equation, reads like arithmetic: the rules send it to python."""


def test_auto_probe_moves_a_python_route_it_is_sure_of(families: None) -> None:
    assert RulesRouter().route(WORD_PROBLEM).backend == "python"
    engine = StatesEngine({"Q: " + WORD_PROBLEM: [2.0, 0.0]})
    route = AutoRouter(engine, probes=[_probe(engine.id)]).route(WORD_PROBLEM)
    assert route == Route(backend="sympy", by="probe", scores={"python": 0.1192, "sympy": 0.8808})
    assert engine.read == ["Q: " + WORD_PROBLEM] and engine.calls == []  # no generation


def test_auto_probe_keeps_the_route_below_its_threshold(families: None) -> None:
    engine = StatesEngine({"Q: " + WORD_PROBLEM: [0.0, 5.0]})
    route = AutoRouter(engine, probes=[_probe(engine.id)]).route(WORD_PROBLEM)
    assert (route.backend, route.by) == ("python", "rules")


def test_auto_probe_reads_only_questions_routed_to_its_source(families: None) -> None:
    engine = StatesEngine({})
    route = AutoRouter(engine, probes=[_probe(engine.id)]).route(RULES_CASES["sat"][1])
    assert route.backend == "sat" and engine.read == []


def test_probe_scores_stay_probabilities_far_from_the_boundary() -> None:
    engine = StatesEngine({"Q: far": [1000.0, 0.0], "Q: near": [-1000.0, 0.0]})
    assert _probe(engine.id).score(engine, "far") == 1.0
    assert _probe(engine.id).score(engine, "near") == 0.0


def test_a_probe_needs_a_state_of_its_size(families: None) -> None:
    engine = StatesEngine({"Q: " + WORD_PROBLEM: [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="no hidden state of size 2"):
        AutoRouter(engine, probes=[_probe(engine.id)]).route(WORD_PROBLEM)
    with pytest.raises(ValueError, match="no hidden state of size 2"):
        _probe(engine.id).score(MockEngine("router", replies=["x"]), WORD_PROBLEM)  # the mock has none


def test_probes_apply_to_the_engine_they_were_fitted_on(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(_probe("mock/router").model_dump_json())
    (tmp_path / "b.json").write_text(_probe("llamacpp/other").model_dump_json())
    engine = StatesEngine({}, engine_id="mock/router")
    assert [p.engine for p in probes_for(engine, ["python", "sympy"], tmp_path)] == ["mock/router"]
    assert probes_for(engine, ["python", "prolog"], tmp_path) == []  # its target is not registered
    assert AutoRouter(engine).probes == []  # no shipped probe for the mock
    blind = MockEngine("router", replies=["x"])  # same id, but says it has no hidden states
    assert probes_for(blind, ["python", "sympy"], tmp_path) == []


def test_the_shipped_probe_is_found_for_the_default_model() -> None:
    """Renaming the default model without refitting would silently drop the probe."""
    engine = StatesEngine({}, engine_id=f"llamacpp/{catalog.DEFAULT_MODEL}")
    (probe,) = probes_for(engine, ["python", "sympy"])
    assert (probe.source, probe.target) == ("python", "sympy")
    assert probe.checks and 0 < probe.threshold < 1


def test_reasoner_with_the_auto_router_reads_the_probe_through_its_metered_model(families: None) -> None:
    """`reasoner ask --router auto`: the pipeline hands the router a metering wrapper of the
    model, which must pass hidden-state reads through to the engine."""
    engine = StatesEngine({}, engine_id=f"llamacpp/{catalog.DEFAULT_MODEL}")
    (probe,) = probes_for(engine, ["python", "sympy"])
    engine.states[probe.prefix + WORD_PROBLEM] = [10 * w for w in probe.weights]  # far on sympy's side
    solution = Reasoner(model=engine, router="auto", max_attempts=1, fallback="none").solve(WORD_PROBLEM)
    assert solution.route is not None and (solution.route.backend, solution.route.by) == ("sympy", "probe")


@pytest.mark.slow
def test_the_engine_reproduces_the_probe_scores_it_was_fitted_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default model's hidden states, read through the engine, score the probe file's
    check questions as the fitting script did: same prefix, same token, same weights."""
    if not catalog.model_path(catalog.DEFAULT_MODEL, home=REAL_HOME).is_file():
        pytest.fail(f"The default model is missing. Run `make setup` or "
                    f"`reasoner models pull {catalog.DEFAULT_MODEL}`.")
    monkeypatch.setenv("REASONER_HOME", str(REAL_HOME))
    engine = LlamaCppEngine(catalog.DEFAULT_MODEL, {"n_ctx": "1024", "prefix_cache_disk": "false"})
    try:
        (probe,) = probes_for(engine, ["python", "sympy"])
        for check in probe.checks:
            assert probe.score(engine, check.question) == pytest.approx(check.score, abs=0.02)
    finally:
        engine.close()


def test_make_router() -> None:
    engine = MockEngine("router", replies=["python"])
    assert isinstance(make_router("rules"), RulesRouter)
    assert isinstance(make_router("model", engine), ModelRouter)
    assert isinstance(make_router("auto", engine), AutoRouter)
    with pytest.raises(ValueError, match="needs a model"):
        make_router("model")
    with pytest.raises(ValueError, match="Unknown router"):
        make_router("oracle")


# --- the CLI ----------------------------------------------------------------------------------


def route_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["route", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_the_backend(families: None) -> None:
    code, out, _ = route_cli("Solve for x: 2x + 3 = 11")
    assert (code, out.strip()) == (0, "sympy")


def test_cli_json_shape(families: None) -> None:
    code, out, _ = route_cli("--json", "Who wrote Hamlet?")
    assert code == 0
    decision = json.loads(out)
    assert set(decision) == {"backend", "by", "scores"}
    assert decision["backend"] == DIRECT and decision["by"] == "rules"
    assert set(decision["scores"]) == set(candidates())


def test_cli_model_router_with_choices(families: None) -> None:
    replies = json.dumps(["smt"])
    code, out, _ = route_cli("--router", "model", "-m", "mock/r", "-M", f"replies={replies}", "--json",
                             "-c", "True", "-c", "False", "Is it raining?")
    assert code == 0
    assert json.loads(out)["backend"] == "smt" and json.loads(out)["by"] == "model"


def test_cli_forced_and_unknown_backend(families: None) -> None:
    code, out, _ = route_cli("--backend", "prolog", "--json", "What is 2 + 2?")
    assert code == 0 and json.loads(out) == {"backend": "prolog", "by": "forced", "scores": {"prolog": 1.0}}
    code, _, err = route_cli("--backend", "prologue", "What is 2 + 2?")
    assert code != 0 and "Did you mean 'prolog'" in err


def test_cli_rejects_an_empty_question() -> None:
    code, _, err = route_cli("   ")
    assert code != 0 and "empty" in err
