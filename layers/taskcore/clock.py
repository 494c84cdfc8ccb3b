"""Time, injectable so tests control it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def format_instant(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` and whole seconds (or microseconds when present)."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_key(moment: datetime) -> str:
    """A fixed-width UTC string that sorts like the instant it names (millisecond precision)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def expired(expires_at: datetime | None, now: datetime) -> bool:
    """Whether an item with this time to live is gone by ``now``. DynamoDB deletes
    expired items lazily (up to days later), so readers must treat them as absent."""
    return expires_at is not None and expires_at <= now


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch (DynamoDB TTL attributes use this)."""
    return int(moment.timestamp())
