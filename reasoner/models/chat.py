"""Helpers the real engines share: message conversion and stop-string trimming."""

from __future__ import annotations

from collections.abc import Sequence

from reasoner.types import Message


def as_dicts(messages: Sequence[Message]) -> list[dict[str, str]]:
    """Messages as the ``{"role", "content"}`` dicts chat templates and APIs expect.

    Only role and content, in order, nothing added: the same messages must give the same
    bytes on every call so that servers' prefix caches can reuse the shared prefix.
    """
    return [{"role": m.role, "content": m.content} for m in messages]


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """``text`` up to the earliest stop string, and whether one was found.

    Engines whose library may run past a stop string (or include it) use this so every
    engine returns the same thing: the text before the stop string, without it.
    """
    cut = min((i for s in stop if s and (i := text.find(s)) >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
