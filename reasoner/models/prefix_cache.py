"""A small LRU of model states, one per prompt prefix, for engines that keep KV state.

The pipeline alternates between a few prompt prefixes (the router prompt, each backend's
k-shot examples, the final-answer examples), so an engine that only remembers its last
call re-reads the examples on almost every call. Engines store here the state reached
after evaluating each prefix's tokens and, for a new prompt, restore the longest stored
prefix of its tokens and evaluate only the rest.

Entries are keyed by the prefix's tokens (not its text): two prompts share a state only
if the model would have read exactly the same tokens. Bounded by entry count and bytes;
the least recently used entry goes first.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Generic, TypeVar

S = TypeVar("S")


def token_key(tokens: Sequence[int]) -> str:
    """A stable hash of a token sequence (what an entry is keyed by)."""
    return hashlib.sha256(array("q", (int(t) for t in tokens)).tobytes()).hexdigest()


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common leading run of ``a`` and ``b``."""
    n = min(len(a), len(b))
    for i in compress(range(n), (x != y for x, y in zip(a, b, strict=False))):
        return i
    return n


def prefix_boundary(full: Sequence[int], head: Sequence[int]) -> int:
    """Where the shared prefix ends in ``full``: its common run with ``head``.

    ``head`` is the prefix messages rendered alone; the chat template closes them with a
    generation prompt (or an end-of-text) that the full prompt does not have at that spot,
    and a tokenizer may merge differently across the seam, so the boundary is where the two
    token lists part. At least one token is left after it, since a model needs fresh logits
    to sample from.
    """
    return min(common_prefix_len(full, head), max(0, len(full) - 1))


@dataclass
class Entry(Generic[S]):
    tokens: tuple[int, ...]
    state: S
    nbytes: int


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    evictions: int = 0
    entries: int = 0
    bytes: int = 0
    tokens_restored: int = 0
    """Prompt tokens served from stored states instead of being evaluated."""


class PrefixCache(Generic[S]):
    """States by prefix tokens, least recently used evicted first."""

    def __init__(self, max_entries: int = 16, max_bytes: int = 512 << 20) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a prefix cache needs room for at least one entry")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry[S]] = OrderedDict()
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, tokens: Sequence[int]) -> bool:
        return token_key(tokens) in self._entries

    def longest(self, tokens: Sequence[int]) -> Entry[S] | None:
        """The stored entry with the longest prefix of ``tokens`` (it becomes most recent)."""
        best_key, best = None, None
        for key, entry in self._entries.items():
            n = len(entry.tokens)
            if n > len(tokens) or (best is not None and n <= len(best.tokens)):
                continue
            if common_prefix_len(entry.tokens, tokens) == n:
                best_key, best = key, entry
        if best is None:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(best_key)  # type: ignore[arg-type]
        self.stats.hits += 1
        self.stats.tokens_restored += len(best.tokens)
        return best

    def put(self, tokens: Sequence[int], state: S, nbytes: int) -> bool:
        """Store ``state`` for ``tokens``; False when it alone exceeds the byte budget."""
        if nbytes > self.max_bytes:
            return False
        key = token_key(tokens)
        old = self._entries.pop(key, None)
        if old is not None:
            self.stats.bytes -= old.nbytes
        self._entries[key] = Entry(tuple(int(t) for t in tokens), state, nbytes)
        self.stats.bytes += nbytes
        self.stats.stores += 1
        while len(self._entries) > self.max_entries or self.stats.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.stats.bytes -= evicted.nbytes
            self.stats.evictions += 1
        self.stats.entries = len(self._entries)
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.stats.bytes = 0
        self.stats.entries = 0
