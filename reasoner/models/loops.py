"""Cut a reply the moment it starts looping, instead of after the whole token budget.

A small model decoding greedily sometimes falls into a loop: the same fact, rule or
comment lines again and again until the token limit. ``repeats_itself`` (the rule the
pipeline already uses on finished replies) recognises such an ending; checked after
every token while the reply is written, it stops the loop about one period after it is
long enough to tell, and cut none of the 431 complete replies of the results run at any
token (``python -m research.benchmarks.runaway_replies ... --cut``, docs/performance.md).
"""

from __future__ import annotations

from reasoner.extraction import repeats_itself

LOOP = "loop"
"""The finish reason of a reply cut because it repeated itself."""


class LoopCut:
    """The text of one reply as it is written; ``add`` says when it has started looping."""

    def __init__(self) -> None:
        self.text = ""
        self.tripped = False

    def add(self, piece: str) -> bool:
        """Append the next piece of the reply; True once the reply repeats itself."""
        if not self.tripped and piece:
            self.text += piece
            self.tripped = repeats_itself(self.text)
        return self.tripped
