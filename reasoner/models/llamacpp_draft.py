"""Greedy decoding with drafts from the prompt (prompt-lookup decoding) for llama.cpp.

Programs mostly copy the question: names, facts and rules rewritten as clauses. When the
last few tokens written also occur earlier in the prompt or the reply, the tokens that
followed them there are a likely continuation. They are appended to the next step's batch
and the model checks them all in one pass: each drafted token the model would have chosen
itself is kept, and the first one it would not is replaced by its own choice. Greedy output
is the model's own argmax at every position, so it is the reply undrafted decoding writes,
token for token, up to the last bits of floating point: a batch of several tokens can be
computed in another order than one token at a time.

What it saves depends on how a step's cost grows with its tokens: where one step is bound
by reading the weights (a GPU, a many-core CPU) a step of eight costs little more than one;
on a 2-core CPU it costs 4.6-6.3 times one step, so drafts gain nothing there (measured:
``python -m research.benchmarks.decode_speed``, docs/performance.md) and are off by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reasoner.models.llamacpp_batch import logits_row
from reasoner.models.loops import LOOP, LoopCut
from reasoner.models.prefix_cache import common_prefix_len

MATCH_TOKENS = 3
"""How many of the last tokens must occur earlier for their continuation to be drafted."""


@dataclass
class Drafted:
    tokens: list[int]
    finish_reason: str
    drafted: int
    """Drafted tokens the model confirmed (each saved one decoding step)."""


def lookup(history: Sequence[int], match: int, limit: int) -> list[int]:
    """Up to ``limit`` tokens that followed the latest earlier occurrence of the last
    ``match`` tokens of ``history``; none if they do not occur earlier."""
    if limit <= 0 or len(history) <= match:
        return []
    tail = list(history[-match:])
    for start in range(len(history) - match - 1, -1, -1):
        if list(history[start: start + match]) == tail:
            return list(history[start + match: start + match + limit])
    return []


def generate_drafted(
    llm: Any, prompt: Sequence[int], max_tokens: int, draft_tokens: int, stop: Sequence[str],
    piece: Callable[[int], str], cut: LoopCut | None,
) -> Drafted:
    """The greedy reply to ``prompt`` in ``llm``'s own context, reusing what its KV cache
    holds of the prompt. Whenever it returns, the first ``llm.n_tokens`` of
    ``llm.input_ids`` are what the KV cache holds, as llama-cpp-python expects."""
    import llama_cpp

    ctx = llm._ctx.ctx
    vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
    n_vocab = int(llm.n_vocab())
    # What the KV cache already holds of the prompt, less the last token (evaluated again
    # for its logits).
    live = min(common_prefix_len(llm.input_ids[: llm.n_tokens].tolist(), prompt), len(prompt) - 1)
    llm.n_tokens = live
    llm._ctx.kv_cache_seq_rm(-1, live, -1)
    llm.eval(list(prompt[live:]))
    logits = logits_row(llama_cpp, ctx, -1, n_vocab)
    history = list(prompt)
    reply = Drafted(tokens=[], finish_reason="", drafted=0)
    text = [""]

    def written(token: int) -> bool:
        """Add the model's next token; True when the reply is finished."""
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            reply.finish_reason = "stop"
            return True
        reply.tokens.append(token)
        history.append(token)
        written_text = piece(token)
        text[0] += written_text
        if stop and any(s and s in text[0] for s in stop):
            reply.finish_reason = "stop"
        elif cut is not None and cut.add(written_text):
            reply.finish_reason = LOOP
        elif len(reply.tokens) >= max_tokens:
            reply.finish_reason = "length"
        return bool(reply.finish_reason)

    while True:
        token = int(np.argmax(logits))
        if written(token):
            break
        draft = lookup(history, MATCH_TOKENS, min(draft_tokens, max_tokens - len(reply.tokens)))
        batch = [token, *draft]
        start = llm.n_tokens
        llm._batch.set_batch(batch=batch, n_past=start, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[start: start + len(batch)] = batch
        # Row i holds the model's choice after batch[i]: a draft token is kept while it is
        # that choice, and the row after the last kept one gives the next token.
        rows = [logits_row(llama_cpp, ctx, i, n_vocab) for i in range(len(batch))]
        kept = 0
        while kept < len(draft) and int(np.argmax(rows[kept])) == draft[kept]:
            kept += 1
        llm.n_tokens = start + 1 + kept
        llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
        if any(written(confirmed) for confirmed in draft[:kept]):
            break
        reply.drafted += kept
        logits = rows[kept]
    llm._requires_eval = True  # the last token written was never evaluated
    return reply

