"""Several servers behind one engine: which one takes the next request, and which one answered.

:class:`EndpointPool` is the choice rule of the ``openai`` engine's ``-M base_url=URL1,URL2``:
each attempt goes to the endpoint with the fewest requests in flight (ties: the first
listed); an endpoint whose attempt failed (connection, timeout, HTTP 5xx) is *cooling down*
for :data:`COOL_DOWN` seconds, during which it is chosen only when every endpoint the
request has not tried yet is cooling down too. After the cool-down it is chosen as before.

:func:`recording_endpoints` collects, for one piece of work (an eval sample), the endpoints
that answered its model calls; engines report an answer with :func:`note_endpoint`. The
record lives in a context variable, so samples answered in parallel threads each get their
own; an engine that fans calls out to worker threads runs them in a copy of the caller's
context (``contextvars.copy_context().run``) so their answers land in the caller's record.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

COOL_DOWN = 30.0
"""Seconds an endpoint that failed is avoided (engine option ``cool_down``)."""


class EndpointPool:
    """In-flight counts and cool-downs of a fixed list of endpoints; safe to share between threads."""

    def __init__(self, urls: Sequence[str], *, cool_down: float = COOL_DOWN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not urls:
            raise ValueError("an endpoint pool needs at least one endpoint")
        self.urls = list(dict.fromkeys(urls))
        self.cool_down = cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self.in_flight: dict[str, int] = dict.fromkeys(self.urls, 0)
        self.answered: dict[str, int] = dict.fromkeys(self.urls, 0)
        """Attempts each endpoint answered (a 4xx counts: the endpoint was up)."""
        self.failures: dict[str, int] = dict.fromkeys(self.urls, 0)
        """Attempts that failed on the endpoint's side (connection, timeout, 5xx)."""
        self._cooling_until: dict[str, float] = dict.fromkeys(self.urls, float("-inf"))

    def cooling(self, url: str) -> bool:
        with self._lock:
            return self._cooling_until[url] > self._clock()

    def acquire(self, exclude: Collection[str] = ()) -> str | None:
        """The endpoint for the next attempt, counted in flight until :meth:`release`; None
        when every endpoint is in ``exclude`` (the ones this request already tried).

        Endpoints outside their cool-down come first, then the fewest in flight, then the
        order of the list."""
        with self._lock:
            now = self._clock()
            order = [(self._cooling_until[url] > now, self.in_flight[url], i)
                     for i, url in enumerate(self.urls) if url not in exclude]
            if not order:
                return None
            url = self.urls[min(order)[2]]
            self.in_flight[url] += 1
            return url

    def release(self, url: str, *, failed: bool) -> None:
        """The attempt on ``url`` is over; ``failed`` (the endpoint's fault) starts its cool-down."""
        with self._lock:
            self.in_flight[url] -= 1
            if failed:
                self.failures[url] += 1
                self._cooling_until[url] = self._clock() + self.cool_down
            else:
                self.answered[url] += 1


_answered: ContextVar[list[str] | None] = ContextVar("reasoner_answered_endpoints", default=None)


@contextmanager
def recording_endpoints() -> Iterator[list[str]]:
    """The endpoints that answer model calls made inside the block, in the order they answered."""
    seen: list[str] = []
    token = _answered.set(seen)
    try:
        yield seen
    finally:
        _answered.reset(token)


def note_endpoint(url: str) -> None:
    """``url`` answered a model call (a no-op outside :func:`recording_endpoints`)."""
    seen = _answered.get()
    if seen is not None:
        seen.append(url)  # list.append is atomic: worker threads may note at once


def endpoint_counts(seen: Sequence[str]) -> dict[str, int] | None:
    """Calls per endpoint, in the order each first answered; None when none answered
    (a local engine, or no call succeeded)."""
    return dict(Counter(seen)) or None
