"""``reasoner route``: which backend would answer a question, and how sure the router is."""

from __future__ import annotations

import json

import click

from reasoner.cli.app import main
from reasoner.cli.common import fail, model_options, parse_model_options, user_errors
from reasoner.models import get_model
from reasoner.routing import DEFAULT_ROUTER, ROUTERS, ForcedRouter, Router, make_router


@main.command()
@click.argument("question")
@click.option("-r", "--router", "router_name", type=click.Choice(ROUTERS), default=DEFAULT_ROUTER,
              envvar="REASONER_ROUTER", show_envvar=True,
              help="rules: no model call; model: ask the model; auto: rules, the model when unsure, then "
                   "the model's probes (the most accurate).")
@click.option("-b", "--backend", envvar="REASONER_BACKEND", help="Force this backend (or 'direct').")
@click.option("-c", "--choice", "choices", multiple=True, help="An option of a multiple-choice question; repeat.")
@click.option("--json", "as_json", is_flag=True, help='Print {"backend", "by", "scores"} as JSON.')
@model_options
def route(
    question: str, router_name: str, backend: str | None, choices: tuple[str, ...], as_json: bool,
    model: str | None, model_option: tuple[str, ...],
) -> None:
    """Print the backend that should answer QUESTION."""
    if not question.strip():
        fail("the question is empty; pass it as one quoted argument")
    with user_errors():
        router: Router
        if backend:
            router = ForcedRouter(backend)
        elif router_name == "rules":
            router = make_router("rules")
        else:
            router = make_router(router_name, get_model(model, parse_model_options(model_option)))
        decision = router.route(question, list(choices) or None)
    if as_json:
        click.echo(json.dumps(decision.model_dump()))
    else:
        click.echo(decision.backend)
