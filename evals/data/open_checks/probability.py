"""Verifies the open set's ``probability`` answers, independently of the pipeline.

Probabilities are exact: every equally likely outcome (dice faces, coin tosses,
ordered draws of labelled cards, marbles or socks) is enumerated and counted with
``fractions.Fraction``; the two decimal items are rounded only at the end.
"""

import json
from fractions import Fraction
from itertools import permutations, product

DIE = range(1, 7)


def share(outcomes, event) -> Fraction:
    outcomes = list(outcomes)
    return Fraction(sum(1 for o in outcomes if event(o)), len(outcomes))


def q01() -> Fraction:
    # Two dice, sum 9.
    return share(product(DIE, repeat=2), lambda o: sum(o) == 9)


def q02() -> Fraction:
    # Four coins, exactly two heads.
    return share(product("HT", repeat=4), lambda o: o.count("H") == 2)


def q03() -> Fraction:
    # 5 red, 4 green, 3 blue marbles; two drawn without replacement, same colour.
    bag = ["R"] * 5 + ["G"] * 4 + ["B"] * 3
    return share(permutations(range(len(bag)), 2), lambda o: bag[o[0]] == bag[o[1]])


def q04() -> Fraction:
    # Two cards from 52 without replacement, at least one ace.
    deck = [(rank, suit) for rank in range(13) for suit in range(4)]
    return share(permutations(deck, 2), lambda o: any(card[0] == 0 for card in o))


def q05() -> Fraction:
    # Three dice, the largest showing is exactly 4.
    return share(product(DIE, repeat=3), lambda o: max(o) == 4)


def q06() -> str:
    # 80% free throws, 6 independent shots, exactly 5 made; 4 decimal places.
    p = Fraction(4, 5)
    total = Fraction(0)
    for shots in product([True, False], repeat=6):
        if sum(shots) == 5:
            prob = Fraction(1)
            for made in shots:
                prob *= p if made else 1 - p
            total += prob
    return f"{float(total):.4f}"


def q07() -> str:
    # 1% have the condition, test detects 95% of them, false positive 10%; P(condition | positive), 3 dp.
    # A population of 10000 people, counted.
    population = 10_000
    sick = population * 1 // 100
    healthy = population - sick
    true_pos = Fraction(sick * 95, 100)
    false_pos = Fraction(healthy * 10, 100)
    return f"{float(true_pos / (true_pos + false_pos)):.3f}"


def q08() -> Fraction:
    # 6 black and 4 white socks, 4 drawn without replacement, exactly 2 black.
    drawer = ["B"] * 6 + ["W"] * 4
    return share(permutations(range(10), 4), lambda o: sum(drawer[i] == "B" for i in o) == 2)


ANSWERS: dict[str, str] = {
    f"probability-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
