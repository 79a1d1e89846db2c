"""``hf/<hub id | local dir | file.gguf | catalog name>``: a causal LM through transformers.

Slower than llama.cpp on a CPU (a GGUF is dequantised to float on load), but it runs any
Hub model on a GPU and gives exact control over dtype and device. The prompt is the
model's own chat template (``apply_chat_template(..., add_generation_prompt=True)``).

Prefix reuse: for a call whose first ``GenerateOptions.prefix_messages`` messages are a
shared prefix (k-shot examples), the key/value cache of the prefix's tokens is computed
once, kept in an LRU (``prefix_cache_entries``, ``prefix_cache_mb``) and deep-copied for
each call, which then evaluates only the tail; ``cached_prompt_tokens`` counts the prefix
tokens this call did not evaluate. ``-M prefix_cache=false`` evaluates every prompt whole.

Batches: in ``generate_many``, the sampled options that agree on temperature, top-p,
max_tokens and stop strings (a vote: one prompt, other seeds) are one ``generate`` call
with ``num_return_sequences``. The prompt is evaluated once (on top of the prefix cache)
and its KV cache copied to every stream. The batch is seeded once, from the first of its
options' seeds: the whole batch is reproducible from it, but a stream's reply is not the
one ``generate`` gives for that stream's own seed. Any other option (greedy, ``one_of``,
settings of its own) is a call of its own.
"""

from __future__ import annotations

import copy
import gc
import inspect
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from reasoner.models.base import Capabilities, EngineOptions, MissingExtraError, ModelEngine, ModelError
from reasoner.models.chat import as_dicts, cut_at_stop
from reasoner.models.loops import LOOP, LoopCut
from reasoner.models.prefix_cache import PrefixCache, prefix_boundary
from reasoner.types import Completion, GenerateOptions, Message, Usage


class HFOptions(EngineOptions):
    device: str = Field(
        "auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$",
        description="'auto' picks cuda when available, else cpu.",
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="'auto': float32 on cpu, the checkpoint's dtype elsewhere."
    )
    revision: str | None = Field(None, description="Hub branch, tag or commit.")
    gguf_file: str | None = Field(None, description="A GGUF file inside the model dir or repo.")
    trust_remote_code: bool = False
    prefix_cache: bool = Field(True, description="Keep the KV cache of each shared prompt prefix.")
    prefix_cache_mb: float = Field(512.0, gt=0, description="Memory bound on kept prefix caches.")
    prefix_cache_entries: int = Field(16, gt=0, description="Count bound on kept prefix caches.")


class HFEngine(ModelEngine):
    provider = "hf"
    capabilities = Capabilities(constrained_choice=True, batched_generation=True)
    Options = HFOptions
    options: HFOptions

    def __init__(self, name: str, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(name, options)
        self.source, self.gguf_file = self._locate(name)
        # MKL's OpenMP threads spin while waiting for each other; with another process on a
        # core, a matrix product of more than one row starves (measured on 2 cores with one
        # busy: a 4-row 4864x896 product took 16 ms spinning against 1.7 ms passive, and four
        # 64-token replies of the 0.5B as one batch 182-187 s against 20 s). Read when torch
        # loads its OpenMP runtime, so only before torch's first import; an explicit
        # setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import torch
        except ImportError as e:
            raise MissingExtraError("hf", "torch", "hf") from e
        try:
            import transformers
        except ImportError as e:
            raise MissingExtraError("hf", "transformers", "hf") from e
        if self.gguf_file is not None:
            try:
                import gguf  # noqa: F401  (transformers needs it to read GGUF files)
            except ImportError as e:
                raise MissingExtraError("hf", "gguf", "hf") from e
        self._torch, self._transformers = torch, transformers
        self.device = self._device(self.options.device)
        self.dtype = self._dtype()
        start = time.perf_counter()
        self.tokenizer, self.model = self._load()
        self.load_seconds = time.perf_counter() - start
        self._cache_name = "cache" if "cache" in inspect.signature(self.model.forward).parameters else "past_key_values"
        """What this transformers calls the KV cache, argument and output: ``past_key_values``
        until 5.x renamed it ``cache`` (the old name warns, and is to be removed)."""
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelError(
                f"{self.id!r} has no chat template; use an instruct/chat model or a tokenizer "
                "that sets one."
            )
        self._eos = self._eos_ids()
        self.prefix_cache: PrefixCache[Any] | None = (
            PrefixCache(self.options.prefix_cache_entries,
                        int(self.options.prefix_cache_mb * (1 << 20)))
            if self.options.prefix_cache else None
        )

    def _load(self) -> tuple[Any, Any]:
        transformers = self._transformers
        common: dict[str, Any] = {
            "revision": self.options.revision,
            "trust_remote_code": self.options.trust_remote_code,
        }
        if self.gguf_file is not None:
            common["gguf_file"] = self.gguf_file
        # The per-tensor "Loading weights" bar is noise on our terminal; Hub download bars stay.
        bars = transformers.utils.logging.is_progress_bar_enabled()
        transformers.utils.logging.disable_progress_bar()
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(self.source, **common)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                self.source, dtype=self.dtype, **common
            )
        except (OSError, ValueError) as e:
            raise ModelError(f"Could not load {self.id!r} with transformers: {e}") from e
        finally:
            if bars:
                transformers.utils.logging.enable_progress_bar()
        model.to(self.device)
        model.eval()
        return tokenizer, model

    def _locate(self, name: str) -> tuple[str, str | None]:
        """(what from_pretrained loads, GGUF file name inside it or None)."""
        from reasoner import catalog

        if name in catalog.CATALOG:
            path = catalog.require(name)
            return str(path.parent), path.name
        if name.endswith(".gguf"):
            path = Path(name).expanduser()
            if not path.is_file():
                raise ModelError(f"No GGUF file at {path}")
            if self.options.gguf_file and self.options.gguf_file != path.name:
                raise ModelError(f"{name!r} is a GGUF file already; drop -M gguf_file")
            return str(path.parent.resolve()), path.name
        path = Path(name).expanduser()
        if path.is_dir():
            return str(path.resolve()), self.options.gguf_file
        if name.startswith(("/", ".", "~")) or path.exists():
            raise ModelError(f"No model directory at {path}")
        return name, self.options.gguf_file  # a Hub id

    def _device(self, wanted: str) -> str:
        if wanted == "auto":
            return "cuda" if self._torch.cuda.is_available() else "cpu"
        if wanted.startswith("cuda") and not self._torch.cuda.is_available():
            raise ModelError("-M device=cuda was asked for, but torch sees no CUDA device")
        return wanted

    def _dtype(self) -> Any:
        if self.options.dtype == "auto":
            # Half precision on a CPU is slow or unsupported for many ops; float32 is safe.
            return self._torch.float32 if self.device == "cpu" else "auto"
        return getattr(self._torch, self.options.dtype)

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for value in (self.model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif value:
                ids.update(value)
        return ids

    def generate(self, messages: Sequence[Message], options: GenerateOptions) -> Completion:
        torch = self._torch
        start = time.perf_counter()
        dicts = as_dicts(messages)
        inputs = self._prompt(dicts)
        prompt_len = int(inputs["input_ids"].shape[-1])
        past, cached = self._prefix_state(dicts, options.prefix_messages, inputs["input_ids"])
        config = self._config(options)
        if options.temperature > 0:
            torch.manual_seed(options.seed)
        stops = [s for s in options.stop if s]
        criteria, _, loops = self._criteria(options, prompt_len)
        extra: dict[str, Any] = {} if past is None else {self._cache_name: past}
        if options.one_of:
            extra["prefix_allowed_tokens_fn"] = _one_of_tokens(self.tokenizer, options.one_of, prompt_len,
                                                               min(self._eos, default=0))
        with torch.inference_mode():
            output = self.model.generate(
                **inputs, generation_config=config, stopping_criteria=criteria, **extra
            )
        new = output[0, prompt_len:].tolist()
        text, stopped = cut_at_stop(self.tokenizer.decode(new, skip_special_tokens=True), stops)
        looped = loops is not None and 0 in loops.stopped_at and not stopped
        return Completion(
            text=text,
            finish_reason=LOOP if looped else self._finish(new, stopped, options.max_tokens),
            usage=Usage(prompt_tokens=prompt_len, cached_prompt_tokens=cached,
                        completion_tokens=len(new)),
            seconds=time.perf_counter() - start,
        )

    def generate_many(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        """Replies to one prompt; the sampled ones that share their settings as one
        ``generate`` with ``num_return_sequences`` (``_sample_together``), any other (a
        greedy one, ``one_of``) as a call of its own. A vote's list, one greedy option and
        several sampled ones, is thus one call and one batch."""
        groups: dict[object, list[int]] = {}
        for number, one in enumerate(options):
            key = _batch_key(one) if _batchable(one) else number
            groups.setdefault(key, []).append(number)
        completions: dict[int, Completion] = {}
        for numbers in groups.values():
            chosen = [options[n] for n in numbers]
            made = self._sample_together(messages, chosen) if len(chosen) > 1 else [self.generate(messages, chosen[0])]
            completions.update(zip(numbers, made, strict=True))
        return [completions[number] for number in range(len(options))]

    def _sample_together(self, messages: Sequence[Message], options: Sequence[GenerateOptions]) -> list[Completion]:
        """Sampled replies that differ at most in seed as one batch.

        The prompt is evaluated once, with batch 1, and its KV cache repeated for each
        stream, so (as the llama.cpp engine does) the first completion carries the prompt's
        token counts and the others none. ``prefix_messages`` is the first option's.

        Seeds: the batch draws from one generator seeded with the first option's seed, so
        the same list gives the same replies again, but the other options' seeds are not
        used and no stream equals ``generate`` with its own seed.
        """
        torch = self._torch
        start = time.perf_counter()
        first = options[0]
        dicts = as_dicts(messages)
        inputs = self._prompt(dicts)
        input_ids = inputs["input_ids"]
        prompt_len = int(input_ids.shape[-1])
        past, cached = self._prefix_state(dicts, first.prefix_messages, input_ids)
        past = self._extend_cache(past, input_ids[:, : prompt_len - 1])
        if past is not None:
            past.batch_repeat_interleave(len(options))  # generate() expands the inputs, not the cache
        config = self._config(first)
        config.num_return_sequences = len(options)
        stops = [s for s in first.stop if s]
        criteria, stop_on_text, loops = self._criteria(first, prompt_len)
        extra: dict[str, Any] = {} if past is None else {self._cache_name: past}
        torch.manual_seed(first.seed)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs, generation_config=config, stopping_criteria=criteria, **extra
            )
        seconds = (time.perf_counter() - start) / len(options)
        completions = []
        for number in range(len(options)):
            # A stream that finished before the others is padded to the batch's length:
            # it ends at its first end-of-turn token or where its stop string appeared.
            new = output[number, prompt_len:].tolist()
            end = next((i + 1 for i, token in enumerate(new) if token in self._eos), len(new))
            if stop_on_text is not None and number in stop_on_text.stopped_at:
                end = min(end, stop_on_text.stopped_at[number])
            looped = loops is not None and loops.stopped_at.get(number, end + 1) <= end
            if looped:
                assert loops is not None
                end = loops.stopped_at[number]
            new = new[:end]
            text, stopped = cut_at_stop(self.tokenizer.decode(new, skip_special_tokens=True), stops)
            completions.append(Completion(
                text=text,
                finish_reason=LOOP if looped and not stopped else self._finish(new, stopped, first.max_tokens),
                usage=Usage(prompt_tokens=prompt_len if number == 0 else 0,
                            cached_prompt_tokens=cached if number == 0 else 0,
                            completion_tokens=len(new)),
                seconds=seconds,
            ))
        return completions

    def _prompt(self, messages: list[dict[str, str]]) -> Any:
        """The chat template's tokens (and attention mask) for ``messages``, on the device."""
        return self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)

    def _config(self, options: GenerateOptions) -> Any:
        """The checkpoint's generation config with ``options``' settings (not the seed)."""
        config = copy.deepcopy(self.model.generation_config)
        config.max_new_tokens = options.max_tokens
        if options.temperature > 0:
            config.update(do_sample=True, temperature=options.temperature, top_p=options.top_p)
        else:
            # Plain argmax, like the other engines: drop the sampling knobs and repetition
            # penalty checkpoints ship. (None would be refilled from the checkpoint by
            # generate(), so these are transformers' neutral defaults.)
            config.update(do_sample=False, temperature=1.0, top_p=1.0, top_k=50,
                          repetition_penalty=1.0)
        if config.pad_token_id is None:
            pad = self.tokenizer.pad_token_id
            config.pad_token_id = pad if pad is not None else min(self._eos, default=0)
        return config

    def _criteria(self, options: GenerateOptions, prompt_len: int) -> tuple[Any, Any, Any]:
        """The stopping criteria ``options`` ask for: (the list for ``generate``, its
        stop-string criterion or None, its loop criterion or None)."""
        transformers, torch, tokenizer = self._transformers, self._torch, self.tokenizer
        criteria = transformers.StoppingCriteriaList()
        stops = [s for s in options.stop if s]
        stop_on_text = _stop_on_text(transformers, torch, tokenizer, stops, prompt_len) if stops else None
        loops = _stop_on_loop(transformers, torch, tokenizer, prompt_len) if options.cut_loops else None
        criteria.extend(c for c in (stop_on_text, loops) if c is not None)
        return criteria, stop_on_text, loops

    def _finish(self, new: Sequence[int], stopped: bool, max_tokens: int) -> str:
        if stopped or (new and new[-1] in self._eos):
            return "stop"
        return "length" if len(new) >= max_tokens else "stop"

    def _extend_cache(self, past: Any, tokens: Any) -> Any:
        """A KV cache holding exactly ``tokens`` (batch 1): ``past`` (a cache of a head of
        them, or None) extended by evaluating the rest. None when ``tokens`` is empty."""
        have = 0 if past is None else int(past.get_seq_length())
        wanted = int(tokens.shape[-1])
        if have > wanted:
            past.crop(wanted)
            have = wanted
        if have == wanted:
            return past
        with self._torch.inference_mode():
            output = self.model(input_ids=tokens[:, have:], use_cache=True, logits_to_keep=1,
                                **{self._cache_name: past})
        return getattr(output, self._cache_name)

    def _prefix_state(self, messages: list[dict[str, str]], prefix_messages: int,
                      input_ids: Any) -> tuple[Any, int]:
        """(a private copy of the prefix's KV cache or None, prompt tokens it saves).

        The prefix's cache is computed once (extending the longest kept prefix of it, if
        any) and kept; each call gets a deep copy, since generation appends to the cache.
        """
        cache = self.prefix_cache
        if cache is None or not 0 < prefix_messages < len(messages):
            return None, 0
        full = input_ids[0].tolist()
        head = self.tokenizer.apply_chat_template(
            messages[:prefix_messages], add_generation_prompt=True, return_dict=False
        )
        prefix = full[: prefix_boundary(full, list(head))]
        if not prefix:
            return None, 0
        entry = cache.longest(prefix)
        if entry is not None and len(entry.tokens) == len(prefix):
            return copy.deepcopy(entry.state), len(prefix)
        done = 0 if entry is None else len(entry.tokens)
        kv = copy.deepcopy(entry.state) if entry is not None else None  # None: the model makes one
        with self._torch.inference_mode():
            output = self.model(input_ids=input_ids[:, done:len(prefix)], use_cache=True, logits_to_keep=1,
                                **{self._cache_name: kv})
            kv = getattr(output, self._cache_name)
        cache.put(prefix, kv, _cache_bytes(kv))
        return copy.deepcopy(kv), done

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "device": self.device,
            "dtype": str(self.model.dtype).removeprefix("torch."),
            "load_seconds": round(self.load_seconds, 3),
        }
        if self.gguf_file:
            gguf_path = Path(self.source) / self.gguf_file
            info["gguf_file"] = self.gguf_file
            if gguf_path.is_file():
                info["size"] = gguf_path.stat().st_size
        if self.options.revision:
            info["revision"] = self.options.revision
        commit = getattr(self.model.config, "_commit_hash", None)
        if commit:
            info["commit"] = commit
        return info

    def close(self) -> None:
        self.__dict__.pop("model", None)
        gc.collect()
        if self.device.startswith("cuda"):
            self._torch.cuda.empty_cache()


def _cache_bytes(kv: Any) -> int:
    """Bytes held by a transformers KV cache's tensors."""
    tensors = [t for layer in getattr(kv, "layers", ())
               for t in (getattr(layer, "keys", None), getattr(layer, "values", None))
               if t is not None]
    return sum(t.element_size() * t.nelement() for t in tensors) or 1


def _stop_on_text(transformers: Any, torch: Any, tokenizer: Any, stop: Sequence[str],
                  prompt_len: int) -> Any:
    """Stop once a stop string appears in the *generated* text.

    transformers' own ``stop_strings`` also matches across the prompt boundary (a prompt
    ending in a newline plus one generated newline "matches" a stop of two newlines);
    llama.cpp and servers only look at the generated text, and so does this. Only the last
    few tokens are decoded per step: a string of n characters spans at most n tokens.
    """
    window = max(len(s) for s in stop) + 8

    class StopOnText(transformers.StoppingCriteria):
        def __init__(self) -> None:
            self.stopped_at: dict[int, int] = {}
            """Per row of the batch, how many tokens it had generated when its stop string
            first appeared (a finished row goes on being padded until the batch ends)."""

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = [
                any(s in tokenizer.decode(row[prompt_len:][-window:], skip_special_tokens=True)
                    for s in stop)
                for row in input_ids
            ]
            for row, hit in enumerate(done):
                if hit:
                    self.stopped_at.setdefault(row, int(input_ids.shape[-1]) - prompt_len)
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return StopOnText()


def _stop_on_loop(transformers: Any, torch: Any, tokenizer: Any, prompt_len: int) -> Any:
    """Stop a row once its reply repeats itself (``LoopCut``, fed one token per step)."""

    class StopOnLoop(transformers.StoppingCriteria):
        def __init__(self) -> None:
            self.cuts: dict[int, LoopCut] = {}
            self.stopped_at: dict[int, int] = {}
            """Per row, how many tokens it had generated when it started looping."""

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            written = int(input_ids.shape[-1]) - prompt_len
            done = []
            for row, tokens in enumerate(input_ids):
                cut = self.cuts.setdefault(row, LoopCut())
                if row not in self.stopped_at and cut.add(tokenizer.decode(tokens[-1:], skip_special_tokens=True)):
                    self.stopped_at[row] = written
                done.append(row in self.stopped_at)
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return StopOnLoop()


def _batch_key(options: GenerateOptions) -> tuple[object, ...]:
    """What options must share to be sampled in one batch: all but seed and prefix_messages."""
    return (options.temperature, options.top_p, options.max_tokens, tuple(options.stop), options.cut_loops)


def _batchable(options: GenerateOptions) -> bool:
    """A sampled option without ``one_of``: it can share a batch with others of its ``_batch_key``."""
    return options.temperature > 0 and not options.one_of


def _one_of_tokens(tokenizer: Any, choices: Sequence[str], prompt_len: int, eos: int) -> Any:
    """``prefix_allowed_tokens_fn`` for ``one_of``: the next tokens that keep the reply a
    prefix of some choice's tokens, then end-of-sequence once a choice is complete."""
    sequences = [tuple(tokenizer.encode(choice, add_special_tokens=False)) for choice in dict.fromkeys(choices)]

    def allowed(batch_id: int, input_ids: Any) -> list[int]:
        so_far = tuple(input_ids[prompt_len:].tolist())
        n = len(so_far)
        nexts = {seq[n] for seq in sequences if len(seq) > n and seq[:n] == so_far}
        if so_far in sequences or not nexts:
            nexts.add(eos)
        return sorted(nexts)

    return allowed
