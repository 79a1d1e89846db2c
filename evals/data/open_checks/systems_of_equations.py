"""Verifies the open set's answers for ``systems_of_equations`` independently of the pipeline.

Each story is set up as a system of linear equations in SymPy with exact rationals and
solved with ``sympy.solve``; the asked-for unknown is the answer.
"""

import json

from _exact import num
from sympy import Rational, solve, symbols


def one(eqs, unknowns, target):
    sols = solve(eqs, unknowns, dict=True)
    assert len(sols) == 1, sols
    return num(sols[0][target])


p, t = symbols("p t")
a, s = symbols("a s")
d, q = symbols("d q")
x, y = symbols("x y")
m, sc, c = symbols("m sc c")
b, cur = symbols("b cur")
yo, mi, ol = symbols("yo mi ol")
sav, bond = symbols("sav bond")

ANSWERS: dict[str, str] = {
    # Priya = 4 * Tomas; in 12 years Priya = 2 * Tomas
    "systems_of_equations-01": one([p - 4 * t, (p + 12) - 2 * (t + 12)], [p, t], p),
    # adults + students = 312; 14a + 9s = 3753
    "systems_of_equations-02": one([a + s - 312, 14 * a + 9 * s - 3753], [a, s], s),
    # dimes + quarters = 58; 10d + 25q = 1090 cents
    "systems_of_equations-03": one([d + q - 58, 10 * d + 25 * q - 1090], [d, q], q),
    # x liters of 30%, y liters of 80%, 40 liters of 45%
    "systems_of_equations-04": one(
        [x + y - 40, Rational(30, 100) * x + Rational(80, 100) * y - Rational(45, 100) * 40], [x, y], x
    ),
    # muffin m, scone sc, cookie c (in cents)
    "systems_of_equations-05": num(
        solve(
            [3 * m + 2 * sc + c - 1210, m + 4 * sc + 2 * c - 1220, 2 * m + sc + 5 * c - 1265],
            [m, sc, c],
            dict=True,
        )[0][sc]
        / 100
    ),
    # (boat + current) * 2.5 = 30; (boat - current) * 3.75 = 30
    "systems_of_equations-06": one([(b + cur) * Rational(5, 2) - 30, (b - cur) * Rational(15, 4) - 30], [b, cur], cur),
    # youngest + middle + oldest = 48; middle = 2*youngest - 1; oldest = middle + 5
    "systems_of_equations-07": one([yo + mi + ol - 48, mi - (2 * yo - 1), ol - (mi + 5)], [yo, mi, ol], ol),
    # savings + bond = 15000; 0.03 savings + 0.055 bond = 640
    "systems_of_equations-08": one(
        [sav + bond - 15000, Rational(3, 100) * sav + Rational(55, 1000) * bond - 640], [sav, bond], bond
    ),
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
