"""Verifies the open set's ``sequences`` answers, independently of the pipeline.

Each sequence is generated term by term from its rule and the asked term or sum
read off, rather than using closed forms.
"""

import json
from fractions import Fraction
from itertools import pairwise


def q01() -> int:
    # 50th term of 7, 11, 15, 19, ...
    terms = [7]
    while len(terms) < 50:
        terms.append(terms[-1] + 4)
    return terms[49]


def q02() -> int:
    # Sum of the first 40 terms of 3, 8, 13, 18, ...
    terms = [3]
    while len(terms) < 40:
        terms.append(terms[-1] + 5)
    return sum(terms)


def q03() -> int:
    # 3 new people on day 1, new people triple each day; total after 7 days.
    new, total = 3, 0
    for _ in range(7):
        total += new
        new *= 3
    return total


def q04() -> int:
    # 2, 5, then each term the sum of the two before; the 12th term.
    terms = [2, 5]
    while len(terms) < 12:
        terms.append(terms[-1] + terms[-2])
    return terms[11]


def q05() -> int:
    # 2, 6, 12, 20, 30, 42, ?: differences grow by 2 each time.
    terms = [2, 6, 12, 20, 30, 42]
    diffs = [b - a for a, b in pairwise(terms)]
    assert all(b - a == 2 for a, b in pairwise(diffs))
    return terms[-1] + diffs[-1] + 2


def q06() -> int:
    # 1, 4, 13, 40, 121, ?: each term is 3 times the previous plus 1.
    terms = [1, 4, 13, 40, 121]
    assert all(b == 3 * a + 1 for a, b in pairwise(terms))
    return 3 * terms[-1] + 1


def q07() -> int:
    # a(1) = 1, a(n) = 2 a(n-1) + 3; a(10).
    a = 1
    for _ in range(2, 11):
        a = 2 * a + 3
    return a


def q08() -> str:
    # Dropped from 16 m, each bounce 3/4 of the previous height; distance when it lands the 5th time.
    height = Fraction(16)
    distance = height  # the first fall ends at landing 1
    for _ in range(4):  # landings 2..5: up and down again
        height *= Fraction(3, 4)
        distance += 2 * height
    return str(float(distance))


ANSWERS: dict[str, str] = {
    f"sequences-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
