"""The rate limiter's in-process fallback (used while Redis is unavailable)."""

from __future__ import annotations

import pytest

from taskcore.cache import Cache, Limit, LocalWindows, RateLimiter
from taskcore.errors import RateLimited


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_fixed_window_counts_then_starts_over() -> None:
    ticks = Ticks()
    windows = LocalWindows(monotonic=ticks)
    assert [windows.hit("k", 60)[0] for _ in range(3)] == [1, 2, 3]
    ticks.now += 45.2
    assert windows.hit("k", 60) == (4, 15)  # seconds left, rounded up
    ticks.now += 15
    assert windows.hit("k", 60) == (1, 60)


def test_subjects_are_counted_apart_and_reset_alone() -> None:
    windows = LocalWindows(monotonic=Ticks())
    windows.hit("a", 60)
    windows.hit("a", 60)
    assert windows.hit("b", 60)[0] == 1
    windows.reset("a")
    assert windows.hit("a", 60)[0] == 1


def test_memory_stays_bounded_when_subjects_are_sprayed() -> None:
    ticks = Ticks()
    windows = LocalWindows(max_keys=100, monotonic=ticks)
    for n in range(1000):
        windows.hit(f"spray-{n}", 60)
    assert len(windows) <= 100
    # The newest subjects are the ones kept.
    assert windows.hit("spray-999", 60)[0] == 2


def test_without_redis_the_limiter_still_refuses_over_the_limit() -> None:
    limiter = RateLimiter(Cache(None), LocalWindows(monotonic=Ticks()))
    limit = Limit("login", max_hits=3, window_seconds=60)
    for _ in range(3):
        limiter.hit(limit, "ann@example.com")
    with pytest.raises(RateLimited) as refused:
        limiter.hit(limit, "ann@example.com")
    assert refused.value.retry_after == 60
    limiter.hit(limit, "bob@example.com")  # another subject
    limiter.reset(limit, "ann@example.com")
    limiter.hit(limit, "ann@example.com")
