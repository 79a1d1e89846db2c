"""No import cycles among the project's modules, counting imports anywhere in a file.

Modules that import each other (even from inside a function, to dodge the cycle at
import time) are one idea split in the wrong place. The graph is built from the source
with ``ast``: an edge for every ``import`` and ``from ... import`` at any depth
(functions, ``TYPE_CHECKING`` blocks), to the deepest project module it names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("reasoner", "backends", "evals")

KNOWN_CYCLES: set[frozenset[str]] = set()
"""Strongly connected groups known to exist outside this test's owner's code, each to
be removed by fixing the code (then emptied from here). Only ever shrinks."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The deepest project module ``name`` (``a.b.c`` or ``a.b.function``) refers to."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported(module: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                yield target


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imported(name, path, modules)) for name, path in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Groups of modules that import each other, directly or not (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def cycle_path(graph: dict[str, set[str]], group: frozenset[str]) -> list[str]:
    """One cycle through the group, as the chain of imports that closes it."""
    start = min(group)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if nxt not in parents:
                parents[nxt] = node
                frontier.append(nxt)
    return sorted(group)


def test_the_graph_sees_the_packages_and_nested_imports() -> None:
    graph = import_graph()
    assert {"reasoner.pipeline", "backends.sandbox.box", "evals.run"} <= set(graph)
    assert "backends.sandbox.bwrap" in graph["backends.sandbox.isolation"]
    assert "backends" in graph["reasoner.pipeline"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    groups = strongly_connected(graph)
    new = [g for g in groups if g not in KNOWN_CYCLES]
    assert not new, "import cycles:\n" + "\n".join(
        " -> ".join(cycle_path(graph, group)) for group in new
    )
    fixed = [sorted(g) for g in KNOWN_CYCLES if g not in groups]
    assert not fixed, f"these known cycles are gone: remove them from KNOWN_CYCLES: {fixed}"


def test_backends_never_import_the_engine() -> None:
    """``backends`` sits below ``reasoner``: a plugin needs nothing of the engine."""
    graph = import_graph()
    offenders = {m: sorted(t for t in targets if t.split(".")[0] == "reasoner")
                 for m, targets in graph.items() if m.split(".")[0] == "backends"}
    assert not {m: t for m, t in offenders.items() if t}


def test_the_sandbox_knows_no_language() -> None:
    """Nothing in ``backends/sandbox/`` imports a language's module or its libraries."""
    for path in sorted((ROOT / "backends" / "sandbox").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in {"sympy", "z3", "pysat", "pyswip", "reasoner"}, (path, name)
                assert not name.startswith("backends.") or name.startswith(
                    ("backends.sandbox", "backends.result")
                ), (path, name)


def test_a_cycle_is_found_and_named_by_its_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    groups = strongly_connected(graph)
    assert groups == [frozenset({"a", "b", "c"})]
    assert cycle_path(graph, groups[0]) == ["a", "b", "c", "a"]


def test_nothing_outside_research_imports_it() -> None:
    """Measurements build on the product, never the other way round (research/ is not shipped)."""
    offenders = []
    for folder in ("reasoner", "backends", "evals", "fewshot", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "research"]
    assert not offenders
