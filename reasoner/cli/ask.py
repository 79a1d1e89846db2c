"""``reasoner ask``: answer one question end to end."""

from __future__ import annotations

from collections import Counter

import click
from rich.panel import Panel
from rich.syntax import Syntax

from backends import Limits, registry
from reasoner.cli.app import main
from reasoner.cli.common import (
    console,
    err_console,
    fail,
    model_options,
    parse_model_options,
    parse_vote_backends,
    user_errors,
    vote_backends_option,
)
from reasoner.pipeline import ANSWER_TOKENS, FALLBACKS, PROGRAM_OPTIONS, Fallback, Reasoner
from reasoner.routing import DEFAULT_ROUTER, ROUTERS
from reasoner.types import GenerateOptions, Solution, SolutionErrorKind


@main.command()
@click.argument("question")
@model_options
@click.option("-b", "--backend", envvar="REASONER_BACKEND",
              help="Force this backend (or 'direct'); default: the router decides.")
@click.option("-c", "--choice", "choices", multiple=True, metavar="OPTION",
              help="An option of a multiple-choice question (repeat for each); the answer is always one of them.")
@click.option("-r", "--router", type=click.Choice(ROUTERS), default=DEFAULT_ROUTER, envvar="REASONER_ROUTER",
              help="How to choose the backend: keyword rules, a model call, or auto (rules, the model when "
                   "unsure, then its probes; the most accurate).")
@click.option("--fallback", type=click.Choice(FALLBACKS), default="direct", show_default=True,
              help="When no program of the routed backend works: write Python programs, then answer "
                   "directly if those fail too; answer directly; or give up. Recorded in the Solution.")
@click.option("--shots", "-k", default=4, show_default=True, help="Worked examples in the prompt.")
@click.option("--retrieve", "retrieved", default=0, show_default=True,
              help="Of the -k examples, how many are chosen for this question (the nearest by BM25).")
@click.option("--max-attempts", default=3, show_default=True,
              help="Programs to try (the first plus repairs).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per program run.")
@click.option("--votes", "votes_text", default="1", show_default=True, metavar="N",
              help="Candidate programs per question, voted on by their values (1: one greedy program). "
                   "The first is greedy, the others sampled; drawing stops once the winner is settled.")
@vote_backends_option
@click.option("--vote-cot", "vote_cot_text", default="0", show_default=True, metavar="M",
              help="Chain-of-thought answers added to the vote when the programs do not settle it.")
@click.option("--seed", default=0, show_default=True, help="Seed of every sampled call (votes, resampled repairs).")
@click.option("--trace", is_flag=True, help="Show each program, its output and the answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the Solution as one JSON object.")
def ask(
    question: str, model: str | None, model_option: tuple[str, ...], backend: str | None,
    choices: tuple[str, ...], router: str, fallback: Fallback, shots: int, max_attempts: int, timeout: float,
    votes_text: str, vote_backends: str | None, vote_cot_text: str, seed: int, trace: bool, as_json: bool,
    retrieved: int,
) -> None:
    """Answer QUESTION by having the model write a program and running it isolated."""
    if not question.strip():
        fail("the question is empty; pass it as one quoted argument")
    if any(not choice.strip() for choice in choices):
        fail("an empty --choice; give each option as text")
    if len(set(choices)) == 1:
        fail("a multiple-choice question needs at least two different --choice options")
    if not 0 <= retrieved <= shots:
        fail(f"--retrieve must be between 0 and --shots ({shots})")
    votes = whole_number(votes_text, "--votes", minimum=1)
    vote_cot = whole_number(vote_cot_text, "--vote-cot", minimum=0)
    sources = parse_vote_backends(vote_backends)
    with user_errors(), Reasoner(
        model, model_options=parse_model_options(model_option), router=router, shots=shots,
        max_attempts=max_attempts, fallback=fallback,
        limits=Limits(wall_seconds=timeout, cpu_seconds=timeout),
        votes=votes, vote_backends=sources, vote_cot=vote_cot, retrieved_examples=retrieved,
        program_options=PROGRAM_OPTIONS.model_copy(update={"seed": seed}),
        answer_options=GenerateOptions(max_tokens=ANSWER_TOKENS, seed=seed),
    ) as reasoner:
        solution = reasoner.solve(question, backend=backend, choices=list(choices) or None)
    if as_json:
        click.echo(solution.model_dump_json())
    elif trace:
        show_trace(solution)
    elif solution.answer is not None:
        click.echo(solution.answer)
    if solution.answer is None:
        fail(solution.error.message if solution.error else "no answer")
    if solution.error is not None and solution.error.kind == SolutionErrorKind.unavailable and not as_json:
        # The answer came from the fallback because nothing could run: say so, it is not the model's doing.
        err_console.print(f"[yellow]warning:[/] {solution.error.message}; answered without a program",
                          highlight=False, soft_wrap=True)


def show_trace(solution: Solution) -> None:
    by = f" (by {solution.route.by})" if solution.route else ""
    console.print(f"[bold]route:[/] {solution.backend}{by}   [bold]model:[/] {solution.model}")
    for number, attempt in enumerate(solution.attempts, 1):
        result = attempt.result
        status = "[green]ok[/]" if result.ok else f"[red]{result.error.kind.value if result.error else 'failed'}[/]"
        console.print(Panel(
            Syntax(attempt.program or "(no program)", _lexer(attempt.backend), line_numbers=False),
            title=f"attempt {number} · {attempt.backend} · {status} · {result.elapsed_ms:.0f} ms",
            title_align="left",
        ))
        if result.stdout.strip():
            console.print(Panel(result.stdout.rstrip(), title="stdout", title_align="left"))
        if result.ok:
            console.print(f"[bold]value:[/] {result.value}")
        elif result.error:
            console.print(f"[red]{result.error.message}[/]", highlight=False)
    if len(solution.candidates) > 1:
        tally = Counter(c.answer for c in solution.candidates if c.answer is not None)
        shown = " · ".join(f"{answer} ×{count}" for answer, count in tally.most_common())
        abstained = sum(c.answer is None for c in solution.candidates)
        agreement = f" · agreement {solution.agreement:.0%}" if solution.agreement is not None else ""
        console.print(f"[bold]votes:[/] {shown or 'none'}" + (f" · {abstained} abstained" if abstained else "")
                      + agreement, highlight=False)
    usage = solution.usage
    console.print(
        f"[dim]{usage.model_calls} model calls · {usage.prompt_tokens} prompt tokens "
        f"({usage.cached_prompt_tokens} cached) · {usage.completion_tokens} completion tokens · "
        f"model {usage.model_seconds:.1f} s · exec {usage.exec_seconds:.2f} s · "
        f"total {usage.total_seconds:.1f} s[/]"
    )
    if solution.fallback:
        why = f" ({solution.error.kind.value}: {solution.error.message})" if solution.error else ""
        fell_back = "a python program" if solution.fallback == "python" else f"a {solution.fallback} answer"
        console.print(f"[yellow]no {solution.backend} program worked{why}; fell back to {fell_back}[/]",
                      highlight=False)
    if solution.answer is not None:
        console.print(f"[bold green]answer:[/] {solution.answer}")


def whole_number(text: str, option: str, minimum: int) -> int:
    """``text`` as a whole number of at least ``minimum``, or a one-line error naming ``option``."""
    try:
        value = int(text.strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        fail(f"{option} must be a whole number of at least {minimum}, not {text!r}")
    return value


def _lexer(backend: str) -> str:
    """The backend's first fence language doubles as the highlighter's name."""
    try:
        return registry.load(backend).languages[0]
    except LookupError:
        return "text"
