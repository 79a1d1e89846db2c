"""Verifies the open set's answers for ``algebra_word_problems`` independently of the pipeline.

Each story is written as equations over exact rationals and solved with SymPy; where the
unknown must be a whole number (integers, digits) a brute-force search must agree and find
exactly one answer.
"""

import json

from _exact import num
from sympy import Eq, Rational, solve, symbols


def only(values):
    values = list(values)
    assert len(values) == 1, values
    return values[0]


n = symbols("n", integer=True)
a, b = symbols("a b", integer=True)
t, price, v, wd, cost = symbols("t price v wd cost", positive=True)

# 01: n, n+2, n+4 odd, sum 177 -> largest n+4
n01 = only(solve(Eq(n + (n + 2) + (n + 4), 177), n))
assert n01 % 2 == 1
assert [k + 4 for k in range(-1001, 1001, 2) if 3 * k + 6 == 177] == [n01 + 4]

# 02: tens digit a, units digit b; a + b = 11; 10b + a = 10a + b + 27
s02 = only(solve([Eq(a + b, 11), Eq(10 * b + a, 10 * a + b + 27)], [a, b], dict=True))
a02 = 10 * s02[a] + s02[b]
assert [k for k in range(10, 100) if k // 10 + k % 10 == 11 and (k % 10) * 10 + k // 10 == k + 27] == [a02]

# 03: together t hours: t/6 + t/9 = 1
a03 = only(solve(Eq(t / 6 + t / 9, 1), t))

# 04: price * 1.20 * 0.85 = 122.40
a04 = only(solve(Eq(price * Rational(120, 100) * Rational(85, 100), Rational(12240, 100)), price))

# 05: slower v, faster v + 20, closing 540 km in 3 h
a05 = only(solve(Eq(3 * (v + (v + 20)), 540), v))

# 06: width wd, length 2wd + 3, area 135
a06 = only(solve(Eq(wd * (2 * wd + 3), 135), wd))

# 07: positive even k, k(k+2) = 728
a07 = only(r for r in solve(Eq(n * (n + 2), 728), n) if r > 0 and r % 2 == 0)
assert [k for k in range(2, 1000, 2) if k * (k + 2) == 728] == [a07]

# 08: sale price cost * 1.30 * 0.90; profit = sale - cost = 11.90
a08 = only(solve(Eq(cost * Rational(130, 100) * Rational(90, 100) - cost, Rational(1190, 100)), cost))

ANSWERS: dict[str, str] = {
    "algebra_word_problems-01": num(n01 + 4),
    "algebra_word_problems-02": num(a02),
    "algebra_word_problems-03": num(a03),
    "algebra_word_problems-04": num(a04),
    "algebra_word_problems-05": num(a05),
    "algebra_word_problems-06": num(a06),
    "algebra_word_problems-07": num(a07),
    "algebra_word_problems-08": num(a08),
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
