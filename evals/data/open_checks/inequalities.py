"""Verifies the open set's answers for ``inequalities`` independently of the pipeline.

Each condition is solved as an inequality with SymPy (``solveset`` over the reals) and the
integers in the solution set are counted or the extreme one taken; a brute-force scan over
a wide integer range, with exact rational arithmetic, must agree.
"""

import json
from fractions import Fraction as F

from sympy import Abs, Interval, Range, Rational, S, Symbol, ceiling, floor, solveset

x = Symbol("x", real=True)

SCAN = range(-10_000, 10_001)


def solve_all(*conds):
    """The real solution set of all ``conds`` together (an intersection of solveset results)."""
    sol = S.Reals
    for cond in conds:
        sol = sol.intersect(solveset(cond, x, domain=S.Reals))
    return sol


def integers_in(*conds) -> list[int]:
    """The integers of the real solution set of ``conds`` (which must be bounded)."""
    sol = solve_all(*conds)
    lo, hi = sol.inf, sol.sup
    assert lo.is_finite and hi.is_finite, sol
    return [n for n in Range(floor(lo), ceiling(hi) + 1) if sol.contains(n) == S.true]


def least_integer(cond) -> int:
    """The smallest integer of a real solution set that is bounded below (a ray to +infinity)."""
    sol = solveset(cond, x, domain=S.Reals)
    assert sol.sup == S.Infinity, sol
    n = floor(sol.inf)
    while sol.contains(n) != S.true:
        n += 1
    return int(n)


def brute(pred) -> list[int]:
    return [n for n in SCAN if pred(n)]


# 01: Jun 350 + 45w > sister 980 - 25w, first whole week
a01 = least_integer(350 + 45 * x > 980 - 25 * x)
assert a01 == min(w for w in brute(lambda w: w >= 0 and 350 + 45 * w > 980 - 25 * w))

# 02: -3 <= 2x + 5 < 17
s02 = integers_in(2 * x + 5 >= -3, 2 * x + 5 < 17)
assert s02 == brute(lambda n: -3 <= 2 * n + 5 < 17)

# 03: profit (8.75 - 3.50) n - 2400 >= 0
a03 = least_integer((Rational(875, 100) - Rational(350, 100)) * x - 2400 >= 0)
assert a03 == min(brute(lambda n: n >= 0 and (F("8.75") - F("3.50")) * n - 2400 >= 0))

# 04: plan B strictly cheaper: 40 + 0.04 m < 25 + 0.10 m
a04 = least_integer(40 + Rational(4, 100) * x < 25 + Rational(10, 100) * x)
assert a04 == min(brute(lambda n: n >= 0 and 40 + F("0.04") * n < 25 + F("0.10") * n))

# 05: |3x - 7| <= 11
s05 = integers_in(Abs(3 * x - 7) <= 11)
assert s05 == brute(lambda n: abs(3 * n - 7) <= 11)

# 06: x^2 - 3x - 40 < 0
s06 = integers_in(x**2 - 3 * x - 40 < 0)
assert s06 == brute(lambda n: n * n - 3 * n - 40 < 0)

# 07: largest integer n with n^2 + 5n < 300
sol07 = solveset(x**2 + 5 * x < 300, x, domain=S.Reals)
assert isinstance(sol07, Interval)
a07 = max(n for n in Range(floor(sol07.inf), ceiling(sol07.sup) + 1) if sol07.contains(n) == S.true)
assert a07 == max(brute(lambda n: n * n + 5 * n < 300))

# 08: (78 + 85 + 91 + 70 + s) / 5 >= 82, s a whole score 0..100
a08 = least_integer((78 + 85 + 91 + 70 + x) / 5 >= 82)
assert a08 == min(s for s in range(0, 101) if F(78 + 85 + 91 + 70 + s, 5) >= 82)
assert a08 <= 100

ANSWERS: dict[str, str] = {
    "inequalities-01": str(a01),
    "inequalities-02": str(len(s02)),
    "inequalities-03": str(a03),
    "inequalities-04": str(a04),
    "inequalities-05": str(len(s05)),
    "inequalities-06": str(len(s06)),
    "inequalities-07": str(int(a07)),
    "inequalities-08": str(a08),
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
