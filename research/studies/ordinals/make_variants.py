"""Build v3.yaml and v4.yaml (the second plan) from fewshot/smt.yaml as at commit a324ce9.

    python -m research.studies.ordinals.make_variants

v3 and v4: one function per end of the order, so each phrase maps to code word for word."""
from pathlib import Path

src = Path("fewshot/smt.yaml").read_text()
out = Path("research/studies/ordinals")
INTRO = ("    The following paragraphs each describe a set of five objects arranged in a fixed order. "
         "The statements are logically consistent within each paragraph.\n\n")


def block(marker: str) -> tuple[int, int]:
    i = src.index("- question: |-\n" + marker)
    return i, src.index("\n- question:", i + 1) + 1


SHELF_OLD = block(INTRO + "    On a shelf")
GOLF_OLD = block(INTRO.replace("five", "three") + "    In a golf tournament")
FRUIT_OLD = block(INTRO + "    A fruit stand")

ENTAILED = """
    def entailed(claim):
        s = Solver()
        s.add(premises)
        s.add(Not(claim))
        return s.check() == unsat

    for letter, claim in options.items():
        if entailed(claim):
            answer = letter
"""


def options(template: str, names: list[str]) -> str:
    return "    options = {\n" + "".join(
        f'        "{letter}": {template.format(name)},\n' for letter, name in zip("ABCDE", names, strict=True)
    ) + "    }\n"


def example(question: str, header: str, ends: str, names: list[str], group: str, premises: str,
            option: str, value: str) -> str:
    variables = ", ".join(names)
    return (
        "- question: |-\n" + INTRO + question + "  program: |\n" + header + "    N = 5\n" + ends
        + f"    {variables} = Ints('{' '.join(names)}')\n"
        + f"    {group} = [{variables}]\n"
        + f"    premises = [Distinct({group})] + [And(1 <= x, x <= N) for x in {group}]\n"
        + "    premises += [\n" + premises + "    ]\n" + options(option, names) + ENTAILED
        + f'  value: "{value}"\n'
    )


SHELF = example(
    "    On a shelf, there are five books: a red book, a gray book, an orange book, a black book, and a brown "
    "book. The orange book is to the left of the brown book. The gray book is the rightmost. The red book is "
    "the second from the right. The black book is the third from the left.\n\n"
    "    Which of the following is true?\n    Options:\n"
    + "".join(f"    {letter}) The {name} book is the fourth from the right.\n"
              for letter, name in zip("ABCDE", ["red", "gray", "orange", "black", "brown"], strict=True)),
    "    # Position 1 is the leftmost, N the rightmost. One function per end of the order.\n",
    "    def left(k=1): return k            # k-th from the left (the leftmost: k = 1)\n"
    "    def right(k=1): return N + 1 - k   # k-th from the right (the rightmost: k = 1)\n"
    "    def left_of(a, b): return a < b\n"
    "    def right_of(a, b): return a > b\n",
    ["red", "gray", "orange", "black", "brown"], "books",
    "        left_of(orange, brown),   # the orange book is to the left of the brown book\n"
    "        gray == right(),          # the gray book is the rightmost\n"
    "        red == right(2),          # the red book is the second from the right\n"
    "        black == left(3),         # the black book is the third from the left\n",
    "{} == right(4)", "E",
)

GOLF = example(
    "    In a golf tournament, there were five golfers: Rosa, Omar, Lin, Tess, and Abe. Lin finished above "
    "Omar. Tess finished first. Abe finished below Omar. Rosa finished second-to-last.\n\n"
    "    Which of the following is true?\n    Options:\n"
    + "".join(f"    {letter}) {name} finished last.\n"
              for letter, name in zip("ABCDE", ["Rosa", "Omar", "Lin", "Tess", "Abe"], strict=True)),
    "    # Place 1 is first, N is last. One function per end of the order.\n",
    "    def first(k=1): return k           # k-th place (first: k = 1)\n"
    "    def last(k=1): return N + 1 - k    # k-th-to-last (last: k = 1)\n"
    "    def above(a, b): return a < b      # a finished above b\n"
    "    def below(a, b): return a > b      # a finished below b\n",
    ["rosa", "omar", "lin", "tess", "abe"], "golfers",
    "        above(lin, omar),   # Lin finished above Omar\n"
    "        tess == first(),    # Tess finished first\n"
    "        below(abe, omar),   # Abe finished below Omar\n"
    "        rosa == last(2),    # Rosa finished second-to-last\n",
    "{} == last()", "E",
)

FRUIT = example(
    "    A fruit stand sells five fruits: kiwis, pears, plums, mangoes, and apples. The pears are the cheapest. "
    "The mangoes are more expensive than the plums. The kiwis are the second-most expensive. The apples are "
    "less expensive than the plums.\n\n"
    "    Which of the following is true?\n    Options:\n"
    + "".join(f"    {letter}) The {name} are the second-cheapest.\n"
              for letter, name in zip("ABCDE", ["kiwis", "pears", "plums", "mangoes", "apples"], strict=True)),
    "    # Rank 1 is the cheapest, N the most expensive. One function per end of the order.\n",
    "    def cheapest(k=1): return k                # k-th cheapest (the cheapest: k = 1)\n"
    "    def most_expensive(k=1): return N + 1 - k  # k-th-most expensive (the most expensive: k = 1)\n"
    "    def cheaper(a, b): return a < b            # a is less expensive than b\n"
    "    def pricier(a, b): return a > b            # a is more expensive than b\n",
    ["kiwis", "pears", "plums", "mangoes", "apples"], "fruits",
    "        pears == cheapest(),          # the pears are the cheapest\n"
    "        pricier(mangoes, plums),      # the mangoes are more expensive than the plums\n"
    "        kiwis == most_expensive(2),   # the kiwis are the second-most expensive\n"
    "        cheaper(apples, plums),       # the apples are less expensive than the plums\n",
    "{} == cheapest(2)", "E",
)


def replaced(pairs: list[tuple[tuple[int, int], str]]) -> str:
    text, shift = src, 0
    for (i, j), new in sorted(pairs, key=lambda pair: pair[0][0]):
        text = text[: i + shift] + new + text[j + shift:]
        shift += len(new) - (j - i)
    return text


for name, pairs in {
    "v3": [(SHELF_OLD, SHELF), (GOLF_OLD, GOLF), (FRUIT_OLD, FRUIT)],
    "v4": [(SHELF_OLD, SHELF), (GOLF_OLD, FRUIT), (FRUIT_OLD, GOLF)],
}.items():
    note = (f"# Variant {name} of fewshot/smt.yaml (results/followup/ordinals/plan.md, second plan); "
            "made by make_variants.py beside it.\n")
    (out / f"{name}.yaml").write_text(note + replaced(pairs))
