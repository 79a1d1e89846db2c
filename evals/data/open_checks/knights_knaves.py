"""Independent check of the ``knights_knaves`` items of the open set.

Every inhabitant is a knight (True: always tells the truth) or a knave (False: always
lies), so a speaker's statement holds exactly when the speaker is a knight. Each puzzle
is solved by enumerating every assignment of types with itertools; the script asserts
that exactly one assignment fits and reads the answer off it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence

KNIGHT, KNAVE = "knight", "knave"


def solve(names: Sequence[str], says: Callable[..., bool]) -> dict[str, bool]:
    """The one assignment (name -> is a knight) consistent with the statements."""
    fits = []
    for values in itertools.product([True, False], repeat=len(names)):
        world = dict(zip(names, values, strict=True))
        if says(**world):
            fits.append(world)
    assert len(fits) == 1, (names, fits)
    return fits[0]


def kind(is_knight: bool) -> str:
    return KNIGHT if is_knight else KNAVE


def both_kinds(a: bool, b: bool, first: str, second: str) -> str:
    if a and b:
        return "Both are knights"
    if not a and not b:
        return "Both are knaves"
    return f"{first} is a knight and {second} is a knave" if a else f"{first} is a knave and {second} is a knight"


ANSWERS: dict[str, str] = {}

# 01. Priya: "At least one of us is a knave." -> Tomás?
w = solve(["Priya", "Tomas"], lambda Priya, Tomas: Priya == (not Priya or not Tomas))
ANSWERS["knights_knaves-01"] = kind(w["Tomas"])

# 02. Dariusz: "Elena and I are the same kind." Elena: "Dariusz is a knave." -> Elena?
w = solve(["Dariusz", "Elena"],
          lambda Dariusz, Elena: Dariusz == (Dariusz == Elena) and Elena == (not Dariusz))
ANSWERS["knights_knaves-02"] = kind(w["Elena"])

# 03. Amara: "Bilal is a knave." Bilal: "Amara and Chen are the same kind." Chen: "Amara is a knight." -> Bilal?
w = solve(["Amara", "Bilal", "Chen"],
          lambda Amara, Bilal, Chen: Amara == (not Bilal) and Bilal == (Amara == Chen) and Chen == Amara)
ANSWERS["knights_knaves-03"] = kind(w["Bilal"])

# 04. Fatima: "If I am a knight, then Gustavo is a knight." (choice)
w = solve(["Fatima", "Gustavo"], lambda Fatima, Gustavo: Fatima == ((not Fatima) or Gustavo))
ANSWERS["knights_knaves-04"] = both_kinds(w["Fatima"], w["Gustavo"], "Fatima", "Gustavo")

# 05. Jonas: "Keiko is a knave." Keiko: "Lior is a knave." Lior: "Jonas and Keiko are both knaves." -> Lior?
w = solve(["Jonas", "Keiko", "Lior"],
          lambda Jonas, Keiko, Lior: Jonas == (not Keiko) and Keiko == (not Lior)
          and Lior == (not Jonas and not Keiko))
ANSWERS["knights_knaves-05"] = kind(w["Lior"])


# 06. Mateo answers "yes" or "no" to "Are you a knight?" (unheard). Nadia: "Mateo said he is a knave"
#     (i.e. he answered "no"). Mateo: "Nadia is lying." -> Mateo?
def _kk06() -> dict[str, bool]:
    fits = []
    for mateo, nadia, answer_yes in itertools.product([True, False], repeat=3):
        claim = mateo if answer_yes else not mateo  # "yes" claims "I am a knight"
        if mateo == claim and nadia == (not answer_yes) and mateo == (not nadia):
            fits.append({"Mateo": mateo, "Nadia": nadia})
    assert len(fits) == 1, fits
    return fits[0]


ANSWERS["knights_knaves-06"] = kind(_kk06()["Mateo"])


# 07. Olu: "Exactly one of us three is a knave." Pita: "Exactly two of us are knaves."
#     Quinn: "All three of us are knaves." -> the only knight?
def _kk07(Olu: bool, Pita: bool, Quinn: bool) -> bool:
    knaves = [Olu, Pita, Quinn].count(False)
    return Olu == (knaves == 1) and Pita == (knaves == 2) and Quinn == (knaves == 3)


w = solve(["Olu", "Pita", "Quinn"], _kk07)
knights = [name for name, is_knight in w.items() if is_knight]
assert len(knights) == 1, knights
ANSWERS["knights_knaves-07"] = knights[0]

# 08. Rosa: "Sven is a knight and I am a knave." (choice)
w = solve(["Rosa", "Sven"], lambda Rosa, Sven: Rosa == (Sven and not Rosa))
ANSWERS["knights_knaves-08"] = both_kinds(w["Rosa"], w["Sven"], "Rosa", "Sven")

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
