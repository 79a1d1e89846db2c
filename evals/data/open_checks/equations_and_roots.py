"""Verifies the open set's answers for ``equations_and_roots`` independently of the pipeline.

Each equation is solved over the reals with SymPy (``solveset`` on ``S.Reals``), candidate
roots of radical equations are substituted back to drop extraneous ones, and the asked-for
quantity (larger root, sum, ...) is computed from the exact solution set.
"""

import json

from _exact import num
from sympy import Eq, FiniteSet, S, solveset, sqrt, symbols

x = symbols("x", real=True)


def rounded(v, places: int = 3) -> str:
    return f"{float(v.evalf(50)):.{places}f}"


def reals(eq) -> list:
    sol = solveset(eq, x, domain=S.Reals)
    assert isinstance(sol, FiniteSet), sol
    return sorted(sol, key=lambda r: float(r.evalf()))


def radical_solutions() -> list:
    # sqrt(2x + 7) = x - 4: square both sides, then keep only the roots that satisfy the original
    candidates = reals(Eq(2 * x + 7, (x - 4) ** 2))
    return [r for r in candidates if sqrt(2 * r + 7).equals(r - 4)]


ANSWERS: dict[str, str] = {
    "equations_and_roots-01": num(max(reals(Eq(6 * x**2 + x - 15, 0)))),
    "equations_and_roots-02": num(max(reals(Eq(x**3 - 2 * x**2 - 13 * x - 10, 0)))),
    "equations_and_roots-03": rounded(min(reals(Eq((x + 3) / (x - 1), 2 * x - 5)))),
    "equations_and_roots-04": num(sum(reals(Eq(3 ** (2 * x) - 10 * 3**x + 9, 0)))),
    "equations_and_roots-05": num(max(r for r in reals(Eq(x**2, 3 * x + 40)) if r > 0)),
    "equations_and_roots-06": rounded(reals(Eq(2 ** (x + 1), 3**x))[0]),
    "equations_and_roots-07": num(radical_solutions()[0]),
    "equations_and_roots-08": num(sum(r**2 for r in reals(Eq(x**4 - 13 * x**2 + 36, 0)))),
}

assert len(radical_solutions()) == 1
assert len([r for r in reals(Eq(x**2, 3 * x + 40)) if r > 0]) == 1
assert len(reals(Eq(2 ** (x + 1), 3**x))) == 1

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
