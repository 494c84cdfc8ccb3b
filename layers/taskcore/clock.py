"""Time, injectable so tests control it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def format_instant(moment: datetime) -> str:
    """RFC 3339 in UTC, always with milliseconds and a ``Z`` (``2026-03-29T07:00:00.000Z``):
    the one form of every timestamp in replies (DESIGN §3). Fixed width, so the strings
    sort like the instants they name; sub-millisecond parts are dropped."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sort_key(moment: datetime) -> str:
    """A fixed-width UTC string that sorts like the instant it names (millisecond
    precision): the index key form, the same text as :func:`format_instant`."""
    return format_instant(moment)


def expired(expires_at: datetime | None, now: datetime) -> bool:
    """Whether an item with this time to live is gone by ``now``. DynamoDB deletes
    expired items lazily (up to days later), so readers must treat them as absent."""
    return expires_at is not None and expires_at <= now


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch (DynamoDB TTL attributes use this)."""
    return int(moment.timestamp())
