"""Due dates: parsing the contract's two forms and placing them on the time line.

A due date is either an instant (RFC 3339 with an offset, kept in UTC) or a calendar date
(an all-day task, due by the end of that day in the owner's time zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from taskcore.clock import format_instant, sort_key
from taskcore.errors import FieldError, ValidationFailed

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$"
)
_ONE_MS = timedelta(milliseconds=1)
# Due dates stay far inside datetime's years 1..9999, so moving them between time zones
# never overflows (a 500 before), and index keys always have four-digit years.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)


class DueDateError(ValidationFailed):
    """A due date (or a bound) that the contract does not accept: a domain error (422
    unless the caller knows better), never an unexpected one."""

    def __init__(self, message: str, field: str = "due_at") -> None:
        super().__init__([FieldError(field, message)])
        self.message = message


@dataclass(frozen=True)
class Due:
    """A task's due date as stored and returned.

    ``value`` is what clients see in ``due_at``: a UTC instant ending in ``Z`` or a date.
    """

    value: str
    all_day: bool

    def deadline(self, timezone: str) -> datetime:
        """The last moment at which the task is not yet overdue.

        For an all-day task that is the end of the day in ``timezone`` (to the millisecond,
        the precision of the index keys).
        """
        if not self.all_day:
            return parse_instant(self.value)
        return end_of_day(date.fromisoformat(self.value), timezone)

    def sort_key(self, timezone: str) -> str:
        """Index key of the deadline; compares as the instants do."""
        return sort_key(self.deadline(timezone))


def parse_due(raw: str) -> Due:
    """Parse a ``due_at`` value from a client."""
    if _DATE.match(raw):
        return Due(_calendar_date(raw).isoformat(), all_day=True)
    return Due(format_instant(parse_instant(raw)), all_day=False)


def parse_instant(raw: str) -> datetime:
    """Parse an RFC 3339 date-time; an offset (or ``Z``) is required."""
    match = _DATE_TIME.match(raw)
    if not match:
        raise DueDateError("must be an RFC 3339 date-time with offset, or a date YYYY-MM-DD")
    if match.group("offset") is None:
        raise DueDateError("a date-time needs a time zone offset, e.g. 2026-05-01T09:00:00Z")
    text = raw.upper().replace(" ", "T")
    fraction = match.group(1)
    if fraction and len(fraction) > 7:  # Python parses at most microseconds
        text = text.replace(fraction, fraction[:7])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise DueDateError("not a valid date-time") from exc
    _in_range(moment.date())
    utc = moment.astimezone(UTC)
    # The stored form is UTC: its date must be in range too, or an instant accepted in
    # its own offset would be refused when read back (1900-01-01T00:30:00+01:00).
    _in_range(utc.date())
    return utc


def start_of_day(day: date, timezone: str) -> datetime:
    """Midnight at the start of ``day`` in ``timezone``, as a UTC instant."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def end_of_day(day: date, timezone: str) -> datetime:
    """The last millisecond of ``day`` in ``timezone``, as a UTC instant.

    Computed as the next local midnight minus one millisecond, so days of 23 or 25 hours
    (daylight-saving changes) end where the wall clock says they do.
    """
    return start_of_day(day + timedelta(days=1), timezone) - _ONE_MS


def is_calendar_date(raw: str) -> bool:
    """True for the ``YYYY-MM-DD`` form (an all-day due date or a whole-day bound)."""
    return bool(_DATE.match(raw))


def parse_bound(raw: str, timezone: str, *, upper: bool) -> datetime:
    """A ``due_from`` / ``due_until`` bound: a date means the start / end of that day."""
    if _DATE.match(raw):
        day = _calendar_date(raw)
        return end_of_day(day, timezone) if upper else start_of_day(day, timezone)
    return parse_instant(raw)


def _calendar_date(raw: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise DueDateError("not a valid calendar date") from exc
    _in_range(day)
    return day


def _in_range(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise DueDateError(f"must be between {EARLIEST} and {LATEST}")


def is_valid_timezone(name: str) -> bool:
    """True for an IANA time zone name this system knows."""
    if name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ZONES: frozenset[str] | None = None
# Files of a tz database that are not places: "localtime" is whatever the host's clock is
# set to (another zone on another host), "Factory" and "posixrules" are the database's own.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "leapseconds", "tzdata.zi"})


def _zone_names() -> frozenset[str]:
    # available_timezones() walks the tz database on disk; do it once per process.
    global _ZONES
    if _ZONES is None:
        _ZONES = (frozenset(available_timezones()) | {"UTC"}) - _NOT_ZONES
    return _ZONES
