"""Independent check of the ``syllogisms_quantifiers`` items of the open set.

Categorical premises are checked over every Venn-diagram model: with n terms there are
2**n regions (which terms a thing belongs to), and a model says which regions have
members. A conclusion is "true" if it holds in every model of the premises, "false" if it
fails in every one, else "cannot be determined". Each item is computed twice, without
and with existential import (every term named in the puzzle has members); the script
asserts that both readings agree, so the answer does not hinge on that convention.

Items about named individuals enumerate every truth assignment to the individuals'
properties (itertools.product) in the same way.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence

TRUE, FALSE, UNKNOWN = "true", "false", "cannot be determined"

Region = tuple[bool, ...]
Model = frozenset[Region]


def venn_models(n: int, existential_import: bool) -> list[tuple[Region, ...]]:
    regions = list(itertools.product([True, False], repeat=n))
    models = []
    for inhabited in itertools.product([True, False], repeat=len(regions)):
        model = tuple(r for r, on in zip(regions, inhabited, strict=True) if on)
        if existential_import and not all(any(r[i] for r in model) for i in range(n)):
            continue
        models.append(model)
    return models


def all_are(a: int, b: int) -> Callable[[tuple[Region, ...]], bool]:
    return lambda m: all(r[b] for r in m if r[a])


def some_are(a: int, b: int) -> Callable[[tuple[Region, ...]], bool]:
    return lambda m: any(r[a] and r[b] for r in m)


def no_are(a: int, b: int) -> Callable[[tuple[Region, ...]], bool]:
    return lambda m: not any(r[a] and r[b] for r in m)


def verdict(models: Sequence[object], premises: Sequence[Callable], conclusion: Callable) -> str:
    values = {conclusion(m) for m in models if all(p(m) for p in premises)}
    assert values, "the premises are inconsistent"
    if values == {True}:
        return TRUE
    if values == {False}:
        return FALSE
    return UNKNOWN


def syllogism(n: int, premises: Sequence[Callable], conclusion: Callable) -> str:
    plain = verdict(venn_models(n, False), premises, conclusion)
    imported = verdict(venn_models(n, True), premises, conclusion)
    assert plain == imported, (plain, imported)
    return plain


def follows(n: int, premises: Sequence[Callable], options: dict[str, Callable]) -> str:
    """The one option that must be true (under both readings)."""
    sure = [text for text, c in options.items() if syllogism(n, premises, c) == TRUE]
    assert len(sure) == 1, sure
    return sure[0]


ANSWERS: dict[str, str] = {}

# 01. C = cats in the shelter, V = vaccinated, E = animals in the east wing.
C, V, E = 0, 1, 2
ANSWERS["syllogisms_quantifiers-01"] = syllogism(3, [all_are(C, V), some_are(E, C)], no_are(E, V))

# 02. V = violinists in the orchestra, S = read sheet music, L = left-handed.
V, S, L = 0, 1, 2
ANSWERS["syllogisms_quantifiers-02"] = syllogism(3, [all_are(V, S), some_are(S, L)], some_are(V, L))

# 03. F = fully booked flights, A = accept standby passengers, L = flights to Lisbon today.
F, A, L = 0, 1, 2
ANSWERS["syllogisms_quantifiers-03"] = syllogism(3, [no_are(F, A), all_are(L, F)], some_are(L, A))

# 04. C = chess club members, S = students, L = allowed in the staff lounge.
C, S, L = 0, 1, 2
ANSWERS["syllogisms_quantifiers-04"] = follows(3, [all_are(C, S), no_are(S, L)], {
    "No member of the chess club is allowed in the staff lounge.": no_are(C, L),
    "Some people allowed in the staff lounge are students.": some_are(L, S),
    "Every student is a member of the chess club.": all_are(S, C),
    "Some members of the chess club are allowed in the staff lounge.": some_are(C, L),
})


# 05. Wedding: every guest had exactly one main course, fish or lasagne; no guest who had the fish
#     ordered dessert; Marco was a guest and ordered dessert. Conclusion: Marco had the lasagne.
def _item05() -> str:
    worlds = [dict(zip(("guest", "fish", "lasagne", "dessert"), v, strict=True))
              for v in itertools.product([True, False], repeat=4)]
    premises = [
        lambda w: not w["guest"] or (w["fish"] != w["lasagne"]),
        lambda w: not (w["guest"] and w["fish"] and w["dessert"]),
        lambda w: w["guest"] and w["dessert"],
    ]
    return verdict(worlds, premises, lambda w: w["lasagne"])


ANSWERS["syllogisms_quantifiers-05"] = _item05()

# 06. M = musicians, T = teachers, W = work weekends.
M, T, W = 0, 1, 2
ANSWERS["syllogisms_quantifiers-06"] = syllogism(3, [some_are(M, T), no_are(T, W)], some_are(M, W))


# 07. Hotel: every top-floor room has a sea view; every sea-view room costs extra; room 512 is on
#     the top floor. Conclusion: room 512 costs extra.
def _item07() -> str:
    worlds = [dict(zip(("top", "sea_view", "extra"), v, strict=True))
              for v in itertools.product([True, False], repeat=3)]
    premises = [
        lambda w: not w["top"] or w["sea_view"],
        lambda w: not w["sea_view"] or w["extra"],
        lambda w: w["top"],
    ]
    return verdict(worlds, premises, lambda w: w["extra"])


ANSWERS["syllogisms_quantifiers-07"] = _item07()


# 08. Parking permits: anyone who lives more than 10 km away AND drives to work gets one; anyone with
#     a disability badge gets one. Facts as stated; unstated properties are unknown. Who is certain?
def _item08() -> str:
    known = {
        "Ahmed": {"far": True, "drives": True},           # 15 km away, drives
        "Bea": {"far": False, "drives": True},            # 3 km away, drives
        "Dmitri": {"far": True, "drives": False},         # 25 km away, takes the train
        "Elif": {"drives": True, "badge": False},         # drives, no badge; distance not stated
    }
    certain = []
    for person, facts in known.items():
        props = ("far", "drives", "badge", "permit")
        worlds = [dict(zip(props, v, strict=True)) for v in itertools.product([True, False], repeat=4)]
        premises = [
            lambda w: not (w["far"] and w["drives"]) or w["permit"],
            lambda w: not w["badge"] or w["permit"],
            lambda w, facts=facts: all(w[k] == v for k, v in facts.items()),
        ]
        if verdict(worlds, premises, lambda w: w["permit"]) == TRUE:
            certain.append(person)
    assert len(certain) == 1, certain
    return certain[0]


ANSWERS["syllogisms_quantifiers-08"] = _item08()

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
