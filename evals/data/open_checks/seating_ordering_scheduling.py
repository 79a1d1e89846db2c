"""Independent check of the ``seating_ordering_scheduling`` items of the open set.

Each puzzle is solved by enumerating every permutation of people over positions
(seats, days, slots, finishing places) with itertools, keeping those that satisfy all
the clues; the script asserts that exactly one arrangement fits and reads the answer
off it. ``pos[name]`` is a position number; ``at[number]`` is who is there.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence


def solve(names: Sequence[str], positions: Sequence[int], fits: Callable[[dict[str, int]], bool]) -> dict[str, int]:
    found = []
    for perm in itertools.permutations(positions, len(names)):
        pos = dict(zip(names, perm, strict=True))
        if fits(pos):
            found.append(pos)
    assert len(found) == 1, (names, found)
    return found[0]


def who_at(pos: dict[str, int], place: int) -> str:
    [name] = [n for n, p in pos.items() if p == place]
    return name


def adjacent(a: int, b: int) -> bool:
    return abs(a - b) == 1


ANSWERS: dict[str, str] = {}

# 01. Cinema row, seats 1-5 left to right. Who sits in seat 1?
p = solve(["Ana", "Ben", "Carla", "Dev", "Eun"], range(1, 6), lambda p: (
    p["Ben"] in (1, 5)                      # Ben sits at one end of the row
    and p["Carla"] == p["Ana"] + 1          # Carla immediately to Ana's right
    and not adjacent(p["Dev"], p["Ben"])    # Dev not next to Ben
    and p["Eun"] == 2                       # Eun in seat 2
    and p["Ben"] > p["Carla"]               # Ben somewhere to Carla's right
))
ANSWERS["seating_ordering_scheduling-01"] = who_at(p, 1)

# 02. Square table, sides north(0), east(1), south(2), west(3) in clockwise order. Who sits west?
p = solve(["Ines", "Jamal", "Kofi", "Lena"], range(4), lambda p: (
    p["Ines"] == 0                          # Ines on the north side
    and (p["Jamal"] - p["Kofi"]) % 4 == 2   # Jamal directly opposite Kofi
    and p["Jamal"] == (p["Ines"] + 1) % 4   # Jamal is next clockwise from Ines
))
ANSWERS["seating_ordering_scheduling-02"] = who_at(p, 3)

# 03. Four meetings in slots 9, 10, 11, 12. Which meeting is at 10:00?
p = solve(["budget", "hiring", "marketing", "security"], [9, 10, 11, 12], lambda p: (
    p["hiring"] < p["marketing"]             # hiring earlier than marketing
    and p["budget"] not in (9, 12)           # budget neither first nor last
    and p["security"] == p["budget"] + 1     # security right after budget
    and p["marketing"] != 12                 # marketing not at noon
))
ANSWERS["seating_ordering_scheduling-03"] = who_at(p, 10)

# 04. Race, places 1-5. Who finished last?
p = solve(["Olga", "Pedro", "Quentin", "Rania", "Sami"], range(1, 6), lambda p: (
    p["Rania"] < p["Olga"] < p["Pedro"]      # Rania ahead of Olga, Olga ahead of Pedro
    and p["Sami"] == 3                       # Sami third
    and p["Quentin"] == p["Pedro"] + 1       # Quentin crossed right after Pedro
))
ANSWERS["seating_ordering_scheduling-04"] = who_at(p, 5)


# 05. Round table, seats 1-6 clockwise; opposite = 3 seats away. Who sits opposite Hugo?
def _ring_next(a: int, b: int) -> bool:
    return (a - b) % 6 in (1, 5)


p = solve(["Farah", "Gio", "Hugo", "Ivy", "June", "Kai"], range(1, 7), lambda p: (
    p["Farah"] == 1                                 # Farah in seat 1
    and (p["Gio"] - p["Farah"]) % 6 == 3            # Gio opposite Farah
    and _ring_next(p["Hugo"], p["Farah"]) and p["Hugo"] != 2   # Hugo next to Farah, not seat 2
    and _ring_next(p["Ivy"], p["Gio"])              # Ivy next to Gio
    and not _ring_next(p["June"], p["Hugo"])        # June not next to Hugo
    and (p["Kai"] - p["Ivy"]) % 6 == 3              # Kai opposite Ivy
))
ANSWERS["seating_ordering_scheduling-05"] = who_at(p, (p["Hugo"] + 3 - 1) % 6 + 1)

# 06. Dentist, Monday(1)..Friday(5). Who comes on Wednesday?
p = solve(["Tanvi", "Ulrich", "Vera", "Wen", "Xavier"], range(1, 6), lambda p: (
    p["Vera"] == p["Tanvi"] + 1              # Vera the day after Tanvi
    and p["Xavier"] == p["Ulrich"] + 1       # Xavier the day after Ulrich
    and p["Wen"] < p["Ulrich"]               # Wen earlier in the week than Ulrich
    and p["Ulrich"] != 4                     # Ulrich not on Thursday
))
ANSWERS["seating_ordering_scheduling-06"] = who_at(p, 3)

# 07. Four siblings by age, rank 1 = oldest. Who is the second youngest?
p = solve(["Zara", "Yusuf", "Xena", "Wade"], range(1, 5), lambda p: (
    p["Zara"] < p["Yusuf"]                   # Zara older than Yusuf
    and p["Wade"] < p["Xena"] < p["Zara"]    # Xena younger than Wade, older than Zara
))
ANSWERS["seating_ordering_scheduling-07"] = who_at(p, 3)

# 08. Relay legs 1-4. Which leg does Dana run?
p = solve(["Amir", "Bianca", "Cyrus", "Dana"], range(1, 5), lambda p: (
    p["Dana"] == p["Bianca"] + 1             # Bianca hands over to Dana
    and p["Amir"] not in (1, 4)              # Amir neither first nor last
    and p["Cyrus"] < p["Amir"]               # Cyrus runs an earlier leg than Amir
))
ANSWERS["seating_ordering_scheduling-08"] = str(p["Dana"])

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
