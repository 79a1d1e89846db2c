"""The endpoint choice of several servers (least in flight, cool-down) and the per-sample record,
with a fake clock and no server; the engine against servers is in test_engine_openai.py."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest

from reasoner.models.endpoints import (
    COOL_DOWN,
    EndpointPool,
    endpoint_counts,
    note_endpoint,
    recording_endpoints,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


A, B, C = "http://a/v1", "http://b/v1", "http://c/v1"


def test_fewest_in_flight_then_first_listed() -> None:
    pool = EndpointPool([A, B, C], clock=Clock())
    assert [pool.acquire() for _ in range(4)] == [A, B, C, A]
    assert pool.in_flight == {A: 2, B: 1, C: 1}
    pool.release(C, failed=False)
    assert pool.acquire() == C
    pool.release(A, failed=False)
    pool.release(B, failed=False)
    assert pool.in_flight == {A: 1, B: 0, C: 1}
    assert pool.acquire() == B
    assert pool.answered == {A: 1, B: 1, C: 1}


def test_one_endpoint_is_always_chosen() -> None:
    clock = Clock()
    pool = EndpointPool([A], clock=clock)
    url = pool.acquire()
    assert url == A
    pool.release(A, failed=True)
    assert pool.cooling(A)
    assert pool.acquire() == A  # cooling down, but there is no other
    assert pool.acquire(exclude={A}) is None


def test_failed_endpoint_cools_down_then_is_tried_again() -> None:
    clock = Clock()
    pool = EndpointPool([A, B], cool_down=30.0, clock=clock)
    assert pool.acquire() == A
    pool.release(A, failed=True)
    assert pool.failures == {A: 1, B: 0}
    assert [pool.acquire() for _ in range(3)] == [B, B, B]  # A idle, but cooling down
    clock.now += 29.9
    assert pool.cooling(A) and pool.acquire() == B
    clock.now += 0.1
    assert not pool.cooling(A)
    assert pool.acquire() == A  # back, and the least loaded
    assert pool.acquire() == A
    assert pool.in_flight == {A: 2, B: 4}


def test_cooling_endpoint_is_the_last_resort_of_a_request() -> None:
    clock = Clock()
    pool = EndpointPool([A, B, C], clock=clock)
    for url in (A, B):
        assert pool.acquire() == url
        pool.release(url, failed=True)
    assert pool.acquire() == C
    assert pool.acquire(exclude={C}) == A  # every untried one cools: the least loaded, first listed
    assert pool.acquire(exclude={A, C}) == B
    assert pool.acquire(exclude={A, B, C}) is None


def test_a_later_failure_extends_the_cool_down() -> None:
    clock = Clock()
    pool = EndpointPool([A, B], cool_down=10.0, clock=clock)
    pool.release(pool.acquire() or "", failed=True)
    clock.now += 8
    assert pool.acquire(exclude={B}) == A
    pool.release(A, failed=True)
    clock.now += 8
    assert pool.cooling(A)
    clock.now += 2
    assert not pool.cooling(A)


def test_defaults_and_bad_lists() -> None:
    assert COOL_DOWN == 30.0
    assert EndpointPool([A, B, A]).urls == [A, B]
    with pytest.raises(ValueError):
        EndpointPool([])


def test_recording_collects_answers_in_this_context_only() -> None:
    note_endpoint(A)  # nobody records: ignored
    with recording_endpoints() as outer:
        note_endpoint(A)
        with recording_endpoints() as inner:
            note_endpoint(B)
        note_endpoint(A)
        with ThreadPoolExecutor(2) as pool:  # worker threads write to the caller's record
            for future in [pool.submit(contextvars.copy_context().run, note_endpoint, url) for url in (B, C)]:
                future.result()
            pool.submit(note_endpoint, C).result()  # a thread without the context: not recorded
    assert inner == [B]
    assert outer[:2] == [A, A] and sorted(outer[2:]) == [B, C]
    assert endpoint_counts(outer) == {A: 2, **dict.fromkeys(outer[2:], 1)}
    assert endpoint_counts([]) is None
    assert list(endpoint_counts([B, A, B]) or {}) == [B, A]
