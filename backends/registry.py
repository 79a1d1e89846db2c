"""A small typed registry fed by entry points, shared by backends and model engines.

Built-ins register through ``pyproject.toml`` entry points exactly as a plugin would,
so adding one never means editing this file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(LookupError):
    """An unknown name, with the known ones and a suggestion in the message."""


class Registry(Generic[T]):
    def __init__(self, group: str, what: str) -> None:
        self.group = group
        self.what = what
        self._extra: dict[str, Callable[[], type[T]]] = {}

    def names(self) -> list[str]:
        found = {ep.name for ep in entry_points(group=self.group)}
        return sorted(found | set(self._extra))

    def register(self, name: str, loader: Callable[[], type[T]]) -> None:
        """Register at run time (tests, notebooks); entry points are the normal way."""
        self._extra[name] = loader

    def unregister(self, name: str) -> None:
        self._extra.pop(name, None)

    def load(self, name: str) -> type[T]:
        if name in self._extra:
            return self._extra[name]()
        for ep in entry_points(group=self.group, name=name):
            loaded: type[T] = ep.load()
            return loaded
        raise UnknownNameError(unknown_message(self.what, name, self.names()))


def unknown_message(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unknown {what} {name!r}.{hint} Known: {', '.join(known) or 'none'}."
