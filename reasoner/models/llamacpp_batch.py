"""Several sampled replies to one prompt, decoded as one batch by llama.cpp.

On a CPU, generating one stream is memory-bound: each step reads every weight to produce
one token. Streams decoded together read the weights once per step for all of them, so N
replies cost far less than N calls. The engine's own context holds one sequence, so this
keeps a second context over the same model weights with one sequence per stream: the
prompt's shared prefix is restored from the state the engine saved for it, the rest of the
prompt is evaluated once in sequence 0 and copied to the others, and then each step
decodes one token for every stream still going.

Sampling (temperature and top-p, as ``GenerateOptions`` define them) happens here in
numpy, one seeded generator per stream, so a stream's tokens depend on its own seed only;
they are not the tokens llama.cpp's sampler would draw for the same seed.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from reasoner.models.loops import LOOP, LoopCut
from reasoner.types import GenerateOptions


class BatchDecoder:
    """A context for up to ``streams`` sequences of up to ``n_ctx`` tokens in all."""

    def __init__(self, llm: Any, streams: int, n_ctx: int) -> None:
        import llama_cpp
        from llama_cpp import _internals

        params = llama_cpp.llama_context_params()
        ctypes.memmove(ctypes.addressof(params), ctypes.addressof(llm.context_params), ctypes.sizeof(params))
        params.n_seq_max = streams
        params.n_ctx = n_ctx
        params.kv_unified = True
        self.streams, self.n_ctx = streams, n_ctx
        self.n_batch = int(params.n_batch)
        self._context = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        self._llama = llama_cpp
        self._vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        self._n_vocab = int(llm.n_vocab())
        self._batch = llama_cpp.llama_batch_init(max(self.n_batch, streams), 0, streams)

    def close(self) -> None:
        if self._batch is not None:
            self._llama.llama_batch_free(self._batch)
            self._batch = None
        self._context.close()

    def generate(
        self, prompt: Sequence[int], prefix: tuple[Sequence[int], Any] | None, options: Sequence[GenerateOptions],
        piece: Callable[[int], str],
    ) -> list[tuple[list[int], str]]:
        """Each stream's generated tokens and finish reason (``stop``, ``length``, or ``loop``
        for a stream with ``cut_loops`` that began repeating itself).

        ``prefix`` is (tokens, saved sequence state) of a head of ``prompt`` the engine
        already evaluated, or None; ``piece`` turns a token into its text.
        """
        llama, ctx = self._llama, self._context.ctx
        memory = llama.llama_get_memory(ctx)
        llama.llama_memory_clear(memory, True)
        start = 0
        if prefix is not None:
            tokens, state = prefix
            if llama.llama_state_seq_set_data(ctx, state, len(state), 0) == len(state):
                start = len(tokens)
            else:
                llama.llama_memory_clear(memory, True)
        if start >= len(prompt):
            start = len(prompt) - 1  # the last prompt token is evaluated again for its logits
            llama.llama_memory_seq_rm(memory, 0, start, -1)
        for chunk in range(start, len(prompt), self.n_batch):
            part = list(prompt[chunk: chunk + self.n_batch])
            self._fill([(token, chunk + i, 0, chunk + i == len(prompt) - 1) for i, token in enumerate(part)])
            self._decode()
        last = self._logits(self._batch.n_tokens - 1)
        for stream in range(1, len(options)):
            llama.llama_memory_seq_cp(memory, 0, stream, -1, -1)
        generators = [np.random.default_rng(o.seed) for o in options]
        outputs: list[list[int]] = [[] for _ in options]
        finished: list[str | None] = [None] * len(options)
        cuts = [LoopCut() if o.cut_loops else None for o in options]
        logits = [last] * len(options)
        while True:
            step = []
            for stream, option in enumerate(options):
                if finished[stream] is not None:
                    continue
                token = _sample(logits[stream], option, generators[stream])
                if llama.llama_vocab_is_eog(self._vocab, token):
                    finished[stream] = "stop"
                    continue
                outputs[stream].append(token)
                cut = cuts[stream]
                if cut is not None and cut.add(piece(token)):
                    finished[stream] = LOOP
                    continue
                if len(outputs[stream]) >= option.max_tokens:
                    finished[stream] = "length"
                    continue
                step.append((token, len(prompt) + len(outputs[stream]) - 1, stream, True))
            if not step:
                break
            self._fill(step)
            self._decode()
            for row, (_, _, stream, _) in enumerate(step):
                logits[stream] = self._logits(row)
        return [(tokens, reason or "stop") for tokens, reason in zip(outputs, finished, strict=True)]

    def _fill(self, entries: Sequence[tuple[int, int, int, bool]]) -> None:
        batch = self._batch
        for row, (token, position, stream, wants_logits) in enumerate(entries):
            batch.token[row] = token
            batch.pos[row] = position
            batch.n_seq_id[row] = 1
            batch.seq_id[row][0] = stream
            batch.logits[row] = wants_logits
        batch.n_tokens = len(entries)

    def _decode(self) -> None:
        status = self._llama.llama_decode(self._context.ctx, self._batch)
        if status != 0:
            raise RuntimeError(f"llama_decode failed ({status}): the batch does not fit the context")

    def _logits(self, row: int) -> np.ndarray:
        return logits_row(self._llama, self._context.ctx, row, self._n_vocab)


def logits_row(llama_cpp: Any, ctx: Any, row: int, n_vocab: int) -> np.ndarray:
    """A copy of the logits llama.cpp computed for ``row`` of the last batch (-1: the last)."""
    pointer = llama_cpp.llama_get_logits_ith(ctx, row)
    return np.ctypeslib.as_array(pointer, shape=(n_vocab,)).copy()


def _sample(logits: np.ndarray, options: GenerateOptions, generator: np.random.Generator) -> int:
    """The next token: the most likely at temperature 0, else drawn after temperature and top-p."""
    if options.temperature <= 0:
        return int(np.argmax(logits))
    scaled = (logits - logits.max()) / options.temperature
    probabilities = np.exp(scaled)
    probabilities /= probabilities.sum()
    if options.top_p >= 1.0:
        return int(generator.choice(len(probabilities), p=probabilities))
    order = np.argsort(-probabilities)
    cumulative = np.cumsum(probabilities[order])
    order = order[: int(np.searchsorted(cumulative, options.top_p)) + 1]
    kept = probabilities[order] / probabilities[order].sum()
    return int(order[generator.choice(len(order), p=kept)])
