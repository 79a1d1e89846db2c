"""Each puzzle's constraints by brute force: every answer must be the only one possible.

    python -m research.studies.open_puzzles.check_answers

The constraints are transcribed by hand from questions.jsonl and questions-b, -c, -d and
-e.jsonl; this checks that each puzzle has exactly one answer, the recorded one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from itertools import permutations, product
from pathlib import Path

Assignment = dict[str, object]


def answers(names: str, values: Iterable[object], ok: Callable[[Assignment], bool],
            asked: Callable[[Assignment], object]) -> set[object]:
    """The asked value over every assignment of distinct values to the names that satisfies ok."""
    found = set()
    for chosen in permutations(list(values)):
        d = dict(zip(names.split(), chosen, strict=True))
        if ok(d):
            found.add(asked(d))
    return found


def holder(value: object) -> Callable[[Assignment], object]:
    """Who (or what) has the given value."""
    return lambda d: next(name for name, v in d.items() if v == value)


def seats(n: int) -> range:
    return range(1, n + 1)


def knights() -> set[object]:
    """P says Q is a knight; Q says P and Q differ. Is P a knight?"""
    return {"knight" if p else "knave" for p, q in product([True, False], repeat=2) if p == q and q == (p != q)}


def colours_needed(edges: Sequence[tuple[int, int]], vertices: int) -> set[object]:
    return {min(k for k in range(1, vertices + 1)
                if any(all(c[u] != c[v] for u, v in edges) for c in product(range(k), repeat=vertices)))}


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday"]

PUZZLES: dict[str, set[object]] = {
    "q1": answers("Ann Ben Cy", seats(3), lambda d: d["Ann"] not in (1, 3) and d["Ben"] < d["Cy"], holder(1)),
    "q2": answers("red blue green white black", seats(5), lambda d: d["white"] == 1 and d["red"] == d["green"] + 1
                  and d["black"] == 5 and d["blue"] < d["green"], holder(3)),
    "q3": answers("Dana Eli Finn Gia", seats(4), lambda d: d["Finn"] == 1 and d["Eli"] == d["Finn"] + 1
                  and d["Dana"] < d["Gia"], holder(4)),
    "q4": answers("Hugo Iris Jack Kim", seats(4), lambda d: d["Kim"] == 3 and abs(d["Hugo"] - d["Kim"]) == 1
                  and d["Iris"] not in (1, 4), holder(1)),
    "q5": answers("coin key ring", seats(3), lambda d: d["coin"] not in (1, 3) and d["key"] > d["ring"]
                  and d["ring"] != 2, lambda d: d["key"]),
    "q6": answers("Al Bea Cal Dee Eve", seats(5), lambda d: d["Bea"] == 1 and d["Eve"] == d["Cal"] + 1
                  and d["Al"] > d["Dee"] > d["Eve"], holder(5)),
    "q7": answers("red blue green yellow", seats(4), lambda d: d["green"] + 1 == d["blue"] and d["red"] in (1, 4)
                  and abs(d["yellow"] - d["red"]) != 1 and d["red"] > d["yellow"], holder(2)),
    "q8": answers("Dan Eva Flo", ["piano", "violin", "drums"], lambda d: d["Eva"] not in ("piano", "drums")
                  and d["Flo"] != "piano", holder("drums")),
    "q9": knights(),
    "q10": colours_needed([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)], 4),
    "q11": answers("Gil Hal Ivo", seats(3), lambda d: d["Hal"] > d["Gil"] and d["Ivo"] != 3 and d["Gil"] != 1,
                   holder(3)),
    "q12": answers("Tia Uma Vic Wes", seats(4), lambda d: d["Wes"] < d["Uma"] < d["Vic"] and d["Tia"] == 1, holder(3)),
    "b1": answers("taxi van truck bus jeep", seats(5), lambda d: d["bus"] == 1 and d["van"] == d["truck"] + 2
                  and d["jeep"] > d["van"], holder(2)),
    "b2": answers("Olga Pavel Quinn Rhea", seats(4), lambda d: d["Rhea"] < d["Pavel"] < d["Olga"]
                  and d["Quinn"] not in (1, 4), holder(1)),
    "b3": answers("portrait landscape still-life abstract", seats(4), lambda d: d["abstract"] == 4
                  and d["landscape"] == d["portrait"] + 1 and d["still-life"] != 1, holder(1)),
    "b4": answers("Sara Tom Umar", ["apple", "banana", "cherry"], lambda d: d["Sara"] != "banana"
                  and d["Tom"] == "cherry", lambda d: d["Umar"]),
    "b5": answers("Vera Will Xena", seats(3), lambda d: d["Will"] > d["Xena"] > d["Vera"], holder(3)),
    "b6": answers("Yara Zane Abe Bria Cole", seats(5), lambda d: d["Abe"] == 5 and d["Zane"] == d["Yara"] + 1
                  and d["Cole"] % 2 == 0 and d["Bria"] < d["Yara"] and d["Zane"] != 4, lambda d: d["Cole"]),
    "b7": answers("Dora Emil Fern", ["cat", "dog", "hamster"], lambda d: d["Dora"] != "dog"
                  and d["Fern"] not in ("cat", "dog"), holder("cat")),
    "b8": answers("Gwen Hank Isla Joel Kira", seats(5), lambda d: d["Joel"] < d["Isla"] < d["Kira"] < d["Hank"]
                  and d["Gwen"] == 1, holder(3)),
    "b9": answers("red green blue", seats(3), lambda d: d["green"] != 1 and d["red"] == d["blue"] + 1, holder(3)),
    "b10": answers("Ants Bees Crows Doves", seats(4), lambda d: d["Bees"] == d["Doves"] - 2 and d["Ants"] != 1
                   and d["Crows"] > d["Ants"], holder(1)),
    "b11": answers("Liam Mia Noah Opal", seats(4), lambda d: d["Mia"] in (1, 4) and abs(d["Opal"] - d["Mia"]) == 1
                   and abs(d["Liam"] - d["Opal"]) != 1 and d["Noah"] == 2, holder(4)),
    "b12": answers("Pia Rex Sol", [5, 10, 21], lambda d: d["Rex"] > d["Sol"] and d["Pia"] != 21 and d["Sol"] != 5,
                   holder(21)),
    "c1": answers("Ada Bram Cleo Dirk", seats(4), lambda d: d["Cleo"] == 4 and d["Dirk"] == d["Ada"] + 1
                  and abs(d["Bram"] - d["Cleo"]) != 1, holder(3)),
    "c2": answers("red white blue", seats(3), lambda d: d["blue"] != 2 and d["red"] > d["blue"] and d["white"] != 3,
                  holder(1)),
    "c3": answers("Eli Fay Gus Hana", seats(4), lambda d: d["Hana"] < d["Gus"] and d["Fay"] == 4
                  and d["Eli"] < d["Hana"], holder(2)),
    "c4": answers("atlas novel diary cookbook", seats(4), lambda d: d["novel"] > d["atlas"] and d["diary"] == 2
                  and d["cookbook"] == d["diary"] + 1, lambda d: d["atlas"]),
    "c5": answers("Ida Jon Kit", ["tea", "coffee", "juice"], lambda d: d["Jon"] != "coffee" and d["Ida"] == "juice",
                  holder("coffee")),
    "c6": answers("Lou Max Ned Oli Pam", seats(5), lambda d: d["Ned"] == 3 and d["Pam"] == d["Ned"] - 1
                  and d["Max"] in (1, 5) and d["Oli"] > d["Max"] and d["Lou"] != 5, holder(5)),
    "c7": answers("Ace Bolt Coco Duke", seats(4), lambda d: d["Duke"] < d["Bolt"] < d["Ace"] and d["Coco"] == 1,
                  holder(4)),
    "c8": answers("Rita Sven Tara", seats(3), lambda d: d["Sven"] > d["Tara"] and d["Rita"] < d["Sven"]
                  and d["Tara"] != 2, holder(3)),
    "c9": answers("Uri Vic Wyn", ["baker", "pilot", "nurse"], lambda d: d["Uri"] != "pilot"
                  and d["Wyn"] not in ("pilot", "nurse"), lambda d: d["Uri"]),
    "c10": answers("green purple orange white gray", seats(5), lambda d: d["purple"] == 4 and d["orange"] < d["green"]
                   and d["white"] == d["purple"] + 1 and d["gray"] == 1, holder(2)),
    "c11": answers("Ann Bea Cal Dan", seats(4), lambda d: d["Bea"] < d["Ann"] < d["Dan"] and d["Cal"] == 4, holder(1)),
    "c12": answers("Jade Kurt Lena Milo", seats(4), lambda d: d["Kurt"] == d["Jade"] + 2 and d["Lena"] == 1, holder(4)),
    "d1": answers("robin crow finch dove wren", seats(5), lambda d: d["crow"] == 1 and d["dove"] == d["finch"] + 1
                  and d["wren"] == 5 and abs(d["robin"] - d["crow"]) != 1, holder(2)),
    "d2": answers("Gina Hugh Ines", seats(3), lambda d: d["Ines"] != 1 and d["Hugh"] > d["Gina"] and d["Ines"] != 3,
                  holder(1)),
    "d3": answers("red black silver blue", seats(4), lambda d: d["black"] == 1 and d["silver"] > d["blue"]
                  and d["red"] != 4, holder(4)),
    "d4": answers("Jim Kay Lin Mo", seats(4), lambda d: d["Lin"] < d["Kay"] < d["Jim"] and d["Mo"] == 1, holder(3)),
    "d5": answers("Ned Ola Pat", ["French", "German", "Spanish"], lambda d: d["Ola"] != "French"
                  and d["Pat"] == "German", holder("French")),
    "d6": answers("Quin Ross Suki Theo", seats(4), lambda d: d["Theo"] == 2 and abs(d["Suki"] - d["Theo"]) == 1
                  and d["Ross"] != 1 and d["Suki"] != 1, holder(1)),
    "d7": answers("Ayr Bute Cove", [8, 9, 10], lambda d: d["Cove"] < d["Ayr"] and d["Ayr"] != 9 and d["Bute"] == 8,
                  holder(10)),
    "d8": answers("Uma Val Wes Xia", seats(4), lambda d: d["Val"] == d["Uma"] + 1 and d["Xia"] == 4
                  and d["Wes"] < d["Uma"], lambda d: d["Val"]),
    "d9": answers("Yves Zoe Abe", ["van", "sedan", "truck"], lambda d: d["Zoe"] != "truck" and d["Abe"] == "van",
                  holder("sedan")),
    "d10": answers("Bo Cy Di Ed Fi", seats(5), lambda d: d["Di"] == 3 and d["Bo"] == d["Di"] - 1
                   and d["Fi"] > d["Ed"] and d["Cy"] == 5, holder(1)),
    "d11": answers("honey jam salt rice", seats(4), lambda d: d["salt"] in (1, 4) and d["honey"] == d["jam"] + 1
                   and abs(d["rice"] - d["salt"]) != 1 and d["salt"] > d["rice"], holder(3)),
    "d12": answers("Gus Hal Ivy", seats(3), lambda d: d["Hal"] < d["Ivy"] < d["Gus"], holder(1)),
    "e1": answers("Abe Bet Cal Dot Eno", seats(5), lambda d: d["Dot"] == 2 and d["Abe"] == d["Eno"] + 1
                  and d["Cal"] == 5 and abs(d["Bet"] - d["Cal"]) != 1, holder(1)),
    "e2": answers("Gail Hope Ivy June", seats(4), lambda d: d["Hope"] > d["June"] > d["Gail"]
                  and d["Ivy"] > d["Hope"], holder(1)),
    "e3": answers("wooden metal paper", seats(3), lambda d: d["metal"] < d["paper"] and d["wooden"] != 1
                  and d["paper"] != 2, holder(2)),
    "e4": answers("Kit Lev Moe Nia", seats(4), lambda d: d["Nia"] < d["Kit"] < d["Moe"] and d["Lev"] == 4, holder(1)),
    "e5": answers("Olaf Pia Rui", ["drums", "flute", "harp"], lambda d: d["Pia"] != "drums"
                  and d["Rui"] not in ("flute", "drums"), lambda d: d["Olaf"]),
    "e6": answers("Sol Tam Uli Vera", ["Monday", "Tuesday", "Wednesday", "Thursday"],
                  lambda d: DAYS.index(d["Tam"]) == DAYS.index(d["Vera"]) + 1 and d["Sol"] == "Thursday"
                  and d["Uli"] != "Monday", lambda d: d["Vera"]),
    "e7": answers("red blue green yellow white", seats(5), lambda d: d["yellow"] == 3 and d["red"] == 2
                  and d["white"] > d["green"] and d["green"] != 1, holder(5)),
    "e8": answers("Ari Bo Cee", seats(3), lambda d: d["Bo"] > d["Ari"] and d["Cee"] != 3 and d["Ari"] != 1,
                  lambda d: d["Cee"]),
    "e9": answers("Ash Birch Cedar Dale", seats(4), lambda d: d["Cedar"] < d["Birch"] < d["Dale"]
                  and d["Ash"] < d["Cedar"], holder(2)),
    "e10": answers("Dan Eva Fox Gus", seats(4), lambda d: d["Eva"] == d["Gus"] + 1 and d["Dan"] == 1
                   and d["Fox"] != 2, holder(4)),
    "e11": answers("Hal Ida Jo", ["apple", "pear", "plum"], lambda d: d["Hal"] != "plum"
                   and d["Jo"] not in ("apple", "plum"), lambda d: d["Ida"]),
    "e12": answers("Kai Lia Max Ned Ola Pat", seats(6), lambda d: d["Pat"] == 1 and d["Ola"] == 6
                   and d["Max"] == d["Lia"] + 1 and d["Ned"] == 3 and d["Lia"] != 2, holder(5)),
    "e13": answers("taxi van bus", seats(3), lambda d: abs(d["bus"] - d["taxi"]) != 1 and d["van"] != 3
                   and d["taxi"] > d["bus"], holder(1)),
    "e14": answers("Quin Rosa Seth Tia", seats(4), lambda d: d["Quin"] > d["Rosa"] > d["Tia"] > d["Seth"], holder(3)),
    "e15": answers("Uma Vic Wes Xia", ["red", "blue", "green", "black"], lambda d: d["Uma"] not in ("red", "blue")
                   and d["Vic"] == "green" and d["Wes"] != "red", lambda d: d["Xia"]),
    "e16": answers("novel atlas diary poem", seats(4), lambda d: d["atlas"] in (1, 4)
                   and d["diary"] == d["novel"] - 1 and d["poem"] == 2, holder(4)),
}
"""Positions count from the left, the front, the first place, the bottom; heights and ages from the least."""


def main() -> None:
    here = Path(__file__).parent
    recorded = {item["id"]: item["answer"] for path in sorted(here.glob("questions*.jsonl"))
                for item in map(json.loads, path.read_text().splitlines())}
    assert set(recorded) == set(PUZZLES), "every puzzle has its constraints here"
    for key, found in PUZZLES.items():
        (only,) = found  # exactly one answer
        assert str(only) == recorded[key], (key, only, recorded[key])
    print(f"{len(PUZZLES)} puzzles, each with exactly one answer, the recorded one")


if __name__ == "__main__":
    main()
