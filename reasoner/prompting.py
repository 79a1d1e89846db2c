"""Chat messages for each step: writing a program, repairing it, stating the answer.

Every prompt is laid out so that everything shared between questions (system text
and examples) comes first and the question comes last: that prefix is identical
across questions, which is what makes prefix caching possible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import fewshot
from backends import Backend, ExecResult
from fewshot import Chain, Example
from reasoner import retrieval
from reasoner.extraction import strip_thinking
from reasoner.options import offers_options, with_options
from reasoner.types import Message

QUESTION_PREFIX = "Question: "
"""What every prompt (program, direct, final answer, router, eval strategies) puts before a question."""
NEXT_QUESTION = "\n" + QUESTION_PREFIX.strip()
"""Where a reply that goes on to invent the next worked example should stop."""
RESULT_PREFIX = "Result: "
MAX_ERROR_CHARS = 1200

PROGRAM_SYSTEM = (
    "You solve problems by writing a short program. {convention} "
    "Reply with exactly one fenced ```{lang}``` code block and nothing else."
)

REPAIR_USER = (
    "Running that program failed ({kind}):\n{message}\n"
    "Write the corrected program, as one fenced ```{lang}``` code block."
)

FINAL_SYSTEM = (
    "You are given a question and the result a program computed for it. "
    "Reply with the final answer only: a number, a word or a short phrase, no explanation."
)
FINAL_CHOICES_SYSTEM = (
    "You are given a multiple-choice question, its options and the result a program "
    "computed for it. Reply with the option that matches the result, copied exactly."
)

FINAL_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("A box holds 12 eggs. How many eggs are in 7 boxes?", "84", "84"),
    ("What is 3/4 of 10, as a decimal?", "7.5", "7.5"),
    ("Which is heavier, 2 kg of feathers or 1 kg of iron?", "feathers", "feathers"),
)


DIRECT_SYSTEM = (
    "Answer the question. Reply with the final answer only: a number, a word or a short "
    "phrase, no explanation."
)
COT_SYSTEM = (
    "Answer the question. Think step by step, then finish with one line 'The answer is X.' "
    "where X is the final answer only."
)
"""Chain-of-thought candidates of a vote (``Reasoner(vote_cot=M)``)."""

_LATEX = re.compile(r"\\[a-zA-Z]+|\$[^$\d\s][^$]*\$")
"""Signs of a question written in LaTeX: a command (``\\frac``), or mathematics between
dollar signs that does not start with a digit (``$x^2 = 4$``, but not a price, ``$80``)."""
_ANSWER_IS = re.compile(r"answer\s+is\s*:?\s*(.+)", re.IGNORECASE)

DIRECT_CHOICES_SYSTEM = (
    "Answer the multiple-choice question. Reply with the correct option only, copied exactly."
)


def fence(lang: str, program: str) -> str:
    return f"```{lang}\n{program.rstrip()}\n```"


def shown_examples(
    examples: Sequence[Example], shots: int, question: str, choices: Sequence[str] | None = None,
    open_first: bool = False, retrieved: int = 0,
) -> list[Example]:
    """The ``shots`` examples a question is shown: the file's first, or its first open ones,
    the last ``retrieved`` of them replaced by the examples nearest the question.

    With ``open_first`` (a backend's ``open_examples_first``), a question without options
    sees the examples that offer none either first, then the rest in file order; any
    other question sees the file's order. The leading ``shots - retrieved`` are fixed per
    backend, so that part of the prompt is still shared, and cached, across questions;
    the retrieved ones follow it (``retrieval.nearest``: BM25, best last).
    """
    ordered = list(examples)
    if open_first and not offers_options(question, choices):
        ordered.sort(key=lambda example: offers_options(example.question, None))
    retrieved = max(0, min(retrieved, shots))
    general = ordered[: shots - retrieved]
    rest = ordered[shots - retrieved:]
    return general + retrieval.nearest(rest, question, retrieved)


def program_messages(
    backend: Backend, examples: Sequence[Example], question: str
) -> list[Message]:
    """System text, k worked examples as alternating turns, then the question."""
    lang = backend.languages[0]
    messages = [
        Message(
            role="system",
            content=PROGRAM_SYSTEM.format(convention=backend.convention, lang=lang),
        )
    ]
    for example in examples:
        messages.append(Message(role="user", content=QUESTION_PREFIX + example.question))
        messages.append(Message(role="assistant", content=fence(lang, example.program)))
    messages.append(Message(role="user", content=QUESTION_PREFIX + question.strip()))
    return messages


def repair_messages(
    messages: Sequence[Message], backend: Backend, program: str, result: ExecResult
) -> list[Message]:
    """The conversation so far, the failed program as the model's turn, and the error."""
    assert result.error is not None
    message = result.error.message.strip()
    if len(message) > MAX_ERROR_CHARS:
        # The end of a traceback says what went wrong; keep that.
        message = "..." + message[-MAX_ERROR_CHARS:]
    lang = backend.languages[0]
    return [
        *messages,
        Message(role="assistant", content=fence(lang, program)),
        Message(
            role="user",
            content=REPAIR_USER.format(kind=result.error.kind.value, message=message, lang=lang),
        ),
    ]


def final_answer_messages(
    question: str, value: str, choices: Sequence[str] | None = None
) -> list[Message]:
    """Ask for a short final answer given the program's result."""
    messages = [Message(role="system", content=FINAL_CHOICES_SYSTEM if choices else FINAL_SYSTEM)]
    if not choices:
        for example_question, example_value, example_answer in FINAL_EXAMPLES:
            messages.append(Message(role="user", content=_final_user(example_question, example_value)))
            messages.append(Message(role="assistant", content=example_answer))
    messages.append(Message(role="user", content=_final_user(question, value, choices)))
    return messages


def direct_messages(question: str, choices: Sequence[str] | None = None) -> list[Message]:
    """Ask for the answer with no program: for questions that need none, and as a fallback."""
    system = DIRECT_CHOICES_SYSTEM if choices else DIRECT_SYSTEM
    return [
        Message(role="system", content=system),
        Message(role="user", content=QUESTION_PREFIX + with_options(question.strip(), choices)),
    ]


def worked_messages(
    system: str, question: str, chains: Sequence[Chain], *, with_reasoning: bool = True
) -> list[Message]:
    """``system``, then each worked chain as a question and its reply (the reasoning and
    "The answer is X.", or the answer alone), then ``question`` (its options already in it)."""
    messages = [Message(role="system", content=system)]
    for chain in chains:
        shown = with_options(chain.question, chain.choices, lettered=True)
        reply = f"{chain.reasoning}\nThe answer is {chain.answer}." if with_reasoning else chain.answer
        messages.append(Message(role="user", content=QUESTION_PREFIX + shown))
        messages.append(Message(role="assistant", content=reply))
    messages.append(Message(role="user", content=QUESTION_PREFIX + question))
    return messages


def chain_pool(question: str, choices: Sequence[str] | None = None) -> str:
    """The worked chains that suit a question: options for multiple choice, LaTeX for a
    question written in it, else worked arithmetic (whose form, "The answer is X.", serves
    any short answer)."""
    if choices:
        return "choice"
    return "latex" if _LATEX.search(question) else "number"


def cot_messages(question: str, choices: Sequence[str] | None = None, shots: int = 0) -> list[Message]:
    """Ask for reasoning that ends in "The answer is X." (a chain-of-thought vote), after
    ``shots`` worked chains of the question's kind (``fewshot/chains.yaml``)."""
    chains = fewshot.chains(chain_pool(question, choices))[:shots]
    shown = with_options(question.strip(), choices, lettered=True)
    return worked_messages(COT_SYSTEM, shown, chains)


def tidy_answer(text: str) -> str | None:
    """An answer without emphasis, a ``\\boxed{}`` wrapper or a trailing full stop."""
    text = text.strip().strip("*").strip()
    boxed = re.search(r"\\boxed\{(.*)\}", text)
    if boxed:
        text = boxed.group(1)
    return text.rstrip(".").strip().strip("*").strip() or None


def stated_answer(text: str) -> str | None:
    """What follows the last "answer is" in ``text`` (to the end of its line), if any."""
    found = _ANSWER_IS.findall(strip_thinking(text))
    return tidy_answer(found[-1]) if found else None


def _final_user(question: str, value: str, choices: Sequence[str] | None = None) -> str:
    return f"{QUESTION_PREFIX}{with_options(question.strip(), choices)}\n{RESULT_PREFIX}{value}"


def clean_final_answer(text: str) -> str:
    """First non-empty line, without an 'Answer:' label or a trailing full stop."""
    for line in strip_thinking(text).splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            continue  # a fence line is never the answer
        line = line.strip().strip("`").strip()
        if not line:
            continue
        for label in ("final answer:", "answer:"):
            if line.lower().startswith(label):
                line = line[len(label):].strip()
        return line.rstrip(".").strip()
    return ""
