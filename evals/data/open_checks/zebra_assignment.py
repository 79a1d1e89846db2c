"""Independent check of the ``zebra_assignment`` items of the open set.

Each attribute is a one-to-one assignment of values to people. A puzzle is solved by
enumerating every combination of permutations (itertools), keeping those that satisfy
all the clues; the script asserts that exactly one combination fits and reads the
answer off it. ``s[attribute][person]`` is that person's value; ``owner(s, attribute,
value)`` is who has it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence

Solution = dict[str, dict[str, object]]


def solve(people: Sequence[str], attributes: dict[str, Sequence[object]],
          fits: Callable[[Solution], bool]) -> Solution:
    names = list(attributes)
    found = []
    for perms in itertools.product(*(itertools.permutations(attributes[a]) for a in names)):
        s = {a: dict(zip(people, perm, strict=True)) for a, perm in zip(names, perms, strict=True)}
        if fits(s):
            found.append(s)
    assert len(found) == 1, found
    return found[0]


def owner(s: Solution, attribute: str, value: object) -> str:
    [person] = [p for p, v in s[attribute].items() if v == value]
    return person


def same(s: Solution, attr1: str, value1: object, attr2: str, value2: object) -> bool:
    """The person with value1 of attr1 has value2 of attr2."""
    return s[attr2][owner(s, attr1, value1)] == value2


ANSWERS: dict[str, str] = {}

# 01. Pets. Who owns the dog?
s = solve(["Maya", "Noah", "Omar"], {"pet": ["cat", "dog", "parrot"]}, lambda s: (
    s["pet"]["Noah"] == "parrot"          # Noah's pet has feathers (only the parrot does)
    and s["pet"]["Maya"] != "dog"         # Maya doesn't own the dog
))
ANSWERS["zebra_assignment-01"] = owner(s, "pet", "dog")

# 02. Houses and morning drinks. What does Mehmet drink?
s = solve(["Lucia", "Mehmet", "Nora"],
          {"house": ["red", "blue", "green"], "drink": ["coffee", "tea", "juice"]}, lambda s: (
    s["house"]["Lucia"] == "blue"
    and same(s, "house", "green", "drink", "tea")
    and s["drink"]["Mehmet"] != "tea"
    and s["drink"]["Lucia"] != "coffee"
))
ANSWERS["zebra_assignment-02"] = s["drink"]["Mehmet"]

# 03. Languages and commutes. Who drives to work?
s = solve(["Anika", "Bruno", "Chloe", "Diego"],
          {"lang": ["Python", "Java", "Rust", "Go"], "commute": ["bike", "bus", "car", "walk"]}, lambda s: (
    same(s, "lang", "Rust", "commute", "bike")       # the Rust programmer cycles
    and s["commute"]["Anika"] == "bus"
    and s["lang"]["Bruno"] == "Java"
    and s["lang"]["Chloe"] != "Go" and s["commute"]["Chloe"] != "car"
    and same(s, "lang", "Go", "commute", "walk")     # the Go programmer walks
))
ANSWERS["zebra_assignment-03"] = owner(s, "commute", "car")

# 04. Majors, sports, home cities. What sport does Finn play?
s = solve(["Ella", "Finn", "Grace", "Hiro"],
          {"major": ["math", "history", "biology", "art"],
           "sport": ["tennis", "swimming", "football", "climbing"],
           "city": ["Oslo", "Lima", "Cairo", "Perth"]}, lambda s: (
    same(s, "major", "math", "sport", "tennis")        # the maths student plays tennis
    and s["city"]["Finn"] == "Lima" and s["sport"]["Finn"] != "tennis"
    and s["major"]["Grace"] == "art"
    and same(s, "sport", "swimming", "city", "Cairo")  # the swimmer is from Cairo
    and s["city"]["Hiro"] == "Oslo" and s["major"]["Hiro"] != "history"
    and same(s, "major", "biology", "sport", "football")
    and s["city"]["Ella"] != "Cairo"
    and same(s, "sport", "football", "city", "Oslo")   # the footballer is from Oslo
))
ANSWERS["zebra_assignment-04"] = str(s["sport"]["Finn"])

# 05. Sisters' ages, instruments, colours. How old is Ilse?
s = solve(["Ilse", "Jade", "Kira"],
          {"age": [8, 11, 14], "instrument": ["piano", "violin", "flute"],
           "colour": ["yellow", "purple", "orange"]}, lambda s: (
    same(s, "instrument", "piano", "age", 14)          # the pianist is the oldest
    and s["age"]["Kira"] < s["age"]["Ilse"]
    and same(s, "instrument", "violin", "colour", "yellow")
    and s["instrument"]["Ilse"] not in ("piano", "violin")
    and s["colour"]["Jade"] != "orange"
))
ANSWERS["zebra_assignment-05"] = str(s["age"]["Ilse"])

# 06. Café drinks and pastries. Who ordered the hot chocolate?
s = solve(["Leo", "Mia", "Nico", "Olivia"],
          {"drink": ["latte", "espresso", "matcha", "hot chocolate"],
           "pastry": ["croissant", "muffin", "scone", "brownie"]}, lambda s: (
    same(s, "drink", "matcha", "pastry", "croissant")
    and s["pastry"]["Leo"] == "brownie"
    and s["drink"]["Olivia"] not in ("espresso", "matcha", "hot chocolate")
    and s["pastry"]["Nico"] == "scone"
    and same(s, "drink", "espresso", "pastry", "brownie")
))
ANSWERS["zebra_assignment-06"] = owner(s, "drink", "hot chocolate")

# 07. Four houses in a row (1 = leftmost), colours and pets. Who owns the fish?
s = solve(["Pablo", "Quinn", "Rhea", "Soren"],
          {"house": [1, 2, 3, 4], "colour": ["red", "white", "green", "yellow"],
           "pet": ["cat", "dog", "fish", "rabbit"]}, lambda s: (
    s["house"]["Quinn"] == 4 and s["colour"]["Quinn"] == "white"   # Quinn in house 4, which is white
    and s["house"][owner(s, "colour", "green")] + 1 == s["house"][owner(s, "colour", "red")]
    and same(s, "pet", "dog", "colour", "green")
    and abs(s["house"]["Rhea"] - s["house"]["Pablo"]) == 1 and s["colour"]["Rhea"] != "red"
    and same(s, "pet", "fish", "colour", "yellow")
    and same(s, "pet", "cat", "house", 4)
    and s["pet"]["Soren"] == "rabbit"
    and s["pet"]["Rhea"] != "dog"
))
ANSWERS["zebra_assignment-07"] = owner(s, "pet", "fish")

# 08. Bikes: colour and brand. What colour is Vince's bike?
s = solve(["Tariq", "Uma", "Vince"],
          {"colour": ["black", "silver", "orange"], "brand": ["Trek", "Giant", "Cube"]}, lambda s: (
    same(s, "brand", "Trek", "colour", "orange")
    and s["brand"]["Tariq"] not in ("Trek", "Giant")
    and not same(s, "brand", "Cube", "colour", "black")
    and s["brand"]["Uma"] != "Giant"
))
ANSWERS["zebra_assignment-08"] = str(s["colour"]["Vince"])

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
