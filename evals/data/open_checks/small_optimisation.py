"""Verifies the open set's ``small_optimisation`` answers, independently of the pipeline.

Every item is solved by exhaustive search over all candidate choices (subsets,
counts of each coin or pack, permutations), never by a greedy rule.
"""

import json
from itertools import permutations, product


def fewest(coins: list[int], amount: int) -> int:
    best = None
    ranges = [range(amount // c + 1) for c in coins]
    for counts in product(*ranges):
        if sum(n * c for n, c in zip(counts, coins, strict=True)) == amount:
            total = sum(counts)
            best = total if best is None else min(best, total)
    assert best is not None
    return best


def q01() -> int:
    # Coins of 1, 5, 12 and 20; fewest coins for 36.
    return fewest([1, 5, 12, 20], 36)


def q02() -> int:
    # Backpack of at most 12 kg; (kg, points) items; the most points.
    items = {
        "tent": (5, 40),
        "sleeping bag": (3, 25),
        "stove": (2, 15),
        "food": (4, 35),
        "camera": (1, 12),
        "chair": (6, 30),
    }
    best = 0
    for pick in product([0, 1], repeat=len(items)):
        chosen = [v for v, p in zip(items.values(), pick, strict=True) if p]
        if sum(w for w, _ in chosen) <= 12:
            best = max(best, sum(v for _, v in chosen))
    return best


def q03() -> str:
    # Eggs in boxes of 6 for 2.10, 10 for 3.20 and 30 for 8.70; at least 52 eggs as cheaply as possible.
    cents = {6: 210, 10: 320, 30: 870}
    best = None
    for a, b, c in product(range(10), range(7), range(3)):
        if 6 * a + 10 * b + 30 * c >= 52:
            cost = a * cents[6] + b * cents[10] + c * cents[30]
            best = cost if best is None else min(best, cost)
    assert best is not None
    return f"{best / 100:g}"


def q04() -> int:
    # Positive whole numbers adding up to 20 with the largest product.
    best = {0: 1}
    for n in range(1, 21):  # best[n]: the largest product of a split of n (the split may be n itself)
        best[n] = max([n] + [k * best[n - k] for k in range(1, n)])

    # Cross-check by listing every split of 20 into parts (non-increasing).
    def splits(n: int, largest: int):
        if n == 0:
            yield []
            return
        for k in range(min(n, largest), 0, -1):
            for rest in splits(n - k, k):
                yield [k, *rest]

    brute = 0
    for parts in splits(20, 20):
        prod = 1
        for p in parts:
            prod *= p
        brute = max(brute, prod)
    assert brute == best[20]
    return brute


def q05() -> int:
    # 100 m of fence for three sides of a rectangle against a barn wall, whole metres; largest area.
    best = 0
    for side in range(1, 50):  # the two sides that meet the wall
        front = 100 - 2 * side
        best = max(best, side * front)
    return best


def q06() -> int:
    # Four workers, four jobs, hours in the table; the smallest total when each worker takes one job.
    hours = {
        "Ann": [14, 9, 12, 17],
        "Ben": [11, 15, 10, 13],
        "Cal": [16, 12, 18, 11],
        "Dee": [13, 11, 14, 15],
    }
    rows = list(hours.values())
    return min(sum(rows[w][j] for w, j in enumerate(jobs)) for jobs in permutations(range(4)))


def q07() -> int:
    # Only 20 and 50 notes; fewest notes for 110.
    return fewest([20, 50], 110)


def q08() -> int:
    # Cakes: profit 5, 2 h oven, 1 kg flour; pies: profit 4, 1 h oven, 2 kg flour; 14 h oven, 13 kg flour.
    best = 0
    for cakes, pies in product(range(15), range(15)):
        if 2 * cakes + pies <= 14 and cakes + 2 * pies <= 13:
            best = max(best, 5 * cakes + 4 * pies)
    return best


ANSWERS: dict[str, str] = {
    f"small_optimisation-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
