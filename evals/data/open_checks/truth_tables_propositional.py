"""Independent check of the ``truth_tables_propositional`` items of the open set.

Every formula is evaluated on every row of its truth table (itertools.product):
a tautology holds on every row, a satisfiable formula on at least one, an entailment
holds if the conclusion is true on every row where the premises are; counts are numbers
of rows. Choice answers are the option texts of the items.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

YES, NO = "Yes", "No"


def rows(n: int) -> list[tuple[bool, ...]]:
    return list(itertools.product([True, False], repeat=n))


def implies(a: bool, b: bool) -> bool:
    return (not a) or b


def tautology(n: int, f: Callable[..., bool]) -> bool:
    return all(f(*r) for r in rows(n))


def satisfiable(n: int, f: Callable[..., bool]) -> bool:
    return any(f(*r) for r in rows(n))


def count(n: int, f: Callable[..., bool]) -> int:
    return sum(bool(f(*r)) for r in rows(n))


def yes(flag: bool) -> str:
    return YES if flag else NO


ANSWERS: dict[str, str] = {}

# 01. Is (p → q) ∨ (q → p) a tautology?
ANSWERS["truth_tables_propositional-01"] = yes(tautology(2, lambda p, q: implies(p, q) or implies(q, p)))

# 02. Is (p ∧ ¬q) ∧ (p → q) satisfiable?
ANSWERS["truth_tables_propositional-02"] = yes(satisfiable(2, lambda p, q: (p and not q) and implies(p, q)))

# 03. Do "server down → site unreachable" and "site unreachable → complaints" entail
#     "server down → complaints"?  (A, B, C)
ANSWERS["truth_tables_propositional-03"] = yes(tautology(
    3, lambda a, b, c: implies(implies(a, b) and implies(b, c), implies(a, c))))

# 04. For which values of p, q is (p ∨ q) ∧ ¬(p ∧ q) ∧ ¬p true?
sat_rows = [r for r in rows(2) if (r[0] or r[1]) and not (r[0] and r[1]) and not r[0]]
assert len(sat_rows) == 1, sat_rows
p, q = sat_rows[0]
ANSWERS["truth_tables_propositional-04"] = f"p {'true' if p else 'false'}, q {'true' if q else 'false'}"

# 05. Output = (A OR B) AND NOT (B AND C): on how many of the 8 input rows is it 1?
ANSWERS["truth_tables_propositional-05"] = str(count(3, lambda a, b, c: (a or b) and not (b and c)))

# 06. Which formula is equivalent to ¬(p ∨ q)?
options: dict[str, Callable[[bool, bool], bool]] = {
    "¬p ∨ ¬q": lambda p, q: (not p) or (not q),
    "¬p ∧ ¬q": lambda p, q: (not p) and (not q),
    "p ∧ q": lambda p, q: p and q,
    "¬p ∧ q": lambda p, q: (not p) and q,
}
equivalent = [text for text, g in options.items() if tautology(2, lambda p, q, g=g: g(p, q) == (not (p or q)))]
assert len(equivalent) == 1, equivalent
ANSWERS["truth_tables_propositional-06"] = equivalent[0]

# 07. Lamp L = (A XOR B) AND NOT C. A on, C off, lamp lit: is B on, off, or undetermined?
b_values = {b for a, b, c in rows(3) if a and not c and ((a != b) and not c)}
ANSWERS["truth_tables_propositional-07"] = "cannot be determined" if len(b_values) != 1 else (
    "on" if b_values.pop() else "off")

# 08. How many assignments of a, b, c satisfy (a ∨ b) ∧ (¬a ∨ c) ∧ (¬b ∨ ¬c)?
ANSWERS["truth_tables_propositional-08"] = str(count(
    3, lambda a, b, c: (a or b) and ((not a) or c) and ((not b) or (not c))))

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
