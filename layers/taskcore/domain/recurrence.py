"""Recurring tasks: the RRULE subset of DESIGN.md, and the next occurrence of a series.

Rules are parsed and expanded by python-dateutil's ``rrule`` (RFC 5545), never by hand.
This module checks that a rule stays inside the supported subset, naming the part that
does not, and places the library's occurrences on the time line.

A series is computed on naive wall time in the task's zone (``due_tz``) from its anchor,
the wall time of the due date when the series (re)started: a 09:00 Europe/Berlin series
stays at 09:00 on both sides of a daylight-saving change. Wall times become instants
only at the end, with ``fold=0``, which is RFC 5545's rule (section 3.3.5): a time in
the spring-forward gap (02:30 in Berlin on 2026-03-29) is read with the offset in force
before the gap, so it is 01:30Z, i.e. 03:30 summer time; a time that happens twice on a
fall-back day is the first of the two. An all-day series is a series of dates.

The anchor stays put while a task advances, so ``COUNT`` and ``UNTIL`` count from the
start of the series, as RFC 5545 says (DTSTART is always the first occurrence, even when
the rule would not produce it). Editing the rule or the due date starts a new series at
the new due date.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from taskcore.clock import format_instant
from taskcore.domain.due import EARLIEST, LATEST, Due, parse_instant
from taskcore.errors import FieldError, ValidationFailed

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL")
MAX_RULE_LENGTH = 500
MAX_INTERVAL = 1000
MAX_COUNT = 10000
RULE_FIELD = "recurrence.rule"

_NUMBER = re.compile(r"^[0-9]{1,5}$")
_SIGNED = re.compile(r"^[+-]?[0-9]{1,2}$")
_WEEKDAY = re.compile(r"^(?P<ordinal>[+-]?[0-9]{1,2})?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(?P<date>[0-9]{8})(?P<time>T[0-9]{6}Z)?$")
# Largest |ordinal| of BYDAY per frequency (RFC 5545: only MONTHLY and YEARLY take one).
_MAX_ORDINAL = {"MONTHLY": 5, "YEARLY": 53}

# The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks),
# so a series moved by a multiple of 400 years has the same occurrences, moved alike.
# Searches run moved as close to datetime's last year as leaves this many years ahead:
# dateutil stops at year 9999, which bounds the work of a rule that matches nothing
# (``FREQ=DAILY;INTERVAL=7;BYDAY=MO`` from a Tuesday would otherwise iterate to year 9999;
# measured: at most about 0.15 s instead of seconds). Rules whose month days never exist
# are refused outright (:func:`_days_exist`).
_CYCLE_YEARS = 400
_HORIZON_YEARS = 30
_LAST_YEAR = 9999


class RecurrenceError(ValidationFailed):
    """A rule outside the supported subset (422, naming the part)."""

    def __init__(self, message: str) -> None:
        super().__init__([FieldError(RULE_FIELD, message)])
        self.message = message


class Basis(StrEnum):
    """What the next occurrence follows when a task is completed."""

    DUE = "due"
    COMPLETION = "completion"


@dataclass(frozen=True)
class Recurrence:
    """A task's recurrence: the normalised rule, its basis, and the series' anchor
    (wall time ``YYYY-MM-DDTHH:MM:SS`` in the task's zone, or a date for all-day tasks;
    ``None`` until the task places it)."""

    rule: str
    basis: Basis = Basis.DUE
    anchor: str | None = None

    def to_public(self) -> dict[str, str]:
        """As the API returns it (the anchor is bookkeeping)."""
        return {"rule": self.rule, "from": self.basis.value}

    def same_rule(self, other: Recurrence | None) -> bool:
        """Whether ``other`` asks for the same series (anchors aside)."""
        return other is not None and (self.rule, self.basis) == (other.rule, other.basis)


def parse_rule(text: str) -> str:
    """The normalised form of an RRULE of the supported subset (upper case, no
    ``RRULE:`` prefix); :class:`RecurrenceError` naming the part otherwise."""
    if len(text) > MAX_RULE_LENGTH:
        raise RecurrenceError(f"must be at most {MAX_RULE_LENGTH} characters")
    body = text.strip().upper().removeprefix("RRULE:")
    parts = _split(body)
    freq = parts.get("FREQ")
    if freq is None:
        raise RecurrenceError("FREQ is required")
    for name, value in parts.items():
        _CHECKS[name](value, freq)
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("COUNT and UNTIL may not both be given (RFC 5545)")
    _days_exist(parts)
    normalised = ";".join(f"{name}={value}" for name, value in parts.items())
    try:  # the library has the last word on what the rule means
        rrulestr(_without_until(parts), dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"not a valid RRULE: {exc}") from None
    return normalised


def _split(body: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals or not name or not value.strip():
            raise RecurrenceError(f"{part.strip() or 'an empty part'} is not NAME=VALUE")
        if name not in PARTS:
            raise RecurrenceError(f"{name} is not supported (supported: {', '.join(PARTS)})")
        if name in parts:
            raise RecurrenceError(f"{name} is given twice")
        parts[name] = value.strip()
    return parts


def _freq(value: str, freq: str) -> None:
    if value not in FREQUENCIES:
        raise RecurrenceError(
            f"FREQ={value} is not supported (supported: {', '.join(FREQUENCIES)})"
        )


def _bounded(name: str, high: int) -> Callable[[str, str], None]:
    def check(value: str, freq: str) -> None:
        if not _NUMBER.match(value) or not 1 <= int(value) <= high:
            raise RecurrenceError(f"{name} must be a whole number from 1 to {high}")

    return check


def _bymonth(value: str, freq: str) -> None:
    for item in value.split(","):
        if not _NUMBER.match(item) or not 1 <= int(item) <= 12:
            raise RecurrenceError("BYMONTH must list months from 1 to 12")


def _bymonthday(value: str, freq: str) -> None:
    if freq == "WEEKLY":
        raise RecurrenceError("BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)")
    for item in value.split(","):
        if not _SIGNED.match(item) or not 1 <= abs(int(item)) <= 31:
            raise RecurrenceError("BYMONTHDAY must list days from 1 to 31 or -31 to -1")


def _byday(value: str, freq: str) -> None:
    for item in value.split(","):
        match = _WEEKDAY.match(item)
        if match is None:
            raise RecurrenceError(f"BYDAY: {item} is not a weekday such as MO, 1MO or -1FR")
        if match["ordinal"] is None:
            continue
        high = _MAX_ORDINAL.get(freq)
        if high is None:
            raise RecurrenceError("BYDAY ordinals (1MO, -1FR) need FREQ=MONTHLY or YEARLY")
        if not 1 <= abs(int(match["ordinal"])) <= high:
            raise RecurrenceError(f"BYDAY ordinals must be from 1 to {high} or -{high} to -1")


def _until(value: str, freq: str) -> None:
    match = _UNTIL.match(value)
    if match is None:
        raise RecurrenceError(
            "UNTIL must be a date (YYYYMMDD) or a UTC date-time (YYYYMMDDTHHMMSSZ)"
        )
    try:
        moment = _until_moment(value)
    except ValueError:
        raise RecurrenceError("UNTIL is not a valid date") from None
    if not EARLIEST <= moment.date() <= LATEST:
        raise RecurrenceError(f"UNTIL must be between {EARLIEST} and {LATEST}")


def _days_exist(parts: dict[str, str]) -> None:
    """Refuse month days that none of the months has (``BYMONTH=2;BYMONTHDAY=30``): such a
    rule has no occurrence at all, and a daily one would be searched for centuries."""
    if "BYMONTH" not in parts or "BYMONTHDAY" not in parts:
        return
    longest = max(monthrange(2000, int(month))[1] for month in parts["BYMONTH"].split(","))
    if min(abs(int(day)) for day in parts["BYMONTHDAY"].split(",")) > longest:
        raise RecurrenceError(
            f"BYMONTHDAY={parts['BYMONTHDAY']} never falls in BYMONTH={parts['BYMONTH']}"
        )


_CHECKS: dict[str, Callable[[str, str], None]] = {
    "FREQ": _freq,
    "INTERVAL": _bounded("INTERVAL", MAX_INTERVAL),
    "COUNT": _bounded("COUNT", MAX_COUNT),
    "BYMONTH": _bymonth,
    "BYMONTHDAY": _bymonthday,
    "BYDAY": _byday,
    "UNTIL": _until,
}


def _until_moment(value: str) -> datetime:
    """``UNTIL`` as written: a date (naive midnight) or a UTC instant (aware)."""
    if len(value) == 8:
        return datetime.strptime(value, "%Y%m%d")
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _without_until(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items() if name != "UNTIL")


def _parts(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.split(";"))


# --------------------------------------------------------------------- wall time


def wall_time(due: Due, zone: str) -> str:
    """``due`` as wall time in ``zone``: ``YYYY-MM-DDTHH:MM:SS``, or the date when all-day."""
    if due.all_day:
        return due.value
    local = parse_instant(due.value).astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%dT%H:%M:%S")


def _naive(due: Due, zone: str) -> datetime:
    if due.all_day:
        return datetime.combine(date.fromisoformat(due.value), time.min)
    return parse_instant(due.value).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _as_due(local: datetime, zone: str, all_day: bool) -> Due | None:
    """A wall time of the series as a due date (``None`` past the supported range)."""
    if all_day:
        day = local.date()
        return Due(day.isoformat(), all_day=True) if EARLIEST <= day <= LATEST else None
    instant = local.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)
    if not (EARLIEST <= local.date() <= LATEST and EARLIEST <= instant.date() <= LATEST):
        return None
    return Due(format_instant(instant), all_day=False)


# ----------------------------------------------------------------------- series


def next_due(
    recurrence: Recurrence, due: Due, zone: str, completed_at: datetime | None = None
) -> Due | None:
    """The occurrence that follows ``due`` when it is completed at ``completed_at``;
    ``None`` when the series has ended (``COUNT``, ``UNTIL``, or nothing within
    :data:`_HORIZON_YEARS` of the search).

    ``from: due``: the first occurrence after ``due``. ``from: completion``: the first
    occurrence after ``due`` that is not yet past at ``completed_at`` (for an all-day
    series: due on or after the completion's date in ``zone``), so missed occurrences
    are skipped.
    """
    current = _naive(due, zone)
    search, inclusive = current, False
    if recurrence.basis is Basis.COMPLETION and completed_at is not None:
        done = completed_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        if due.all_day:
            done_day = datetime.combine(done.date(), time.min)
            if done_day > current:
                search, inclusive = done_day, True
        elif done > current:
            search = done
    anchor = _anchor(recurrence, due, zone)
    found = _search(recurrence.rule, anchor, search, inclusive, zone, due.all_day)
    return _as_due(found, zone, due.all_day) if found is not None else None


def _anchor(recurrence: Recurrence, due: Due, zone: str) -> datetime:
    if recurrence.anchor is None:
        return _naive(due, zone)
    return datetime.fromisoformat(recurrence.anchor)  # a date is its midnight


def _search(
    rule: str, anchor: datetime, after: datetime, inclusive: bool, zone: str, all_day: bool
) -> datetime | None:
    """The first occurrence after ``after`` of the series that starts at ``anchor``,
    expanded by dateutil 400·k years ahead (see :data:`_CYCLE_YEARS`)."""
    years = _CYCLE_YEARS * max(0, (_LAST_YEAR - _HORIZON_YEARS - after.year) // _CYCLE_YEARS)
    parts = _parts(rule)
    start = _moved(anchor, years)
    series = rrulestr(_without_until(parts), dtstart=start)
    assert isinstance(series, rrule)
    until = _until_local(parts.get("UNTIL"), zone, all_day)
    if until is not None:
        series = series.replace(until=_moved(until, years) if until.year + years <= 9999 else None)
    count = parts.get("COUNT")
    if count is not None and series.after(start, inc=True) != start:
        # DTSTART counts as the first occurrence even when the rule does not produce it.
        series = series.replace(count=int(count) - 1)
    found = series.after(_moved(after, years), inc=inclusive)
    return _moved(found, -years) if found is not None else None


def _until_local(value: str | None, zone: str, all_day: bool) -> datetime | None:
    """``UNTIL`` as naive wall time in ``zone``: a date covers its whole day."""
    if value is None:
        return None
    moment = _until_moment(value)
    if moment.tzinfo is not None:
        local = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return datetime.combine(local.date(), time.min) if all_day else local
    return moment if all_day else moment + timedelta(days=1) - timedelta(seconds=1)


def _moved(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)
