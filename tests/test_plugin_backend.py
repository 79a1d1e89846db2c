"""A third-party backend, defined only here, is picked up with no edit anywhere else.

``fractions`` evaluates one arithmetic expression exactly with Python's ``fractions``,
in the same sandbox as every other Python backend (``run_python_program`` + a prelude).
It runs in the sandbox its owner gave it (``self.sandbox``). It reaches the registry
the two ways a plugin can: ``registry.register`` at run time,
and an entry point in the ``reasoner.backends`` group (faked here, as installing a
package would add it).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from importlib.metadata import EntryPoint, EntryPoints
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import backends
from backends import Backend, ErrorKind, ExecResult, Limits, Sandbox, UnknownNameError
from backends.pyrun import run_python_program

PRELUDE = '''
import ast as _ast
import operator as _operator
from fractions import Fraction as _Fraction

_OPERATORS = {
    _ast.Add: _operator.add, _ast.Sub: _operator.sub, _ast.Mult: _operator.mul,
    _ast.Div: _operator.truediv, _ast.Pow: _operator.pow,
    _ast.USub: _operator.neg, _ast.UAdd: _operator.pos,
}

def _exact(text):
    """Evaluate + - * / ** over integers as Fractions; anything else is refused."""
    def value(node):
        if isinstance(node, _ast.Constant) and type(node.value) is int:
            return _Fraction(node.value)
        if isinstance(node, _ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, _ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.operand))
        raise ValueError(f"not allowed in an expression: {_ast.dump(node)[:60]}")
    return value(_ast.parse(text.strip(), mode="eval").body)
'''


class FractionsBackend(Backend):
    name = "fractions"
    description = "Exact rational arithmetic: one expression over integers with + - * / **."
    languages = ("fractions", "text")
    convention = "Write one arithmetic expression; its exact value is the `answer`."
    examples_file = str(Path(__file__).with_name("data") / "fractions.yaml")

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        return run_python_program(self.sandbox, f"answer = _exact({program!r})",
                                  limits or Limits(), prelude=PRELUDE)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def registered() -> Iterator[None]:
    backends.registry.register("fractions", lambda: FractionsBackend)
    yield
    backends.registry.unregister("fractions")


@pytest.fixture
def entry_point(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What ``pip install reasoner-fractions`` would add: one entry point, nothing else."""
    registry_module = importlib.import_module("backends.registry")
    real = registry_module.entry_points
    plugin = EntryPoint(name="fractions", value=f"{__name__}:FractionsBackend",
                        group="reasoner.backends")

    def entry_points(**params: Any) -> EntryPoints:
        found = real(**params)
        if all(getattr(plugin, key) == value for key, value in params.items()):
            return EntryPoints([*found, plugin])
        return found

    monkeypatch.setattr(registry_module, "entry_points", entry_points)
    yield


def test_unknown_before_registration() -> None:
    assert "fractions" not in backends.backend_names()
    with pytest.raises(UnknownNameError):
        backends.load_backend("fractions")


@pytest.mark.usefixtures("registered")
def test_runtime_registration_reaches_names_and_load_backend(sandbox: Sandbox) -> None:
    assert "fractions" in backends.backend_names()
    engine = backends.load_backend("fractions", sandbox)
    assert engine.sandbox is sandbox
    assert isinstance(engine, FractionsBackend)
    result = engine.run("1/3 + 1/6")
    assert result.ok, result.error
    assert result.value == "1/2"
    assert engine.run("(2/3) ** 2 - 1").value == "-5/9"
    with pytest.raises(UnknownNameError, match="Did you mean 'fractions'"):
        backends.load_backend("fraction", sandbox)


@pytest.mark.usefixtures("entry_point")
def test_entry_point_registration() -> None:
    assert "fractions" in backends.backend_names()
    assert {"python", "sympy", "prolog", "sat", "smt"} <= set(backends.backend_names())
    engine = backends.load_backend("fractions")  # no sandbox given: it makes and closes its own
    try:
        result = engine.run("7/4 - 3/4 * 1/3")
    finally:
        engine.close()
    assert engine.sandbox.closed
    assert result.ok, result.error
    assert result.value == "3/2"


@pytest.mark.usefixtures("registered")
def test_plugin_errors_come_back_typed(sandbox: Sandbox) -> None:
    engine = backends.load_backend("fractions", sandbox)
    result = engine.run("1/0")
    assert result.error is not None and result.error.kind is ErrorKind.runtime
    assert "ZeroDivisionError" in result.error.message
    refused = engine.run("__import__('os').getcwd()")
    assert refused.error is not None and "not allowed" in refused.error.message


@pytest.mark.usefixtures("entry_point")
def test_cli_exec_and_backends_pick_up_the_plugin() -> None:
    from reasoner.cli import main

    runner = CliRunner()
    done = runner.invoke(main, ["exec", "fractions", "-", "--json"], input="1/3 + 1/6\n")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["ok"] is True and result["value"] == "1/2" and result["error"] is None

    failed = runner.invoke(main, ["exec", "fractions", "-", "--json"], input="1/0")
    assert failed.exit_code == 1
    assert json.loads(failed.output)["error"]["kind"] == "runtime"

    listed = runner.invoke(main, ["backends", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in map(json.loads, listed.output.splitlines())}
    assert rows["fractions"]["description"] == FractionsBackend.description
    assert rows["fractions"]["available"] is True


@pytest.mark.usefixtures("entry_point")
def test_ask_uses_the_plugin_with_its_own_examples() -> None:
    from reasoner.cli import main

    replies = json.dumps(["```fractions\n1/4 + 1/4\n```", "1/2"])
    result = CliRunner().invoke(main, [
        "ask", "--json", "-m", "mock/script", "-M", f"replies={replies}", "--backend", "fractions",
        "What is a quarter plus a quarter?",
    ])
    assert result.exit_code == 0, result.output
    solution = json.loads(result.stdout)
    assert solution["backend"] == "fractions"
    assert solution["attempts"][0]["result"]["value"] == "1/2"
    assert solution["answer"] == "1/2"


@pytest.mark.usefixtures("entry_point")
def test_model_router_and_prompt_pick_up_the_plugin() -> None:
    from reasoner.models.mock import MockEngine
    from reasoner.pipeline import Reasoner

    seen: list[str] = []

    def responder(messages: Any) -> str:
        if messages[0].content.startswith("You solve problems"):
            seen.append("program")
            # The plugin's convention and its own examples are in the program prompt.
            assert "Write one arithmetic expression" in messages[0].content
            assert any("1/3 + 1/6" in m.content for m in messages)
            return "```fractions\n1/3 + 1/3\n```"
        if "Result:" in messages[-1].content:
            seen.append("final")
            return "2/3"
        seen.append("route")
        # The routing prompt lists the plugin with its description, from the registry.
        assert any("Exact rational arithmetic" in m.content for m in messages)
        return "fractions"

    with Reasoner(model=MockEngine("t", responder=responder), router="model") as reasoner:
        solution = reasoner.solve("What is a third plus a third, as an exact fraction?")
    assert solution.route is not None and solution.route.backend == "fractions"
    assert solution.attempts[0].result.value == "2/3"
    assert solution.answer == "2/3"
    assert seen == ["route", "program", "final"]
