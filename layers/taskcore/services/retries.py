"""Retrying a user's writes that lost a race.

A user's writes are serialised by the account's change sequence; concurrent writers
retry on fresh data. Back-off is short and jittered: conflicts clear in milliseconds.
"""

from __future__ import annotations

import random
import time

from taskcore.errors import DependencyUnavailable

ATTEMPTS = 12
BACKOFF_SECONDS = 0.004


def pause(attempt: int) -> None:
    """Wait a little longer after each lost race (jittered)."""
    time.sleep(BACKOFF_SECONDS * (attempt + 1) * random.uniform(0.5, 1.5))  # noqa: S311


def busy() -> DependencyUnavailable:
    """What to raise when every attempt lost its race."""
    return DependencyUnavailable("Too many concurrent changes; retry shortly", retry_after=1)
