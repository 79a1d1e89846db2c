"""A router that asks the model: a k-shot classification prompt over the registered backends.

The system text lists every registered backend with its one-line description,
read from the registry at call time, plus ``direct``; so a backend added by a
plugin is offered without editing this module. Worked examples follow as
alternating turns and the question comes last, so the whole prefix is the same
for every question and can be cached. The reply is parsed leniently (the first
known label word); an answer naming no label falls back to another router.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import fewshot
from backends import registry as backend_registry
from reasoner.extraction import strip_thinking
from reasoner.models import ModelEngine
from reasoner.options import with_options
from reasoner.prompting import QUESTION_PREFIX
from reasoner.routing.base import DIRECT, Route, Router, candidates, normalise
from reasoner.types import GenerateOptions, Message

SYSTEM = (
    "You choose the tool that should answer a question. The tools:\n{tools}\n"
    "Programs are best for calculation, algebra, logic and puzzles; `{direct}` is for questions "
    "a person answers from knowledge. Reply with the tool's name only."
)
DIRECT_DESCRIPTION = "No program: answer directly from knowledge (trivia, definitions, word meanings)."
MAX_QUESTION_CHARS = 1200
"""Longer questions keep their head and tail: the style shows early, what is asked at the end."""

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("A shop sells pens at $1.20 each. Ana buys 15 pens and pays with a $20 note. How much change does she get?",
     "python"),
    ("Solve for x: 3x^2 - 12x + 9 = 0.", "sympy"),
    ("Every glorp is a fremp. Fremps are not bright. Tia is a glorp. Is the following statement true or false? "
     "Tia is bright.", "prolog"),
    ("Four friends sit in a row. Ben is to the left of Cara. Dev is the rightmost. Ana is second from the left. "
     "Which of the following is true?\nOptions:\n- Ben is leftmost\n- Cara is leftmost", "smt"),
    ("Colour the regions A, B, C, D with three colours so that no two adjacent regions share a colour; "
     "A borders B and C, B borders C and D.", "sat"),
    ("Who wrote Pride and Prejudice?", "direct"),
    ("A train leaves at 9:40 and the trip takes 2 hours 35 minutes. At what time does it arrive?", "python"),
    ("Two numbers add up to 50 and one is 8 more than three times the other. What is the smaller number?",
     "sympy"),
    ("If something is green and kind then it is young. Bob is green. Bob is kind. Anne is not young. "
     "Is the following statement true, false, or unknown? Bob is young.", "prolog"),
    ("All musicians who tour are either singers or drummers. No drummer owns a piano. Lea tours and owns a piano. "
     "Is it true, false, or uncertain that Lea is a singer?", "smt"),
    ("Solve this Sudoku puzzle ('.' marks an empty cell):\n53..7....\n6..195...\n.98....6.\n8...6...3\n"
     "4..8.3..1\n7...2...6\n.6....28.\n...419..5\n....8..79", "sat"),
    ("What does the word 'benevolent' mean?", "direct"),
)
"""Written for this project (none from an eval set); labels that are not registered are dropped."""

ALIASES: dict[str, str] = {"z3": "smt", "pysat": "sat", "swipl": "prolog", "swi-prolog": "prolog", "none": DIRECT}


def describe(name: str) -> str:
    """The registry's one-line description, without instantiating the backend."""
    if name == DIRECT:
        return DIRECT_DESCRIPTION
    try:
        return " ".join(str(backend_registry.load(name).description).split())
    except Exception:  # a backend whose module cannot even import is still a name
        return "(no description)"


def examples_for(labels: Sequence[str]) -> list[tuple[str, str]]:
    """The built-in examples whose label is offered, plus one from ``fewshot/`` for other backends."""
    chosen = [(question, label) for question, label in EXAMPLES if label in labels]
    covered = {label for _, label in chosen}
    for label in labels:
        if label in covered or label == DIRECT:
            continue
        try:
            found = fewshot.load(label)
        except (FileNotFoundError, ValueError):
            continue
        if found:
            chosen.append((found[0].question, label))
    return chosen


def shorten(question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    question = question.strip()
    if len(question) <= limit:
        return question
    head = limit * 3 // 5
    return f"{question[:head].rstrip()} [...] {question[-(limit - head):].lstrip()}"


def user_turn(question: str, choices: Sequence[str] | None = None) -> str:
    return QUESTION_PREFIX + with_options(shorten(question), [c.strip() for c in choices or ()])


def router_messages(labels: Sequence[str], question: str, choices: Sequence[str] | None = None) -> list[Message]:
    """System text with every tool, the examples as turns, then the question."""
    tools = "\n".join(f"- {label}: {describe(label)}" for label in labels)
    messages = [Message(role="system", content=SYSTEM.format(tools=tools, direct=DIRECT))]
    for example, label in examples_for(labels):
        messages.append(Message(role="user", content=user_turn(example)))
        messages.append(Message(role="assistant", content=label))
    messages.append(Message(role="user", content=user_turn(question, choices)))
    return messages


def parse_labels(text: str, labels: Sequence[str]) -> list[str]:
    """Known labels in the order the reply first mentions them (aliases included)."""
    words = {label.lower(): label for label in labels}
    words.update({alias: label for alias, label in ALIASES.items() if label in labels and alias not in words})
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\w-])",
        re.IGNORECASE,
    )
    found: list[str] = []
    for match in pattern.finditer(text):
        label = words[match.group(1).lower()]
        if label not in found:
            found.append(label)
    return found


class ModelRouter(Router):
    """Asks ``model`` to name the tool; ``fallback`` decides when the reply names none."""

    name = "model"

    def __init__(
        self, model: ModelEngine, *, fallback: Router | None = None, max_tokens: int = 8
    ) -> None:
        from reasoner.routing.rules import RulesRouter

        self.model = model
        self.fallback = fallback or RulesRouter()
        self.options = GenerateOptions(max_tokens=max_tokens, stop=["\n"])

    def route(self, question: str, choices: Sequence[str] | None = None) -> Route:
        labels = candidates()
        messages = router_messages(labels, question, choices)
        # Constrained where the engine can (grammar or token masks); parsed either way.
        options = self.options.model_copy(update={"prefix_messages": len(messages) - 1, "one_of": list(labels)})
        completion = self.model.generate(messages, options)
        mentioned = parse_labels(strip_thinking(completion.text), labels)
        if not mentioned:
            return self.fallback.route(question, choices)
        # No logprobs from the engines yet: the first label named carries most weight.
        raw = {label: 1.0 / (rank + 1) ** 2 for rank, label in enumerate(mentioned)}
        return Route(backend=mentioned[0], by=self.name, scores=normalise(raw, labels))
