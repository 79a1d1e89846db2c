"""Independent check of the ``colouring_placement_counting`` items of the open set.

Colourability and chromatic numbers by enumerating every colouring of the vertices
(itertools.product), placement counts by enumerating every placement (one piece per row,
columns a permutation), colouring counts by enumerating every colouring.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

YES, NO = "Yes", "No"


def proper_colourings(vertices: Sequence[str], edges: Sequence[tuple[str, str]], k: int) -> int:
    index = {v: i for i, v in enumerate(vertices)}
    for a, b in edges:
        assert a in index and b in index, (a, b)
    count = 0
    for colours in itertools.product(range(k), repeat=len(vertices)):
        if all(colours[index[a]] != colours[index[b]] for a, b in edges):
            count += 1
    return count


def colourable(vertices: Sequence[str], edges: Sequence[tuple[str, str]], k: int) -> str:
    return YES if proper_colourings(vertices, edges, k) > 0 else NO


def chromatic_number(vertices: Sequence[str], edges: Sequence[tuple[str, str]]) -> int:
    return next(k for k in range(1, len(vertices) + 1) if proper_colourings(vertices, edges, k) > 0)


def queens(n: int) -> int:
    """Ways to place n non-attacking queens on an n x n board."""
    return sum(
        all(abs(cols[i] - cols[j]) != j - i for i in range(n) for j in range(i + 1, n))
        for cols in itertools.permutations(range(n))
    )


def ring(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(names[i], names[(i + 1) % len(names)]) for i in range(len(names))]


ANSWERS: dict[str, str] = {}

# 01. Five districts in a ring, two colours.
ring5 = ["Ashford", "Brookside", "Cliffton", "Dunmore", "Eastgate"]
ANSWERS["colouring_placement_counting-01"] = colourable(ring5, ring(ring5), 2)

# 02. Central district bordering all five districts of a ring, three colours.
outer = ["Ash", "Birch", "Cedar", "Dale", "Elm"]
wheel = [*ring(outer), *(("Centre", o) for o in outer)]
ANSWERS["colouring_placement_counting-02"] = colourable(["Centre", *outer], wheel, 3)

# 03. Exam timetable: courses sharing a student need different slots; three slots enough?
courses = ["Algebra", "Biology", "Chemistry", "Drama", "Economics", "French"]
clashes = [("Algebra", "Biology"), ("Algebra", "Chemistry"), ("Biology", "Chemistry"),
           ("Chemistry", "Drama"), ("Drama", "Economics"), ("Economics", "French"),
           ("French", "Algebra"), ("Biology", "Economics"), ("Drama", "French")]
ANSWERS["colouring_placement_counting-03"] = colourable(courses, clashes, 3)

# 04. Fewest teams so that no two people who don't get along share a team.
people = ["Abe", "Bea", "Cal", "Dot", "Eli", "Fay", "Gus"]
feuds = [("Abe", "Bea"), ("Bea", "Cal"), ("Cal", "Dot"), ("Dot", "Eli"), ("Eli", "Abe"),
         ("Fay", "Abe"), ("Fay", "Cal"), ("Gus", "Bea"), ("Gus", "Fay")]
ANSWERS["colouring_placement_counting-04"] = str(chromatic_number(people, feuds))

# 05. Non-attacking queens on 4x4.
ANSWERS["colouring_placement_counting-05"] = str(queens(4))

# 06. Four non-attacking rooks on 4x4 with the main diagonal (a1, b2, c3, d4) forbidden.
ANSWERS["colouring_placement_counting-06"] = str(sum(
    all(cols[r] != r for r in range(4)) for cols in itertools.permutations(range(4))
))

# 07. Non-attacking queens on 6x6.
ANSWERS["colouring_placement_counting-07"] = str(queens(6))

# 08. Ring of four flower-bed sections, three colours, neighbours differ; sections distinguishable.
beds = ["north", "east", "south", "west"]
ANSWERS["colouring_placement_counting-08"] = str(proper_colourings(beds, ring(beds), 3))

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
