"""Verifies the open set's ``counting_arrangements`` answers, independently of the pipeline.

Every count is made by listing the arrangements themselves (itertools) and keeping
the ones that satisfy the question, not by a counting formula.
"""

import json
from itertools import combinations, permutations, product


def q01() -> int:
    # Distinct arrangements of the letters of COCONUT.
    return len(set(permutations("COCONUT")))


def q02() -> int:
    # Committees of 5 from 9 women and 7 men with exactly 3 women.
    people = [("W", i) for i in range(9)] + [("M", i) for i in range(7)]
    return sum(1 for c in combinations(people, 5) if sum(1 for p in c if p[0] == "W") == 3)


def grid_paths(right: int, up: int, avoid: tuple[int, int] | None = None) -> int:
    count = 0
    for steps in set(permutations("R" * right + "U" * up)):
        x = y = 0
        ok = (x, y) != avoid
        for s in steps:
            if s == "R":
                x += 1
            else:
                y += 1
            if (x, y) == avoid:
                ok = False
        count += ok
    return count


def q03() -> int:
    # Robot routes from (0,0) to (7,3) with unit steps right or up.
    return grid_paths(7, 3)


def q04() -> int:
    # Routes from (0,0) to (5,5) that never pass through the broken crossing (2,3).
    return grid_paths(5, 5, avoid=(2, 3))


def q05() -> int:
    # Four-digit numbers with all digits different that are divisible by 5.
    return sum(1 for n in range(1000, 10000) if len(set(str(n))) == 4 and n % 5 == 0)


def q06() -> int:
    # Six friends in a row of 6 seats, Priya and Tom not side by side.
    friends = ["Priya", "Tom", "A", "B", "C", "D"]
    return sum(1 for p in permutations(friends) if abs(p.index("Priya") - p.index("Tom")) != 1)


def q07() -> int:
    # Eight people at a round table (rotations the same), Ana and Ben next to each other.
    people = ["Ana", "Ben", "C", "D", "E", "F", "G", "H"]
    seen = set()
    for p in permutations(people):
        k = p.index("Ana")
        canon = p[k:] + p[:k]  # rotate so Ana is in seat 0
        i = canon.index("Ben")
        if i in (1, 7):
            seen.add(canon)
    return len(seen)


def q08() -> int:
    # 10 identical chocolates to 4 children, each at least one.
    return sum(1 for a, b, c in product(range(1, 11), repeat=3) if 10 - a - b - c >= 1)


ANSWERS: dict[str, str] = {
    f"counting_arrangements-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
