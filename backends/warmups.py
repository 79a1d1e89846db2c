"""Trusted code a warm Python worker runs once after importing a library.

Libraries defer imports and tables to their first call (SymPy's first ``solve`` of
``x**2 - 2`` costs 0.4 s), which would otherwise be paid again in every program.
"""

from __future__ import annotations

LIBRARY_WARMUPS: dict[str, str] = {
    "sympy": (
        "from sympy import *\n"
        "x, y = symbols('x y')\n"
        "solve(x**2 - 2, x); solve([x + y - 3, x - y - 1], [x, y]); solve(x**3 - x - 1, x)\n"
        "simplify(sin(x)**2 + cos(x)**2); factor(x**2 - 1); expand((x + 1)**3)\n"
        "integrate(x * exp(x), x); diff(sin(x) * x, x); limit(sin(x) / x, x, 0)\n"
        "series(exp(x), x, 0, 3); nsimplify(0.5); Rational(1, 3) + sqrt(8); N(pi, 20)\n"
        "latex(sqrt(2) / 3); solveset(x**2 - 1, x, S.Reals); Matrix([[1, 2], [3, 4]]).det()\n"
        "isprime(97); factorint(360); summation(x, (x, 1, 10)); apart(1 / (x**2 - 1))\n"
    ),
    "z3": (
        "import z3\n"
        "x = z3.Int('x'); s = z3.Solver(); s.add(x > 1, x * x < 10); s.check(); s.model()\n"
        "o = z3.Optimize(); o.add(x > 1); o.minimize(x); o.check(); o.model()\n"
    ),
    "pysat.solvers": (
        "from pysat.solvers import Solver\n"
        "for name in ('cadical153', 'glucose4', 'minisat22', 'minicard'):\n"
        "    with Solver(name=name, bootstrap_with=[[1, 2], [-1]]) as s:\n"
        "        s.solve()\n"
    ),
    "pysat.card": (
        "from pysat.card import CardEnc, EncType\n"
        "CardEnc.equals(lits=[1, 2, 3], bound=1, encoding=EncType.seqcounter)\n"
    ),
}


def warmup_code(warm_imports: tuple[str, ...], extra: str = "") -> list[str]:
    """The warm-ups a worker runs, each in its own namespace: libraries', then the backend's."""
    parts = [LIBRARY_WARMUPS[name] for name in warm_imports if name in LIBRARY_WARMUPS]
    return [*parts, extra] if extra else parts
