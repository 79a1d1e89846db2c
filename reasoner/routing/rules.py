"""A router with no model call: weighted keyword and structure cues per backend.

Each cue is a regular expression with a weight and a cap on how many of its
matches count; a backend's raw score is the sum of its cues, the scores are
normalised over the registered backends plus ``direct``, and the top one wins.
Cues for a backend that is not registered are ignored, so the router never
returns a backend that cannot run. The top score is the router's confidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reasoner.routing.base import DIRECT, Route, Router, candidates, normalise

FLAGS = re.IGNORECASE | re.MULTILINE

_TRUTH_OF_A_STATEMENT = r"\bstatement (?:is )?true\b|\btrue, false\b|^(?:unknown|uncertain|undetermined)$"
"""A question about a statement's truth given premises, or a third truth value among the options."""

PRIOR = 1.0
"""Added to every label's raw score before normalising: one weak cue is not certainty."""

DEFAULT_THRESHOLD = 0.45
"""Confidence at or above which the rules' answer is trusted without a model (auto router).

Chosen on the development label set (tests/data/route_labels_dev.yaml) with the default
1.5B model: auto was right on 101, 101, 102, 100 and 96 of 110 at 0.35, 0.4, 0.45, 0.5
and 0.6; below ~0.45 the model is more often right than the rules, above it less often.
"""


@dataclass(frozen=True)
class Cue:
    label: str
    weight: float
    pattern: re.Pattern[str]
    cap: int = 1
    """At most this many matches count."""

    def score(self, text: str) -> float:
        hits = sum(1 for _ in zip(range(self.cap), self.pattern.finditer(text), strict=False))
        return self.weight * hits


def cue(label: str, weight: float, pattern: str, cap: int = 1, flags: int = FLAGS) -> Cue:
    return Cue(label, weight, re.compile(pattern, flags), cap)


CUES: tuple[Cue, ...] = (
    # sat: grids and pure boolean or cardinality puzzles.
    cue("sat", 12, r"\bsudoku\b"),
    cue("sat", 12, r"(?:^[1-9.0_*]{9}\s*$\n?){9}|(?<![\w.])[1-9.0]{81}(?![\w.])"),
    cue("sat", 6, r"\bgraph colou?ring\b|\bcolou?rs? (?:the|each) (?:nodes?|vertex|vertices|map|regions?)\b|"
        r"\b(?:nodes|vertices|regions|countries)\b[^.?!]*\bcolou?red\b|\bcolou?red\b[^.?!]*\b(?:every|each) edge\b"),
    cue("sat", 3, r"\bno two adjacent\b|\bpigeonhole\b|\b\w+[- ]queens\b|\bsatisfiab\w+|\bCNF\b|\bDIMACS\b"),
    cue("sat", 3, r"\bexactly (?:one|two|\d+) of\b|\bat most (?:one|two|three|\d+) of\b|\bat least one of\b", cap=2),
    # Propositional logic: formulas, truth values, circuits of AND/OR/NOT.
    cue("sat", 6, r"\btautolog\w*|\b(?:un)?satisfiable\b|\btruth (?:table|values?|assignments?)\b|"
        r"\blogically equivalent\b|\bassignments? of (?:true|truth)"),
    cue("sat", 2, r"[¬∧∨→↔⊕]", cap=3),
    cue("sat", 2, r"\b(?:AND|OR|NOT|XOR)\b", cap=3, flags=re.MULTILINE),
    # Colouring: things that touch (border, share) must differ.
    cue("sat", 4, r"\b(?:borders?|bordering|adjacent|neighbou?r\w*|share an? \w+)\b[^?]*\b(?:colou?r\w*|same (?:slot|"
        r"time|day|session|period|room))\b|\bcolou?r\w*\b[^?]*\b(?:borders?|bordering|adjacent|neighbou?r\w*)\b"),
    # smt: orderings and arrangements, and open-world first-order entailment.
    cue("smt", 8, r"\barranged in a fixed order\b"),
    # Statements about who lies: each speaker's claim holds exactly when the speaker is truthful.
    cue("smt", 5, r"\bknights?\b|\bknaves?\b|\balways (?:lies|lie|tells? the truth)\b|\btruth-tellers?\b|\bliars?\b"),
    # One of each per day, slot or seat, for named people: an assignment to solve for.
    cue("smt", 2, r"\b(?:one|each) (?:per|a|each|on each|in each) (?:day|slot|seat|side|floor|room|office|chair)\b|"
        r"\b(?:Monday|Mon) (?:to|through) (?:Friday|Sunday)\b"),
    cue("smt", 1.5, r"\b(?:to the (?:left|right) of|(?:second|third|fourth|fifth|sixth)[- ]from the (?:left|right)|"
        r"leftmost|rightmost|finish(?:ed|es)? (?:above|below|ahead of|behind|(?:right |just )?(?:before|after)|"
        r"first|last|second|third)|(?:newer|older|cheaper) than|(?:more|less) expensive than|"
        r"(?:second|third|fourth)[- ](?:newest|oldest|cheapest|most expensive|to last)|"
        r"sits? (?:next to|between|opposite))\b", cap=4),
    cue("smt", 1.5, r"\beither\b[^.?!]*\bor\b|\bneither\b[^.?!]*\bnor\b", cap=2),
    cue("smt", 1, r"(?:^|[.?!]\s+)(?:no|some) \w+(?: \w+)? (?:are|is|have|can)\b|"
        r"\bthere (?:is|are|exists?) (?:a|an|some|at least)\b", cap=2),
    cue("smt", 2, r"(?:^|[.?!:]\s*)(?:some|no|not all|not every|at least one) (?:of the )?\w+", cap=2),
    cue("smt", 2, r"\bwhich of the following (?:is|must be|could be|cannot be) true\b"),
    cue("smt", 3, r"\bschedul\w+\b.*\b(?:slots?|before|after|not on the same)\b|"
        r"\b(?:seat(?:ed|ing|s)?|sit|sits)\b.*\b(?:left|right|next to|between)\b"),
    cue("smt", 2, r"\binteger(?:s)? (?:x|y|a|b|n)\b.*\bsuch that\b"),
    # Entailment: is a statement true, false (or undetermined) given premises? Prolog or z3,
    # as the premises' shape decides (facts and if-then rules, or beyond: _beyond_horn).
    cue("prolog", 3, _TRUTH_OF_A_STATEMENT),
    cue("smt", 3, _TRUTH_OF_A_STATEMENT),
    # prolog: facts and rules with a query.
    cue("prolog", 4, r"\bis the following statement true or false\b"),
    cue("prolog", 1.5, r"\bif (?:something|someone) (?:is|are|\w+s)\b|\ball \w+(?:, \w+)? (?:things|people) are\b|"
        r"\b\w+, \w+ (?:things|people) are\b", cap=3),
    cue("prolog", 1, r"(?:^|[.?!]\s+)(?:every|each) \w+ (?:is|are)\b|(?:^|[.?!]\s+)\w+es are (?:not )?\w+\.", cap=3),
    cue("prolog", 2.5, r"\b(?:parent|grandparent|ancestor|sibling|grandchild|descendant|child|mother|father)s? of\b",
        cap=3),
    cue("prolog", 1, r"\b(?:all|every|each) \w+ (?:is|are)\b|\bif\b[^.?!,]*,? then\b", cap=2),
    # sympy: algebra in symbols, calculus, exact values, LaTeX.
    cue("sympy", 4, r"\\(?:frac|dfrac|sqrt|cdot|left|right|times|div|pi|le|ge|neq|star|circ|boxed|text|\[)"),
    cue("sympy", 4, r"\bsolve for\b|\bsystem of (?:linear )?equations\b|\bsolve the equation\b"),
    # Case-sensitive: "3x", "x^2", "y = 2x" and "f(x)", not "10L" or "A = B".
    cue("sympy", 3, r"\b[a-z]\s*\^\s*\d|\b\d+[a-z]\b|\b[a-z]\s*=\s*[\d\-(a-z]|\b[fgh]\([a-z0-9\-]+\)",
        flags=re.MULTILINE),
    cue("sympy", 4, r"\bderivative\b|\bdifferentiate\b|\bintegra(?:l|te)\b|\bd/d[a-z]\b|\blimit of\b|"
        r"\bantiderivative\b"),
    cue("sympy", 2, r"\bsimplif\w+|\bfactor(?:ise|ize|ed form)?\b|\bexpand\b|\bpolynomial\b|\bquadratic\b|\broots?\b|"
        r"\bcoefficients?\b|\bexpression\b", cap=2),
    cue("sympy", 2, r"\bcommon fraction\b|\bsimplest (?:radical )?form\b|\bexact (?:value|form)\b"),
    # Numbers as the unknowns: "the sum of two numbers is 30", "a number doubled plus 7".
    cue("sympy", 3, r"\b(?:sum|difference|product) of (?:two|three|the|\w+ consecutive) (?:\w+ )?"
        r"(?:numbers|integers)\b|\b(?:a|the|one|another) number (?:doubled|tripled|squared|plus|minus|times|"
        r"increased|decreased|divided|multiplied)\b|\btheir (?:sum|difference|product) is\b|"
        r"\b(?:what|find) (?:is |are )?the (?:two )?numbers?[?.]"),
    cue("sympy", 2, r"\bgreatest common (?:divisor|factor)\b|\bleast common multiple\b|\bprime factori[sz]\w+|"
        r"\bremainder when\b|\bmodulo\b"),
    # python: quantities with units, money and rates.
    cue("python", 1, r"\d", cap=1),
    cue("python", 1, r"\$\s?\d|\d\s?%|\b(?:dollars?|cents?|hours?|minutes?|days?|weeks?|months?|years?|miles?|km|"
        r"kilometers?|kilograms?|kg|pounds?|liters?|litres?|gallons?|meters?|feet|inches|percent|each|per)\b", cap=3),
    cue("python", 1.5, r"\bhow (?:many|much)\b"),
    # Counting and chance: enumerate the cases.
    cue("python", 5, r"\b(?:how many|number of) (?:different |distinct |possible )?(?:ways|arrangements|orders|"
        r"orderings|seatings|outcomes|combinations|committees|routes|paths|passwords|codes|teams)\b|"
        r"\bin how many ways\b"),
    cue("python", 4, r"\bprobability\b|\bchance (?:that|of)\b|\bodds\b|\bat random\b|\bexpected value\b"),
    cue("python", 3, r"\bprime\b|\bdivisors?\b|\bdivisible\b|\bmultiples? of\b|\blast (?:two )?digits?\b"),
    # Unknowns tied by relations a person would write as equations: ages then and now, work
    # shared, mixtures, meeting, currents, money split two ways, consecutive numbers,
    # a price before a change, an amount that must be reached.
    cue("sympy", 3, r"\bconsecutive (?:(?:odd|even|positive|whole|negative) )*(?:integers|numbers|whole numbers)\b|"
        r"\b(?:working|work) together\b|\btogether,? how (?:long|many (?:hours|minutes|days))\b|"
        r"\b(?:alone|by (?:himself|herself|itself|themselves)) in \d|"
        r"\b(?:years? ago|in \d+ years)\b[^?]*\b(?:as old|times as old|twice as old)\b|"
        r"\b(?:as old|times as old|twice as old)\b[^?]*\b(?:years? ago|in \d+ years)\b|"
        r"\bhow many (?:liters|litres|gallons|millilit\w+|ml|kilograms|kg|grams|pounds|ounces|cups) of (?:each|the)\b|"
        r"\b\d+% (?:\w+ )?(?:solution|mixture|alloy)\b[^?]*\b\d+% (?:\w+ )?(?:solution|mixture|alloy)\b|"
        r"\bapart\b[^?]*\b(?:toward|towards) each other\b|\bin still water\b|\bupstream\b|\bagainst the wind\b|"
        r"\b(?:split|divided|invested)\b[^?]*\binterest\b|"
        r"\b(?:original|before the (?:increase|raise|discount|markup|sale))\b[^.?]*\?|"
        r"\b(?:only|just) \w+ and \w+\b[^?]*\b(?:worth|total|altogether)\b|"
        r"\bmore than (?:twice|double|three times) (?:its|the|his|her|their)\b", cap=2),
    # Two kinds of thing with a total count and a total value: how many of one kind?
    cue("sympy", 5, r"\b\d+ \w+(?: \w+)?\b[^?]*\b(?:worth|took in|collected|legs|weighing|cost(?:ing)?) "
        r"(?:a total of |in total |altogether )?\$?\d[^?]*\?|\bonly \w+ and \w+\b|\bbetween them\b"),
    cue("sympy", 5, r"\b(?:smallest|least|lowest|fewest|largest|greatest|most|minimum|maximum) (?:whole |positive |"
        r"possible )?(?:number|integer|score|amount|count)\b[^?]*\b(?:so that|such that|for which|needed|to (?:break "
        r"even|cover|make|exceed|reach|average|get)|would (?:make|give))\b|\bbreak even\b|\bafter how many\b|"
        r"\bhow many (?:integers|whole numbers) (?:x |n )?satisfy\b"),
)

_MATH_MODE = re.compile(r"\$([^$\n]{1,160}?)\$")
_PROSE_WORD = re.compile(r"(?<![\\a-z])[a-z]{3,}\b", re.IGNORECASE)


def _latex_math(text: str) -> float:
    """``$...$`` spans that hold mathematics, not two prices ("$20 and $10 bills")."""
    spans = [m.group(1) for m in _MATH_MODE.finditer(text)]
    math = [span for span in spans if not _PROSE_WORD.search(span.replace("\\text", ""))]
    return 6.0 if math else 0.0


_NUMBER_WORDS = r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
"""Numbers as word problems spell them; the patterns below add their own few."""
_COUNT = rf"(?:\d+(?:\.\d+)?|one|{_NUMBER_WORDS}|fifteen)"
"""A small count in digits or words: "3 more", "three more", "ten years older"."""
_RELATION = r"(?:twice|double|triple|thrice|half|(?:\w+|\d+(?:\.\d+)?) times|\d+/\d+|a (?:third|quarter|fourth|fifth))"
_RELATIVE = re.compile(
    rf"\b{_RELATION} (?:as (?:many|much|old|long|high|fast|far|big|large|tall)|the (?:number|amount|price|age|cost)|"
    rf"that of|\w+'s)|\b(?:more|less|fewer|older|younger|longer|shorter|taller|higher|cheaper) (?:than )?{_RELATION}\b|"
    rf"\b{_COUNT} (?:\w+ )?(?:more|less|fewer|older|younger|longer|shorter|taller|higher)\b", FLAGS,
)
_MORE_THAN_MULTIPLE = re.compile(rf"\b(?:more|less|fewer|older|younger) than {_RELATION}\b", FLAGS)
_GIVEN_TOTAL = re.compile(r"\b(?:combined|together|altogether|in all|sum of|add up to|in total|total(?: of)?)\b", FLAGS)
_ASKS = re.compile(r"\b(?:how|what|find|calculate|determine|which)\b", FLAGS)


def _system_of_unknowns(text: str) -> float:
    """A word problem that gives a total and relates the unknowns to each other (GSM-Sys).

    In a forward problem the relation's base is known and the total is what is
    asked; here the total is given and the base is asked, which wants equations.
    Weak: about one GSM-Sys problem in six has this shape, one GSM8K in twenty.
    """
    # What is asked starts at the last wh-word; everything before it is given
    # (including "If there are 90 fish in total, ..." in the asking sentence).
    asks = list(_ASKS.finditer(text))
    statements = text[: asks[-1].start()] if asks else text
    score = 0.0
    if _RELATIVE.search(statements) and _GIVEN_TOTAL.search(statements):
        score += 6.0
    if _MORE_THAN_MULTIPLE.search(text):
        score += 3.0
    return score


_SENTENCE_END = re.compile(r"[.?!](?:\s+|$)")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*(?!st|nd|rd|th)\b")
_DIRECT_START = re.compile(
    r"^\s*(?:what (?:is|are|was|does)|who|whom|whose|which|when|where|why|define|translate|name|"
    r"in which|at what|how (?:do|does|is|are|many|much))\b", FLAGS
)
_PROBLEM_WORDS = re.compile(
    r"\b(?:solve|calculate|compute|find|if|then|true|false|suppose|given|each|every|all|total|sum|product|"
    r"equation|value of|multiples?|remainder|how many more|how much more|left|exactly|at least|at most|such that|"
    r"says?)\b", FLAGS
)


def _direct(text: str) -> float:
    """Short questions with no numbers to work on and no premises: answer from knowledge."""
    words = len(text.split())
    if words > 40:
        return 0.0
    score = 2.5 if words <= 25 else 0.0
    if _DIRECT_START.search(text):
        score += 2
    numbers = len(_NUMBER.findall(text))
    score += 2 if numbers == 0 else -2 * numbers
    score -= 2 * len(_PROBLEM_WORDS.findall(text))
    # Statements before the question are premises to reason from.
    score -= 2 * (len(_SENTENCE_END.findall(text.strip())) - 1)
    return max(score, 0.0)


WITHOUT_NUMBERS: tuple[Cue, ...] = (
    cue("prolog", 2.5, r"\b\w+'s (?:grand)?(?:mother|father|parent|son|daughter|child|children)\b|"
        r"\b\w+'s (?:sister|brother|sibling|aunt|uncle|cousin|niece|nephew|ancestor|descendant)s?\b|"
        r"\b(?:grandmother|grandfather|great-grand\w+|aunt|uncle|cousin|niece|nephew)s?\b", cap=3),
    cue("prolog", 1, r"(?:^|[.?!]\s+)(?:all|every|each|no) \w+ (?:can|has|have|likes?|eats?)\b", cap=2),
    cue("prolog", 2, r"(?<!, )\btrue or false\b(?!,? or)"),
)
"""Rule-base questions asked the way people ask ("Carl's grandmother", "every bird can fly",
"true or false?"); counted only when statements come before the question and the text has
no number, in digits or words: in a word problem the same words are story ("his grandmother
gave him $20"), and a lone question ("Is it true or false that ...?") is asked of knowledge."""

_ANY_NUMBER = re.compile(rf"\d|\b(?:{_NUMBER_WORDS}|hundred|thousand|dozen|twice|double|half)\b", re.IGNORECASE)
_YES_NO = re.compile(r"^(?:is|are|was|were|does|do|did|can|could|will|must|should|has|have)\b", re.IGNORECASE)


def _facts_and_query(text: str) -> float:
    """Facts and a query, with no numbers: the cues above, plus the bare shape of one.

    "Tweety is a bird. Birds have feathers. Does Tweety have feathers?" carries no
    keyword, but its shape is a Prolog program's: statements, then a yes/no goal.
    """
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2 or _ANY_NUMBER.search(text):
        return 0.0  # a lone question is asked of knowledge; numbers make it a word problem
    score = sum(c.score(text) for c in WITHOUT_NUMBERS)
    if len(sentences) >= 3 and text.rstrip().endswith("?") and _YES_NO.match(sentences[-1]):
        score += 3.0
    return score


_BEYOND_HORN = re.compile(
    r"\beither\b|\bneither\b|\bif and only if\b|\bthere (?:is|are|exists?) (?:a|an|some|no|at least)\b|"
    r"(?:^|[.?!]\s+)(?:no|some|not all|not every) \w+|\b(?:everyone|anyone|anything|someone) who\b|"
    r"\b\w+ or (?:a |an |the )?\w+\b",
    FLAGS,
)
"""Premises that rules of the form "if A and B then C" cannot state: a disjunction, an
existential, a negated universal, a biconditional, a quantifier restricted by a clause."""


def _beyond_horn(text: str) -> float:
    """Statements (not a word problem) that go beyond facts and if-then rules: first-order
    premises, which want a solver that reasons over every case (z3), not Prolog's resolution."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 3 or _COMPUTES.search(text):
        return 0.0
    premises = " ".join(sentences[:-1])
    return 3.0 * min(len(_BEYOND_HORN.findall(premises)), 3)


_ORDER = re.compile(
    r"\b(?:taller|shorter|older|younger|heavier|lighter|faster|slower|earlier|later(?: in the \w+)?|higher|lower|"
    r"farther|further|closer|nearer|longer|larger|smaller|bigger|"
    r"higher-numbered|lower-numbered) than\b|"
    r"\b(?:directly|immediately|just|somewhere|right) (?:behind|in front of|ahead of|above|below|after|before)\b|"
    r"\b(?:next to|at (?:one|either|the (?:left|right)) end|on top)\b|"
    r"\bthe (?:second[- ])?(?:tallest|shortest|oldest|youngest|heaviest|lightest)\b", FLAGS
)
_ASSIGNMENT = re.compile(r"\beach\b(?: \w+){0,5},? (?:a |one )?different\b|\ball different\b", FLAGS)
_COMPUTES = re.compile(r"\bhow (?:many|much)\b|\$\s?\d|\d\s?%|\bpercent\b", FLAGS)
_ASKS_WHICH_ONE = re.compile(r"(?:^|[.?!]\s+)(?:who|which|what colou?r|(?:on|in|at) which)\b[^.?!]*\?\s*$", FLAGS)


def _premises_of_who_or_which(text: str) -> str | None:
    """What a puzzle states before asking who or which one; None when the question does
    not end by asking who or which, or asks how many or how much (a word problem)."""
    text = text.strip()
    asked = _ASKS_WHICH_ONE.search(text)
    if asked is None or _COMPUTES.search(text):
        return None
    return text[: asked.start()]


def _arrangement(text: str) -> float:
    """Things put in order by stated relations ("directly behind", "taller than"), then a
    who/which question. Relations in the question itself ("Which penguin is older than
    Bernard?") ask about given data, not a puzzle's premises, so they do not count."""
    premises = _premises_of_who_or_which(text)
    return 2.0 * min(len(_ORDER.findall(premises)), 3) if premises else 0.0


_KIN = re.compile(
    r"\b(?:grand)?(?:mother|father|parent|son|daughter|child|children|sister|brother|sibling|husband|wife|married|"
    r"aunt|uncle|cousin|niece|nephew|grandchild\w*|only child)s?\b", FLAGS)


def _family(text: str) -> float:
    """A family described by its ties, with a question about a relative: rules over facts.
    Three or more different kinship words; a story that mentions one relative is not it."""
    kinds = {m.group(0).lower().rstrip("s") for m in _KIN.finditer(text)}
    return 6.0 if len(kinds) >= 3 else 0.0


_LINK = re.compile(r"\b[A-Z][a-z]+ (?:to|and|-|–) (?:the )?[A-Z][a-z]+\b")
_GETTING_THERE = re.compile(r"\breach\w*|\bget (?:from|to)\b|\btravel\w*|\broutes?\b|\bpaths?\b|\bone-way\b|"
                            r"\bdirect\b|\bin (?:one|both) directions?\b", FLAGS)


def _links(text: str) -> float:
    """Connections listed one by one (Oslo to Riga, Riga to Vilnius, ...) and a question
    about getting somewhere: reachability over facts, a recursive rule."""
    return 5.0 if len(_LINK.findall(text)) >= 3 and _GETTING_THERE.search(text) else 0.0


def _assignment(text: str) -> float:
    """Each of a few people gets a different one of a few things, and the question asks who or which."""
    premises = _premises_of_who_or_which(text)
    return 4.0 if premises and _ASSIGNMENT.search(premises) else 0.0


STRUCTURE: tuple[tuple[str, Callable[[str], float]], ...] = (
    ("prolog", _facts_and_query),
    ("sympy", _latex_math),
    ("sympy", _system_of_unknowns),
    ("smt", _arrangement),
    ("smt", _beyond_horn),
    ("smt", _assignment),
    ("prolog", _family),
    ("prolog", _links),
    (DIRECT, _direct),
)
"""Cues that are easier to say as code than as one pattern (they see the question only)."""


def raw_scores(question: str, choices: Sequence[str] | None = None) -> dict[str, float]:
    """Every cue's contribution, summed per label (including unregistered labels)."""
    text = question if not choices else question + "\n" + "\n".join(choices)
    scores: dict[str, float] = {}
    for c in CUES:
        scores[c.label] = scores.get(c.label, 0.0) + c.score(text)
    for label, fn in STRUCTURE:
        scores[label] = scores.get(label, 0.0) + fn(question)
    return scores


class RulesRouter(Router):
    """Keyword and structure cues; instant, and confident only when one family stands out."""

    name = "rules"

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold

    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        labels = candidates()
        scores = normalise(raw_scores(question, choices), labels, prior=PRIOR)
        # Ties go to the earlier label in a fixed order: python first, direct last.
        order = sorted(labels, key=lambda label: (label != "python", label == DIRECT))
        best = max(order, key=lambda label: scores[label])
        return Route(backend=best, by=self.name, scores=scores)

    def confident(self, route: Route) -> bool:
        return route.confidence >= self.threshold
