"""``llamacpp/<catalog name | path.gguf>``: GGUF models through llama-cpp-python, the CPU default.

The prompt is built by the GGUF's own chat template (llama-cpp-python reads
``tokenizer.chat_template`` from the file).

Prefix reuse: the pipeline alternates between a few prompt prefixes (router, each
backend's k-shot examples, final answer), so llama-cpp-python's own reuse of the last
call's tokens would re-read the examples on almost every call. For a call whose first
``GenerateOptions.prefix_messages`` messages are a shared prefix, the engine finds that
prefix's token boundary, restores the KV state saved for it (or evaluates it once and
saves it) and lets llama.cpp evaluate only the tail. States are per sequence
(``llama_state_seq_get_data``: the prefix's KV cells only, about 12 KB per token for the
0.5B and 28 KB for the 1.5B), in an LRU bounded by ``prefix_cache_entries`` and
``prefix_cache_mb``; ``Llama.save_state`` would also copy a 512 x vocabulary logits
buffer (0.2-0.3 GB, measured 0.7 s to save and 1.5 s to load) and ``LlamaRAMCache``
saves such a state after every call. ``-M prefix_cache=false`` turns reuse off (the last
call's tokens are still reused, as llama-cpp-python does). ``cached_prompt_tokens`` counts
the prompt tokens this call did not evaluate.

States of prefixes shared between questions also go to disk (``state_store.py``), so the
next process, e.g. the next ``reasoner ask``, restores the examples instead of evaluating
them; ``-M prefix_cache_disk=false`` keeps them in memory only.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from reasoner import paths
from reasoner.models.base import Capabilities, EngineOptions, MissingExtraError, ModelEngine, ModelError
from reasoner.models.chat import as_dicts, cut_at_stop
from reasoner.models.llamacpp_batch import BatchDecoder
from reasoner.models.llamacpp_draft import generate_drafted
from reasoner.models.loops import LOOP, LoopCut
from reasoner.models.prefix_cache import PrefixCache, common_prefix_len, prefix_boundary
from reasoner.models.state_store import StateStore, namespace
from reasoner.types import Completion, GenerateOptions, Message, Usage

_CTX_PAD = 256


class LlamaCppOptions(EngineOptions):
    n_ctx: int = Field(4096, gt=0, description="Context window in tokens.")
    n_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 1, gt=0,
        description="CPU threads (default: all cores; llama-cpp-python's own default is half).",
    )
    n_batch: int = Field(512, gt=0, description="Prompt tokens evaluated per batch.")
    n_gpu_layers: int = Field(0, description="Layers to offload to a GPU; -1 for all.")
    seed: int = Field(0, description="Initial RNG seed; each call's own seed overrides it.")
    chat_format: str | None = Field(
        None, description="A llama-cpp-python chat format instead of the GGUF's template."
    )
    prefix_cache: bool = Field(
        True, description="Save and restore the KV state of each shared prompt prefix."
    )
    prefix_cache_mb: float = Field(512.0, gt=0, description="Memory bound on saved prefix states.")
    prefix_cache_entries: int = Field(16, gt=0, description="Count bound on saved prefix states.")
    prefix_cache_disk: bool = Field(
        True, description="Also keep shared prefix states on disk, for the next process (needs prefix_cache)."
    )
    prefix_cache_disk_mb: float = Field(1024.0, gt=0, description="Disk bound on kept prefix states.")
    draft_tokens: int = Field(
        0, ge=0, description="Greedy replies: tokens proposed per step from an earlier match in the "
        "prompt or reply and checked in the same pass (prompt-lookup decoding); 0 = off, the "
        "default, as it measured no faster on a 2-core CPU (docs/performance.md).",
    )
    batch_decoding: bool = Field(
        True, description="Decode several replies to one prompt (votes) as one batch (needs prefix_cache).",
    )


class LlamaCppEngine(ModelEngine):
    provider = "llamacpp"
    capabilities = Capabilities(hidden_states=True, constrained_choice=True, batched_generation=True)
    Options = LlamaCppOptions
    options: LlamaCppOptions

    def __init__(self, name: str, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(name, options)
        self.path, self.catalog_name = _resolve(name)
        # ggml's OpenMP threads spin while waiting for each other. When another process holds
        # a core, a spinning thread starves its partner: measured on 2 cores with one busy,
        # decoding the 0.5B fell to 0.6-1.0 tokens/s spinning against 4-6 passive. Read by
        # libgomp when llama.cpp loads, so it must be set before the import; an explicit
        # setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import llama_cpp
        except ImportError as e:
            raise MissingExtraError("llamacpp", "llama-cpp-python", "llamacpp") from e
        # llama.cpp pads the context to a multiple of 256 but llama-cpp-python sizes its token
        # buffer by the number asked for, and a prompt between the two crashes with a numpy
        # broadcast error instead of "exceeds context window"; asking for the padded size
        # keeps them in step.
        self.n_ctx = -(-self.options.n_ctx // _CTX_PAD) * _CTX_PAD
        start = time.perf_counter()
        try:
            self._llm = self._open(seed=self.options.seed, chat_format=self.options.chat_format)
        except (ValueError, RuntimeError, OSError) as e:
            fix = (
                f"Fetch it again with: reasoner models pull {self.catalog_name}"
                if self.catalog_name
                else "Check that it is a complete GGUF file (catalog models: "
                "reasoner models pull NAME)."
            )
            raise ModelError(f"Could not load {self.path} with llama.cpp ({e}). {fix}") from e
        self.load_seconds = time.perf_counter() - start
        self._embedder: Any = None
        """An embedding context over the same file, made by ``last_hidden_state`` when first needed."""
        self.prefix_cache: PrefixCache[Any] | None = (
            PrefixCache(self.options.prefix_cache_entries,
                        int(self.options.prefix_cache_mb * (1 << 20)))
            if self.options.prefix_cache else None
        )
        self.state_store: StateStore | None = (
            StateStore(paths.state_store(),
                       namespace(self.path.resolve(), *_file_identity(self.path), llama_cpp.__version__),
                       int(self.options.prefix_cache_disk_mb * (1 << 20)),
                       about={"model": str(self.path.resolve()), "llama_cpp": llama_cpp.__version__})
            if self.options.prefix_cache and self.options.prefix_cache_disk else None
        )

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        start = time.perf_counter()
        dicts = as_dicts(messages)
        evaluated = self._prepare_prefix(dicts, options.prefix_messages)
        before = self._llm._input_ids.copy()
        cut = LoopCut() if options.cut_loops else None
        if self.options.draft_tokens and options.temperature == 0 and not options.one_of:
            prompt = self._render(dicts)
            if prompt is not None and len(prompt) + options.max_tokens <= self.n_ctx:
                return self._drafted(prompt, before, evaluated, options, cut, start)
        out = self._complete(dicts, options, cut)
        seconds = time.perf_counter() - start
        choice = out["choices"][0]
        text, stopped = cut_at_stop(choice["message"].get("content") or "", options.stop)
        usage = out.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens", 0))
        return Completion(
            text=text,
            finish_reason="stop" if stopped else LOOP if cut is not None and cut.tripped
            else (choice.get("finish_reason") or "stop"),
            usage=Usage(
                prompt_tokens=prompt_tokens,
                cached_prompt_tokens=max(0, self._reused(before, prompt_tokens) - evaluated),
                completion_tokens=int(usage.get("completion_tokens", 0)),
            ),
            seconds=seconds,
        )

    def _drafted(
        self, prompt: list[int], before: Any, evaluated: int, options: GenerateOptions, cut: LoopCut | None,
        start: float,
    ) -> Completion:
        """A greedy reply written with drafts from the prompt (``llamacpp_draft.py``)."""
        reply = generate_drafted(self._llm, prompt, options.max_tokens, self.options.draft_tokens,
                                 [s for s in options.stop if s], self._piece, cut)
        text, stopped = cut_at_stop(self._llm.detokenize(reply.tokens).decode("utf-8", errors="ignore"), options.stop)
        return Completion(
            text=text,
            finish_reason="stop" if stopped else reply.finish_reason,
            usage=Usage(
                prompt_tokens=len(prompt),
                cached_prompt_tokens=max(0, self._reused(before, len(prompt)) - evaluated),
                completion_tokens=len(reply.tokens),
                draft_tokens_accepted=reply.drafted,
            ),
            seconds=time.perf_counter() - start,
        )

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        """Several replies decoded as one batch (``llamacpp_batch.py``): the prompt is
        evaluated once, then every stream advances one token per step."""
        if len(options) < 2 or not self.options.batch_decoding or self.prefix_cache is None or any(
            o.one_of for o in options
        ):
            return super().generate_many(messages, options)
        start = time.perf_counter()
        dicts = as_dicts(messages)
        self._prepare_prefix(dicts, options[0].prefix_messages)
        prompt = self._render(dicts)
        if prompt is None:
            return super().generate_many(messages, options)
        entry = self.prefix_cache.longest(prompt)
        prefix = (entry.tokens, entry.state) if entry is not None else None
        needed = len(prompt) + sum(o.max_tokens for o in options)
        if needed > self.n_ctx * 4:
            return super().generate_many(messages, options)
        decoder = self._batch_decoder(len(options), needed)
        results = decoder.generate(prompt, prefix, options, self._piece)
        seconds = (time.perf_counter() - start) / len(options)
        completions = []
        for number, ((tokens, reason), one) in enumerate(zip(results, options, strict=True)):
            text, stopped = cut_at_stop(self._llm.detokenize(tokens).decode("utf-8", errors="ignore"), one.stop)
            # The prompt was evaluated once for all the streams: the first carries its count.
            prompt_tokens = len(prompt) if number == 0 else 0
            cached = len(prefix[0]) if prefix is not None and number == 0 else 0
            completions.append(Completion(
                text=text, finish_reason="stop" if stopped else reason, seconds=seconds,
                usage=Usage(prompt_tokens=prompt_tokens, cached_prompt_tokens=cached, completion_tokens=len(tokens)),
            ))
        return completions

    def _batch_decoder(self, streams: int, tokens: int) -> BatchDecoder:
        """The batch context, made (again) when this call needs more streams or room."""
        decoder = self.__dict__.get("_decoder")
        if decoder is None or decoder.streams < streams or decoder.n_ctx < tokens:
            if decoder is not None:
                decoder.close()
            decoder = BatchDecoder(self._llm, max(streams, 4), max(tokens, self.n_ctx))
            self._decoder = decoder
        return decoder

    def _prepare_prefix(self, messages: list[dict[str, str]], prefix_messages: int) -> int:
        """Leave the KV cache holding this call's shared prefix; return tokens evaluated here.

        Restores the longest saved prefix of the prompt unless the live cache already holds
        more of it, evaluates what is missing of the prefix, and saves the result, so each
        distinct prefix is evaluated once per loaded model.
        """
        cache = self.prefix_cache
        if cache is None or not 0 < prefix_messages < len(messages):
            return 0
        full = self._render(messages)
        head = self._render(messages[:prefix_messages])
        if full is None or head is None or len(full) >= self.n_ctx:
            return 0  # an overlong prompt gets llama-cpp-python's clear error from the call
        prefix = full[: prefix_boundary(full, head)]
        if not prefix:
            return 0
        llm = self._llm
        live = common_prefix_len(llm._input_ids.tolist(), prefix)
        if live == len(prefix) and prefix in cache:
            return 0  # the KV holds it already; llama.cpp reuses it (and any more) as it stands
        entry = cache.longest(prefix)
        if entry is not None and len(entry.tokens) > live and self._load(entry.tokens, entry.state):
            live = len(entry.tokens)
            if live == len(prefix):
                return 0
        # Only a prefix that extends no kept one goes to disk: one that does is a conversation
        # going on (a repair after a failed program), not a head shared between questions.
        shared_head = entry is None
        if shared_head and self._restore_from_disk(prefix):
            return 0
        # Evaluate the rest of the prefix and nothing more, so the saved state holds no part
        # of this question.
        llm.n_tokens = min(live, len(prefix))
        llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
        llm._requires_eval = True
        evaluated = len(prefix) - llm.n_tokens
        try:
            llm.eval(prefix[llm.n_tokens:])
        except Exception:
            llm.reset()  # the KV cache may be half-written
            raise
        state = self._save()
        if state is not None:
            cache.put(prefix, state, len(state))
            if shared_head and self.state_store is not None:
                self.state_store.put(prefix, bytes(state))
        return evaluated

    def _restore_from_disk(self, prefix: list[int]) -> bool:
        """Load the state a previous process saved for exactly ``prefix``, and keep it in memory."""
        if self.state_store is None or self.prefix_cache is None:
            return False
        saved = self.state_store.get(prefix)
        if saved is None:
            return False
        state = (ctypes.c_uint8 * len(saved)).from_buffer_copy(saved)
        if not self._load(prefix, state):
            return False
        self.prefix_cache.put(prefix, state, len(state))
        return True

    def _render(self, messages: list[dict[str, str]]) -> list[int] | None:
        """The prompt tokens ``create_chat_completion`` would evaluate for ``messages``.

        Runs llama-cpp-python's own chat handler (template, special tokens, BOS) against a
        stand-in whose ``create_completion`` captures the tokens instead of generating, so
        the tokens match what the real call evaluates for any ``chat_format``. None when the
        handler does not hand over a token list (the call then runs without prefix reuse).
        """
        llm = self._llm
        try:
            self._chat_handler()(llama=_RenderOnly(llm), messages=messages)
        except _Rendered as done:
            return done.tokens
        except Exception:
            return None
        return None

    def _chat_handler(self) -> Any:
        """The chat handler ``create_chat_completion`` would call (the lookup it does)."""
        from llama_cpp import llama_chat_format

        llm = self._llm
        return (
            llm.chat_handler
            or llm._chat_handlers.get(llm.chat_format or "")
            or llama_chat_format.get_chat_completion_handler(llm.chat_format or "")
        )

    def _save(self) -> Any:
        """The KV cells of sequence 0 (the only one llama-cpp-python uses), as bytes."""
        ctx = self._llm._ctx.ctx
        import llama_cpp

        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        if llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0) != size:
            return None
        return buffer

    def _load(self, tokens: Sequence[int], state: Any) -> bool:
        """Make the KV cache hold exactly ``tokens`` from a saved state; False if refused."""
        import llama_cpp

        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, state, len(state), 0) != len(state):
            llm.reset()
            return False
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        llm._requires_eval = True  # restored cells carry no logits: the tail decode makes them
        return True

    def token_pieces(self, text: str) -> list[str]:
        """``text`` split into the model's tokens, each as its text: for measuring replies
        token by token as they were written."""
        return [self._piece(token) for token in self._llm.tokenize(text.encode(), add_bos=False, special=True)]

    def _piece(self, token: int) -> str:
        """One token's text (a character split across tokens comes out empty)."""
        return bytes(self._llm.detokenize([token])).decode("utf-8", errors="ignore")

    def _watch(self, cut: LoopCut) -> Any:
        """A llama-cpp-python stopping criterion that feeds ``cut`` each new reply token.

        It is called with the tokens so far, the prompt first: its length at the first call
        is where the reply starts (the newest token comes in at the next call).
        """
        seen: list[int] = []

        def looping(input_ids: Any, logits: Any) -> bool:
            if not seen:
                seen.append(len(input_ids))
            for token in input_ids[seen[0]:]:
                cut.add(self._piece(int(token)))
            seen[0] = max(seen[0], len(input_ids))
            return cut.tripped

        return looping

    def _complete(self, messages: list[dict[str, str]], options: GenerateOptions, cut: LoopCut | None = None) -> Any:
        """The one call into llama.cpp."""
        try:
            # What ``create_chat_completion`` does, but with the loop watch added to the
            # handler's own stopping criteria, which that method does not take.
            return self._chat_handler()(
                llama=self._llm if cut is None else _Watching(self._llm, self._watch(cut)),
                messages=messages,
                max_tokens=options.max_tokens,
                temperature=options.temperature,
                top_p=options.top_p,
                # Sampling is defined by temperature and top_p alone, as in the OpenAI API;
                # llama-cpp-python's defaults would add top_k=40 and min_p=0.05.
                top_k=0,
                min_p=0.0,
                repeat_penalty=1.0,
                stop=[s for s in options.stop if s] or None,
                seed=options.seed,
                grammar=_one_of_grammar(options.one_of) if options.one_of else None,
            )
        except ValueError as e:
            self._llm.reset()  # the KV cache may be half-written; evaluate afresh next time
            hint = (
                f" A larger context needs -M n_ctx=N (now {self.n_ctx})."
                if "context window" in str(e)  # "Requested tokens (N) exceed context window"
                else ""
            )
            raise ModelError(f"{self.id}: {e}.{hint}") from e

    def _reused(self, before: Any, prompt_tokens: int) -> int:
        """Prompt tokens llama-cpp-python took from the KV cache instead of evaluating.

        Mirrors ``Llama.generate``: it reuses the longest common prefix of the previously
        evaluated tokens and the new prompt, but re-evaluates the prompt's last token to get
        fresh logits unless the cache holds exactly this prompt with live logits. The prompt
        sits at the start of ``input_ids`` after the call.
        """
        prompt = self._llm.input_ids[:prompt_tokens]
        common = 0
        for a, b in zip(before, prompt, strict=False):
            if a != b:
                break
            common += 1
        exact = len(before) == common == prompt_tokens
        if exact and not getattr(self._llm, "_requires_eval", True):
            return prompt_tokens
        return max(0, min(common, prompt_tokens - 1))

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": self.id,
            "path": str(self.path),
            "size": self.path.stat().st_size,
            "n_ctx": self.n_ctx,
            "load_seconds": round(self.load_seconds, 3),
        }
        if self.catalog_name:
            info["catalog"] = self.catalog_name
            info.update(_manifest(self.path))
        metadata = getattr(self._llm, "metadata", {}) or {}
        if metadata.get("general.name"):
            info["general_name"] = metadata["general.name"]
        template = metadata.get("tokenizer.chat_template")
        if template and not self.options.chat_format:
            info["chat_template_sha256"] = hashlib.sha256(template.encode()).hexdigest()
        return info

    def _open(self, **extra: Any) -> Any:
        """A llama.cpp context over this engine's file with its options, plus ``extra``."""
        import llama_cpp

        return llama_cpp.Llama(
            model_path=str(self.path),
            n_ctx=self.n_ctx,
            n_threads=self.options.n_threads,
            n_threads_batch=self.options.n_threads,
            n_batch=self.options.n_batch,
            n_gpu_layers=self.options.n_gpu_layers,
            verbose=False,
            **extra,
        )

    def last_hidden_state(self, text: str) -> list[float]:
        """The last layer's state at the last token of ``text``.

        llama.cpp hands out hidden states only from a context made for embeddings, so one
        is made over the same file on first use: about 1 GB of memory of its own and 2.6-3.6 s,
        once (docs/routing.md).
        """
        if self._embedder is None:
            # No pooling asked: one state per token (asking for none prints a warning).
            self._embedder = self._open(embedding=True)
        states = self._embedder.embed(text)
        return [float(x) for x in states[-1]]

    def close(self) -> None:
        for attribute in ("_decoder", "_llm", "_embedder"):
            llm = self.__dict__.pop(attribute, None)
            if llm is not None:
                llm.close()


class _Rendered(Exception):
    """Not an error: carries the rendered prompt out of the chat handler."""

    def __init__(self, tokens: list[int]) -> None:
        self.tokens = tokens


class _RenderOnly:
    """A ``Llama`` whose ``create_completion`` hands back the prompt tokens and stops."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llm, name)

    def create_completion(self, prompt: Any = None, **_: Any) -> Any:
        if isinstance(prompt, list) and all(isinstance(t, int) for t in prompt):
            raise _Rendered(prompt)
        raise TypeError("the chat handler passed no token list")


class _Watching:
    """A ``Llama`` whose ``create_completion`` also stops when ``criterion`` says so."""

    def __init__(self, llm: Any, criterion: Any) -> None:
        self._llm, self._criterion = llm, criterion

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llm, name)

    def create_completion(self, *args: Any, stopping_criteria: Any = None, **kwargs: Any) -> Any:
        import llama_cpp

        criteria = llama_cpp.StoppingCriteriaList([*(stopping_criteria or []), self._criterion])
        return self._llm.create_completion(*args, stopping_criteria=criteria, **kwargs)


def _file_identity(path: Path) -> tuple[int, int]:
    """(size, modification time): a model file replaced in place gets a fresh state folder."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _resolve(name: str) -> tuple[Path, str | None]:
    """(GGUF path, catalog name or None). Catalog names win over same-named relative paths."""
    from reasoner import catalog

    if name in catalog.CATALOG:
        return catalog.require(name), name
    path = Path(name).expanduser()
    if path.suffix == ".gguf" or os.sep in name or path.exists():
        if not path.is_file():
            raise ModelError(
                f"No GGUF file at {path}. Catalog models ({', '.join(catalog.names())}) "
                "are fetched with: reasoner models pull NAME"
            )
        return path.resolve(), None
    catalog.get_entry(name)  # raises UnknownModelError listing the catalog, with "did you mean"
    raise AssertionError("unreachable")


def _manifest(path: Path) -> dict[str, Any]:
    """sha256 and source the catalog verified at pull time (hashing 1 GB per load is not cheap)."""
    try:
        manifest = json.loads((path.parent / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return {k: manifest[k] for k in ("sha256", "source") if k in manifest}


def _one_of_grammar(choices: Sequence[str]) -> Any:
    """A GBNF grammar whose only sentences are ``choices`` (what ``one_of`` asks for)."""
    from llama_cpp import LlamaGrammar

    literals = " | ".join(json.dumps(choice) for choice in dict.fromkeys(choices))
    return LlamaGrammar.from_string(f"root ::= {literals}", verbose=False)
