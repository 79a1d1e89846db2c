"""Independent check of the ``kinship`` items of the open set.

Each item's facts are written out as parent-child pairs, sexes and marriages, exactly as
the question states them; the relations are computed in plain Python:

- grandparent: a parent's parent; great-grandparent: a grandparent's parent;
- sibling: shares a parent, not the same person; cousin (first): a child of a parent's sibling;
- uncle: a parent's brother or the husband of a parent's sister;
- nephew: a son of a sibling or of a spouse's sibling;
- brother-in-law: a spouse's brother or a sibling's husband (or a spouse's sister's husband).
"""

from __future__ import annotations

import json


class Family:
    def __init__(self, parents: list[tuple[str, str]], male: set[str], female: set[str],
                 married: list[tuple[str, str]], sex_not_stated: frozenset[str] = frozenset()) -> None:
        self.parents = parents  # (parent, child)
        self.male = male
        self.female = female
        self.married = married
        assert not male & female
        everyone = {x for pair in parents + married for x in pair}
        assert everyone <= male | female | sex_not_stated, everyone - male - female - sex_not_stated

    def parents_of(self, x: str) -> set[str]:
        return {p for p, c in self.parents if c == x}

    def children_of(self, x: str) -> set[str]:
        return {c for p, c in self.parents if p == x}

    def siblings_of(self, x: str) -> set[str]:
        return {s for p in self.parents_of(x) for s in self.children_of(p)} - {x}

    def spouses_of(self, x: str) -> set[str]:
        return {b for a, b in self.married if a == x} | {a for a, b in self.married if b == x}

    def grandparents_of(self, x: str) -> set[str]:
        return {g for p in self.parents_of(x) for g in self.parents_of(p)}

    def great_grandparents_of(self, x: str) -> set[str]:
        return {g for p in self.grandparents_of(x) for g in self.parents_of(p)}

    def grandchildren_of(self, x: str) -> set[str]:
        return {g for c in self.children_of(x) for g in self.children_of(c)}

    def cousins_of(self, x: str) -> set[str]:
        return {c for p in self.parents_of(x) for s in self.siblings_of(p) for c in self.children_of(s)}

    def uncles_of(self, x: str) -> set[str]:
        by_blood = {s for p in self.parents_of(x) for s in self.siblings_of(p) if s in self.male}
        by_marriage = {h for p in self.parents_of(x) for s in self.siblings_of(p) if s in self.female
                       for h in self.spouses_of(s) if h in self.male}
        return by_blood | by_marriage

    def nephews_of(self, x: str) -> set[str]:
        sibs = self.siblings_of(x) | {s for w in self.spouses_of(x) for s in self.siblings_of(w)}
        return {c for s in sibs for c in self.children_of(s) if c in self.male}

    def brothers_in_law_of(self, x: str) -> set[str]:
        spouse_sibs = {s for w in self.spouses_of(x) for s in self.siblings_of(w)}
        out = {s for s in spouse_sibs if s in self.male}
        out |= {h for s in self.siblings_of(x) | spouse_sibs for h in self.spouses_of(s) if h in self.male}
        return out - {x}


def only(names: set[str]) -> str:
    assert len(names) == 1, names
    return next(iter(names))


ANSWERS: dict[str, str] = {}

# 01. Julia's paternal grandmother.
f = Family(
    parents=[("Gloria", "Hector"), ("Leon", "Hector"), ("Hector", "Julia"), ("Irene", "Julia"),
             ("Kathleen", "Irene")],
    male={"Hector", "Leon"}, female={"Gloria", "Irene", "Julia", "Kathleen"},
    married=[("Gloria", "Leon"), ("Hector", "Irene")],
)
father = only(f.parents_of("Julia") & f.male)
ANSWERS["kinship-01"] = only(f.parents_of(father) & f.female)

# 02. Petra's only cousin. Tomas is an only child (no parents listed, so no siblings).
f = Family(
    parents=[("Marta's parent", "Marta"), ("Marta's parent", "Nils"), ("Marta", "Oscar"), ("Marta", "Petra"),
             ("Tomas", "Oscar"), ("Tomas", "Petra"), ("Nils", "Ruben")],
    male={"Nils", "Oscar", "Ruben", "Tomas"}, female={"Marta", "Petra"},
    married=[("Marta", "Tomas")], sex_not_stated=frozenset({"Marta's parent"}),
)
ANSWERS["kinship-02"] = only(f.cousins_of("Petra"))

# 03. Dev's uncle. Sunil (Dev's father) is an only child; Vikram has exactly two children.
f = Family(
    parents=[("Vikram", "Asha"), ("Vikram", "Rohan"), ("Asha", "Dev"), ("Sunil", "Dev"), ("Rohan", "Kiran")],
    male={"Vikram", "Rohan", "Dev", "Sunil", "Kiran"}, female={"Asha"},
    married=[("Asha", "Sunil")],
)
ANSWERS["kinship-03"] = only(f.uncles_of("Dev"))

# 04. Frank's grandchildren: Carl 2 daughters, Dina 1 son + twin girls, Emil none, Greg 1 child.
f = Family(
    parents=[*((p, c) for p in ("Beatrice", "Frank") for c in ("Carl", "Dina", "Emil")), ("Frank", "Greg"),
             ("Carl", "Carl-d1"), ("Carl", "Carl-d2"), ("Dina", "Dina-s1"), ("Dina", "Dina-twin1"),
             ("Dina", "Dina-twin2"), ("Greg", "Greg-c1")],
    male={"Frank", "Carl", "Emil", "Greg", "Dina-s1"},
    female={"Beatrice", "Dina", "Carl-d1", "Carl-d2", "Dina-twin1", "Dina-twin2"},
    married=[("Beatrice", "Frank")], sex_not_stated=frozenset({"Greg-c1"}),
)
ANSWERS["kinship-04"] = str(len(f.grandchildren_of("Frank")))

# 05. How is Wilhelm related to Sara?
f = Family(
    parents=[("Wilhelm", "Ursula"), ("Ursula", "Theo"), ("Raymond", "Theo"), ("Theo", "Sara")],
    male={"Wilhelm", "Theo", "Raymond"}, female={"Ursula", "Sara"},
    married=[("Ursula", "Raymond")],
)
relation = {
    "grandfather": "Wilhelm" in f.grandparents_of("Sara"),
    "great-grandfather": "Wilhelm" in f.great_grandparents_of("Sara"),
    "great-uncle": any("Wilhelm" in f.siblings_of(g) for g in f.grandparents_of("Sara")),
    "uncle": "Wilhelm" in f.uncles_of("Sara"),
}
ANSWERS["kinship-05"] = only({name for name, holds in relation.items() if holds})

# 06. Finn's first cousins. Leo (Cora's husband) has exactly one sibling, Mona.
f = Family(
    parents=[*((p, c) for p in ("Alma", "Bert") for c in ("Cora", "Dirk", "Edda")),
             *(("Cora", c) for c in ("Finn", "Gala")), *(("Leo", c) for c in ("Finn", "Gala")),
             *(("Dirk", c) for c in ("Hal", "Ida", "Jon")), ("Edda", "Kai"), ("Edda", "Lily"),
             *(("Leo's parent", c) for c in ("Leo", "Mona")), *(("Mona", c) for c in ("Nell", "Otto"))],
    male={"Leo"}, female={"Cora", "Mona"},
    married=[("Alma", "Bert"), ("Cora", "Leo")],
    sex_not_stated=frozenset({"Alma", "Bert", "Dirk", "Edda", "Finn", "Gala", "Hal", "Ida", "Jon", "Kai", "Lily",
                              "Nell", "Otto", "Leo's parent"}),
)
ANSWERS["kinship-06"] = str(len(f.cousins_of("Finn")))

# 07. Rita's brother-in-law. Rita's only sibling is Sandra (unmarried); Paolo's only sibling is Ugo.
f = Family(
    parents=[("Rita's parent", "Rita"), ("Rita's parent", "Sandra"), ("Paolo's parent", "Paolo"),
             ("Paolo's parent", "Ugo")],
    male={"Paolo", "Ugo"}, female={"Rita", "Sandra", "Vera"},
    married=[("Paolo", "Rita"), ("Ugo", "Vera")], sex_not_stated=frozenset({"Rita's parent", "Paolo's parent"}),
)
ANSWERS["kinship-07"] = only(f.brothers_in_law_of("Rita"))

# 08. Zane's nephew. Yara, Zane, Abel are the only siblings; Zane's wife Farah is an only child.
f = Family(
    parents=[("Yara's parent", s) for s in ("Yara", "Zane", "Abel")]
    + [("Zane", "Bella"), ("Farah", "Bella"), ("Abel", "Cole"), ("Abel", "Dora"), ("Yara", "Elin")],
    male={"Zane", "Abel", "Cole"}, female={"Yara", "Bella", "Dora", "Elin", "Farah"},
    married=[("Zane", "Farah")], sex_not_stated=frozenset({"Yara's parent"}),
)
ANSWERS["kinship-08"] = only(f.nephews_of("Zane"))

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
