"""Where a greedy program written with drafts first differs from the one written without,
and how close the two tokens were there.

    python -m research.studies.decode_speed.first_difference --items 3

A diagnostic, so it reads the llama.cpp engine's internals (its ``Llama`` and prompt
rendering), which the public API does not expose. For each of the first ``--items``
ProofWriter items (prolog forced, the pipeline's prompt and settings) it writes the first
program with drafts off and with ``--draft-tokens``, finds the first token where the two
differ, evaluates the prompt and the common part in one batch, and prints both tokens'
logits there. Two tokens within a few hundredths of a logit are a tie that the order of
floating-point sums decides: one token a step and several tokens a step sum differently.
"""

from __future__ import annotations

from pathlib import Path

import click
import llama_cpp
import numpy as np

from backends import load_backend
from evals.tasks import get_task
from evals.tasks.base import select
from reasoner.models import default_model_spec, get_model
from reasoner.models.chat import as_dicts
from reasoner.models.llamacpp_batch import logits_row
from reasoner.pipeline import PROGRAM_OPTIONS
from research.common import program_prompt
from research.routing.labelled import resolve_data_dir


@click.command()
@click.option("--items", default=3, show_default=True)
@click.option("--draft-tokens", default=8, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def cli(items: int, draft_tokens: int, data_dir: Path | None) -> None:
    model = get_model(default_model_spec())
    llm = model._llm  # type: ignore[attr-defined]
    backend = load_backend("prolog")
    try:
        for item in select(get_task("proofwriter").load(resolve_data_dir(data_dir), progress=False).items, 0, items):
            messages = program_prompt(backend, item.question, item.choices, 4)
            options = PROGRAM_OPTIONS.model_copy(update={"prefix_messages": len(messages) - 1})
            tokens = {}
            for arm in (0, draft_tokens):
                object.__setattr__(model.options, "draft_tokens", arm)
                text = model.generate(messages, options).text
                tokens[arm] = llm.tokenize(text.encode(), add_bos=False, special=False)
            off, on = tokens[0], tokens[draft_tokens]
            at = next((k for k in range(min(len(off), len(on))) if off[k] != on[k]), None)
            if at is None:
                click.echo(f"{item.id}: identical ({len(off)} tokens)" if len(off) == len(on)
                           else f"{item.id}: one is a prefix of the other ({len(off)} and {len(on)} tokens)")
                continue
            llm.reset()
            llm.eval(list(model._render(as_dicts(messages))) + off[:at])  # type: ignore[attr-defined]
            row = logits_row(llama_cpp, llm._ctx.ctx, -1, int(llm.n_vocab()))
            llm.reset()
            best = int(np.argmax(row))

            def shown_token(token: int) -> str:
                return repr(llm.detokenize([token]).decode(errors="replace"))

            click.echo(f"{item.id}: first difference at token {at} of {len(off)} (off) / {len(on)} (on): "
                       f"off wrote {shown_token(off[at])} (logit {row[off[at]]:.3f}), "
                       f"on wrote {shown_token(on[at])} (logit {row[on[at]]:.3f}); "
                       f"one batch's argmax {shown_token(best)}")
    finally:
        model.close()


if __name__ == "__main__":
    cli()
