"""The 43 tdoku test puzzles, solved by a program written here, in the `sat` and `smt` backends.

Each line of ``sudoku_tdoku/test_puzzles`` is ``grid:number_of_solutions:solution``.
The program classifies its puzzle: no solution, exactly one (and which), or several
(found by solving, blocking that solution and solving again).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from backends import Backend
from backends.result import Limits


def _puzzle_file() -> Path:
    override = os.environ.get("REASONER_DATA_DIR")
    datasets = Path(override) if override else Path(__file__).parents[1].parent / "shared/datasets"
    return datasets / "sudoku_tdoku" / "test_puzzles"


PUZZLE_FILE = _puzzle_file()
PUZZLES = (
    [[*line.split(":"), ""][:3] for line in PUZZLE_FILE.read_text().split("\n") if line.strip()]
    if PUZZLE_FILE.is_file() else []
)
pytestmark = pytest.mark.skipif(
    not PUZZLES,
    reason=f"the tdoku puzzles are not at {PUZZLE_FILE}; set REASONER_DATA_DIR to the datasets dir",
)

SAT_PROGRAM = """
grid = {grid!r}
pool = IDPool()
x = {{(r, c, d): pool.id((r, c, d)) for r in range(9) for c in range(9) for d in range(1, 10)}}
cnf = CNF()
def exactly_one(lits):
    cnf.extend(CardEnc.equals(lits=lits, bound=1, vpool=pool, encoding=EncType.pairwise).clauses)
for r in range(9):
    for c in range(9):
        exactly_one([x[r, c, d] for d in range(1, 10)])
for d in range(1, 10):
    for i in range(9):
        exactly_one([x[i, c, d] for c in range(9)])
        exactly_one([x[r, i, d] for r in range(9)])
        br, bc = 3 * (i // 3), 3 * (i % 3)
        exactly_one([x[br + r, bc + c, d] for r in range(3) for c in range(3)])
for i, ch in enumerate(grid):
    if ch != ".":
        cnf.append([x[i // 9, i % 9, int(ch)]])
with Solver(name="g4", bootstrap_with=cnf) as solver:
    if not solver.solve():
        answer = "none"
    else:
        model = set(solver.get_model())
        chosen = [x[r, c, d] for r in range(9) for c in range(9) for d in range(1, 10)
                  if x[r, c, d] in model]
        solution = "".join(str(d) for r in range(9) for c in range(9) for d in range(1, 10)
                           if x[r, c, d] in model)
        solver.add_clause([-lit for lit in chosen])
        answer = "several" if solver.solve() else "unique:" + solution
"""

SMT_PROGRAM = """
grid = {grid!r}
cells = [[Int(f"c{{r}}{{c}}") for c in range(9)] for r in range(9)]
s = SolverFor("QF_FD")  # bounded integers, bit-blasted to SAT: fast here
for r in range(9):
    for c in range(9):
        s.add(1 <= cells[r][c], cells[r][c] <= 9)
        ch = grid[9 * r + c]
        if ch != ".":
            s.add(cells[r][c] == int(ch))
for i in range(9):
    s.add(Distinct(cells[i]))
    s.add(Distinct([cells[r][i] for r in range(9)]))
    br, bc = 3 * (i // 3), 3 * (i % 3)
    s.add(Distinct([cells[br + r][bc + c] for r in range(3) for c in range(3)]))
if s.check() == unsat:
    answer = "none"
else:
    m = s.model()
    values = [[m.eval(cells[r][c]).as_long() for c in range(9)] for r in range(9)]
    s.add(Or([cells[r][c] != values[r][c] for r in range(9) for c in range(9)]))
    solution = "".join(str(v) for row in values for v in row)
    answer = "several" if s.check() == sat else "unique:" + solution
"""

PROGRAMS = {"sat": SAT_PROGRAM, "smt": SMT_PROGRAM}
LIMITS = Limits(wall_seconds=30, cpu_seconds=30)


def expected(count: str, solution: str) -> str:
    n = int(count)
    return "none" if n == 0 else f"unique:{solution}" if n == 1 else "several"


def test_the_dataset_has_all_three_classes() -> None:
    assert len(PUZZLES) == 43
    classes = {expected(count, sol).split(":")[0] for _, count, sol in PUZZLES}
    assert classes == {"none", "unique", "several"}
    assert all(len(grid) == 81 for grid, _, _ in PUZZLES)


@pytest.mark.parametrize("backend", ["sat", "smt"])
@pytest.mark.parametrize("index", range(len(PUZZLES)))
def test_puzzle_is_classified(
    backend: str, index: int, backend_loader: Callable[[str], Backend]
) -> None:
    grid, count, solution = PUZZLES[index]
    program = PROGRAMS[backend].format(grid=grid)
    result = backend_loader(backend).run(program, LIMITS)
    assert result.ok, f"puzzle {index} in {backend}: {result.error}"
    assert result.value == expected(count, solution), f"puzzle {index} ({count} solutions)"
