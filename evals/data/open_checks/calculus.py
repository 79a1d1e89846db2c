"""Verifies the open set's answers for ``calculus`` independently of the pipeline.

Derivatives, integrals and limits are computed exactly with SymPy (``diff``, ``integrate``,
``limit``); extrema come from the critical points and the interval's endpoints. Exact
answers are given as integers or fractions, irrational ones rounded to 3 decimal places
as the questions ask.
"""

import json

from sympy import E, Rational, S, diff, exp, integrate, limit, nsimplify, oo, sin, solveset, sqrt, symbols

x = symbols("x", real=True)


def num(v) -> str:
    """An exact rational as a plain integer or p/q."""
    v = nsimplify(v)
    assert v.is_Rational, v
    return str(v.p) if v.q == 1 else f"{v.p}/{v.q}"


def rounded(v, places: int = 3) -> str:
    assert not nsimplify(v).is_Rational, v  # the question asks for rounding only when irrational
    return f"{float(v.evalf(50)):.{places}f}"


def max_on(f, lo, hi):
    crit = solveset(diff(f, x), x, domain=S.Reals)
    points = [lo, hi, *(c for c in crit if lo <= c <= hi)]
    return max(f.subs(x, p) for p in points)


# 07: wall side length L (unfenced), the other side w, L*w = 200; fence F(w) = 2w + 200/w, w > 0
w = symbols("w", positive=True)
fence = 2 * w + 200 / w
(w07,) = [c for c in solveset(diff(fence, w), w, domain=S.Reals) if c > 0]
assert diff(fence, w, 2).subs(w, w07) > 0 and limit(fence, w, 0) == oo and limit(fence, w, oo) == oo

ANSWERS: dict[str, str] = {
    "calculus-01": num(diff(x**3 - 4 * x**2 + 7 * x - 2, x).subs(x, 3)),
    "calculus-02": num(integrate(sqrt(x), (x, 1, 4))),
    "calculus-03": num(limit((x**3 - 8) / (x**2 - 4), x, 2)),
    "calculus-04": num(max_on(x**3 - 6 * x**2 + 9 * x + 1, 0, 5)),
    "calculus-05": rounded(diff(exp(x) * sin(x), x).subs(x, 1)),
    "calculus-06": rounded(integrate(x * exp(-x), (x, 0, 2))),
    "calculus-07": num(fence.subs(w, w07)),
    "calculus-08": rounded(limit((1 + Rational(3) / x) ** x, x, oo)),
}

assert limit((1 + Rational(3) / x) ** x, x, oo) == E**3

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
