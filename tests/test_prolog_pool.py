"""The Prolog backend's warm pool: one fork per program, so nothing survives a program."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends import Sandbox, prolog
from backends.prolog import PrologBackend
from backends.result import ErrorKind, ExecResult, Limits

LIMITS = Limits(wall_seconds=5, cpu_seconds=5)


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrologBackend]:
    monkeypatch.setenv("REASONER_POOL", "1")
    backend = PrologBackend()
    assert backend.availability() is None, backend.availability()
    yield backend
    backend.close()


def run_warm(backend: PrologBackend, program: str) -> ExecResult:
    """Run a program and check that a warm worker, not a cold swipl, ran it."""
    before = backend.sandbox.pool.completed
    result = backend.run(program, LIMITS)
    assert backend.sandbox.pool.completed == before + 1, "the program did not run in the warm pool"
    assert not backend._warm_broken
    return result


def value(result: ExecResult) -> str | None:
    assert result.ok, result.error
    return result.value


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(":- dynamic seen/1.\nsolve(ok) :- assertz(seen(1)).",
                     ":- dynamic seen/1.\nsolve(X) :- (seen(_) -> X = leaked ; X = clean).",
                     id="assert"),
        pytest.param(":- dynamic seen/1.\nseen(1).\n:- initialization(retractall(seen(_))).\n"
                     "solve(ok).",
                     ":- dynamic seen/1.\nsolve(X) :- (seen(_) -> X = leaked ; X = clean).",
                     id="assert-at-load"),
        pytest.param("solve(ok) :- set_prolog_flag(occurs_check, true).",
                     "solve(X) :- (current_prolog_flag(occurs_check, true) -> X = leaked "
                     "; X = clean).",
                     id="flag"),
        pytest.param(":- op(700, xfx, ===>).\nsolve(ok) :- X = (a ===> b), X \\== [].",
                     "solve(X) :- (catch(term_to_atom(_, 'a ===> b'), _, fail) -> X = leaked "
                     "; X = clean).",
                     id="operator"),
    ],
)
def test_state_does_not_leak_between_warm_runs(warm: PrologBackend, first: str, second: str) -> None:
    assert value(run_warm(warm, first)) == "ok"
    assert value(run_warm(warm, second)) == "clean"


def test_a_programs_predicates_are_gone_in_the_next(warm: PrologBackend) -> None:
    assert value(run_warm(warm, "helper(7).\nsolve(X) :- helper(X).")) == "7"
    result = run_warm(warm, "solve(X) :- helper(X).")
    assert result.error is not None and result.error.kind is ErrorKind.runtime, result
    assert "helper" in result.error.message and "does not exist" in result.error.message


@pytest.mark.parametrize(
    "program",
    ["solve(_) :- halt.", ":- halt.\nsolve(1).", ":- initialization(halt(3)).\nsolve(1).",
     "solve(X) :- catch(halt, E, true), X = E."],
)
def test_halt_in_a_warm_run_does_not_break_the_next(warm: PrologBackend, program: str) -> None:
    result = run_warm(warm, program)
    assert result.error is not None and result.error.kind is ErrorKind.denied, result
    workers = {w.pid for w in warm.sandbox.pool.workers()}
    assert value(run_warm(warm, "solve(X) :- X is 6 * 7.")) == "42"
    # The same supervisor served the next program: nothing had to be restarted.
    assert {w.pid for w in warm.sandbox.pool.workers()} & workers


def test_a_timeout_in_a_warm_run_leaves_the_pool_usable(warm: PrologBackend) -> None:
    short = Limits(wall_seconds=1.5, cpu_seconds=1.5)
    result = warm.run("loop :- loop.\nsolve(1) :- loop.", short)
    assert result.error is not None and result.error.kind is ErrorKind.timeout
    assert value(run_warm(warm, "solve(X) :- atom_length(abc, X).")) == "3"


def test_output_and_unicode_cross_the_warm_path(warm: PrologBackend) -> None:
    result = run_warm(warm, 'solve(X) :- format("step~n"), atom_string(X, "héllo ✓").')
    assert value(result) == "héllo ✓"
    assert result.stdout == "step\n"


def test_an_unusable_warm_supervisor_falls_back_to_cold(
    warm: PrologBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A libswipl that does not exist: the supervisor starts, Prolog does not.
    monkeypatch.setattr(prolog, "_runtime", lambda swipl: ("/nonexistent/libswipl.so", "/"))
    pool = warm.sandbox.pool
    assert value(warm.run("solve(X) :- X is 2 + 3.", LIMITS)) == "5"
    assert warm._warm_broken
    # Tried once warm (the worker failed to start, and says why), then ran cold.
    assert pool.completed == 0
    assert [why for why in pool.failures().values() if "libswipl" in why]
    assert value(warm.run("solve(X) :- X is 2 + 4.", LIMITS)) == "6"
    assert pool.completed == 0 and len(pool.failures()) == 1  # later runs go straight to cold


def test_pool_off_runs_cold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REASONER_POOL", "0")
    with Sandbox() as sandbox:
        assert value(PrologBackend(sandbox).run("solve(X) :- X is 6 * 7.", LIMITS)) == "42"
        assert sandbox.pool.completed == 0
        assert sandbox.pool.workers() == []


def test_a_sandbox_told_cold_runs_cold_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REASONER_POOL", "1")
    with Sandbox(warm=False) as sandbox:
        assert value(PrologBackend(sandbox).run("solve(X) :- X is 6 * 7.", LIMITS)) == "42"
        assert sandbox.pool.completed == 0
