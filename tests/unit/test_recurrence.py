"""Recurrence: the RRULE subset, and occurrences in the task's zone, pinned against
python-dateutil (RFC 5545) and against dates worked out by hand.

Zones: Europe/Berlin (northern DST), Australia/Adelaide (south of the equator, a
30-minute offset, DST from October to April), Asia/Kolkata (+05:30, no DST),
America/New_York.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from taskcore.clock import format_instant
from taskcore.domain.due import Due
from taskcore.domain.recurrence import (
    Basis,
    Recurrence,
    RecurrenceError,
    next_due,
    parse_rule,
    wall_time,
)


def _chain(rule: str, first: Due, zone: str, steps: int) -> list[str]:
    """The due dates a task takes, completed on time ``steps`` times (``from: due``):
    the first, then each next one, ``"end"`` once the series is over."""
    recurrence = Recurrence(parse_rule(rule), Basis.DUE, wall_time(first, zone))
    seen, due = [first.value], first
    for _ in range(steps):
        following = next_due(recurrence, due, zone)
        if following is None:
            seen.append("end")
            break
        seen.append(following.value)
        due = following
    return seen


def _library(rule: str, local_start: str, zone: str, count: int) -> list[str]:
    """The same series straight from dateutil: naive wall times from the anchor, placed
    in ``zone`` with fold=0 (RFC 5545: a time in a gap takes the offset before it)."""
    start = datetime.fromisoformat(local_start)
    occurrences = list(rrulestr(rule, dtstart=start)[:count])
    return [
        format_instant(o.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC))
        for o in occurrences
    ]


def _timed(utc: str) -> Due:
    return Due(utc, all_day=False)


def _day(day: str) -> Due:
    return Due(day, all_day=True)


# ------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("FREQ=DAILY", "FREQ=DAILY"),
        ("rrule:freq=weekly;byday=mo,we;interval=2", "FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2"),
        ("FREQ=MONTHLY;BYDAY=1MO,-1FR", "FREQ=MONTHLY;BYDAY=1MO,-1FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12", "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"),
        ("FREQ=WEEKLY;UNTIL=20261231T235959Z", "FREQ=WEEKLY;UNTIL=20261231T235959Z"),
        ("FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231"),
    ],
)
def test_the_subset_is_accepted_and_normalised(raw: str, normalised: str) -> None:
    assert parse_rule(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("FREQ=DAILY;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR"),
        ("FREQ=WEEKLY;WKST=SU", "WKST"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
        ("FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY"),
        ("FREQ=HOURLY", "FREQ=HOURLY"),
        ("INTERVAL=2", "FREQ"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "COUNT and UNTIL"),
        ("FREQ=WEEKLY;BYDAY=1MO", "BYDAY"),
        ("FREQ=MONTHLY;BYDAY=6MO", "BYDAY"),
        ("FREQ=MONTHLY;BYDAY=MON", "BYDAY"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY=30"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;UNTIL=20261231T235959", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20260231", "UNTIL"),
        ("FREQ=DAILY;", "empty part"),
        ("FREQ", "FREQ"),
    ],
)
def test_anything_else_is_refused_naming_the_part(raw: str, named: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_rule(raw)
    assert named in caught.value.message
    assert caught.value.errors[0].field == "recurrence.rule"


# ----------------------------------------------------------- daylight saving time


def test_a_berlin_morning_stays_at_nine_across_both_changes() -> None:
    # Weekly on Monday 09:00 Berlin: 08:00Z in winter, 07:00Z in summer (clocks change
    # on 2026-03-29 and 2026-10-25).
    spring = _chain("FREQ=WEEKLY", _timed("2026-03-23T08:00:00.000Z"), "Europe/Berlin", 2)
    assert spring == [
        "2026-03-23T08:00:00.000Z",
        "2026-03-30T07:00:00.000Z",
        "2026-04-06T07:00:00.000Z",
    ]
    autumn = _chain("FREQ=WEEKLY", _timed("2026-10-19T07:00:00.000Z"), "Europe/Berlin", 2)
    assert autumn == [
        "2026-10-19T07:00:00.000Z",
        "2026-10-26T08:00:00.000Z",
        "2026-11-02T08:00:00.000Z",
    ]
    assert spring == _library("FREQ=WEEKLY", "2026-03-23T09:00:00", "Europe/Berlin", 3)
    assert autumn == _library("FREQ=WEEKLY", "2026-10-19T09:00:00", "Europe/Berlin", 3)


def test_a_time_in_the_spring_forward_gap_takes_the_offset_before_it() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29: RFC 5545 reads it as 02:30+01:00,
    # which is 03:30 summer time. The next day the series is at 02:30 again.
    chain = _chain("FREQ=DAILY", _timed("2026-03-28T01:30:00.000Z"), "Europe/Berlin", 2)
    assert chain == [
        "2026-03-28T01:30:00.000Z",
        "2026-03-29T01:30:00.000Z",
        "2026-03-30T00:30:00.000Z",
    ]
    assert chain == _library("FREQ=DAILY", "2026-03-28T02:30:00", "Europe/Berlin", 3)
    assert wall_time(_timed(chain[1]), "Europe/Berlin") == "2026-03-29T03:30:00"
    assert wall_time(_timed(chain[2]), "Europe/Berlin") == "2026-03-30T02:30:00"


def test_a_time_that_happens_twice_is_the_first_of_the_two() -> None:
    # 02:30 happens twice in Berlin on 2026-10-25: first at +02:00 (00:30Z).
    chain = _chain("FREQ=DAILY", _timed("2026-10-24T00:30:00.000Z"), "Europe/Berlin", 2)
    assert chain[1:] == ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]


def test_adelaide_south_of_the_equator_with_a_half_hour_offset() -> None:
    # Daylight saving ends on 2026-04-05 (+10:30 -> +09:30) and starts on 2026-10-04
    # (+09:30 -> +10:30, 02:00 -> 03:00). 09:00 stays 09:00.
    autumn = _chain("FREQ=DAILY", _timed("2026-04-03T22:30:00.000Z"), "Australia/Adelaide", 2)
    assert autumn == [
        "2026-04-03T22:30:00.000Z",  # 09:00 +10:30 on Saturday 4 April
        "2026-04-04T23:30:00.000Z",  # 09:00 +09:30 on Sunday 5 April
        "2026-04-05T23:30:00.000Z",
    ]
    assert autumn == _library("FREQ=DAILY", "2026-04-04T09:00:00", "Australia/Adelaide", 3)
    # 02:30 on 2026-10-04 is in the gap: the offset before it (+09:30) places it.
    gap = _chain("FREQ=DAILY", _timed("2026-10-02T17:00:00.000Z"), "Australia/Adelaide", 2)
    assert gap == [
        "2026-10-02T17:00:00.000Z",
        "2026-10-03T17:00:00.000Z",  # 02:30 +09:30, which is 03:30 summer time
        "2026-10-04T16:00:00.000Z",  # 02:30 +10:30
    ]
    assert gap == _library("FREQ=DAILY", "2026-10-03T02:30:00", "Australia/Adelaide", 3)


def test_new_york_thanksgiving_and_the_last_friday() -> None:
    thanksgiving = _chain(
        "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
        _timed("2026-11-26T17:00:00.000Z"),
        "America/New_York",
        2,
    )
    assert thanksgiving == [
        "2026-11-26T17:00:00.000Z",
        "2027-11-25T17:00:00.000Z",
        "2028-11-23T17:00:00.000Z",
    ]
    last_friday = _chain(
        "FREQ=MONTHLY;BYDAY=-1FR", _timed("2026-02-27T22:00:00.000Z"), "America/New_York", 2
    )
    # 17:00 New York: -05:00 in February, -04:00 from 8 March.
    assert last_friday[1:] == ["2026-03-27T21:00:00.000Z", "2026-04-24T21:00:00.000Z"]


# --------------------------------------------------------------- month ends, leaps


def test_bymonthday_31_skips_the_months_without_one() -> None:
    chain = _chain("FREQ=MONTHLY;BYMONTHDAY=31", _day("2026-01-31"), "Europe/Berlin", 3)
    assert chain == ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]
    # Without BYMONTHDAY the day of the first due date is the day: the same series.
    assert _chain("FREQ=MONTHLY", _day("2026-01-31"), "Europe/Berlin", 3) == chain


def test_bymonthday_minus_one_is_every_last_day_in_kolkata() -> None:
    # 18:00 in Kolkata (+05:30, no daylight saving) is 12:30Z all year.
    chain = _chain(
        "FREQ=MONTHLY;BYMONTHDAY=-1", _timed("2027-12-31T12:30:00.000Z"), "Asia/Kolkata", 3
    )
    assert chain == [
        "2027-12-31T12:30:00.000Z",
        "2028-01-31T12:30:00.000Z",
        "2028-02-29T12:30:00.000Z",  # a leap year
        "2028-03-31T12:30:00.000Z",
    ]
    assert chain == _library("FREQ=MONTHLY;BYMONTHDAY=-1", "2027-12-31T18:00:00", "Asia/Kolkata", 4)


def test_a_leap_day_recurs_only_in_leap_years() -> None:
    chain = _chain("FREQ=YEARLY", _day("2024-02-29"), "Australia/Adelaide", 2)
    assert chain == ["2024-02-29", "2028-02-29", "2032-02-29"]
    month_end = _chain("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", _day("2026-02-28"), "UTC", 2)
    assert month_end == ["2026-02-28", "2027-02-28", "2028-02-29"]


def test_an_all_day_series_stays_all_day_whatever_the_zone() -> None:
    for zone in ("Pacific/Auckland", "America/New_York", "Australia/Adelaide"):
        chain = _chain("FREQ=WEEKLY;BYDAY=SA,SU", _day("2026-03-28"), zone, 3)
        assert chain == ["2026-03-28", "2026-03-29", "2026-04-04", "2026-04-05"]


# ------------------------------------------------------------------- COUNT, UNTIL


def test_count_counts_from_the_start_of_the_series() -> None:
    chain = _chain("FREQ=DAILY;COUNT=3", _timed("2026-03-28T08:00:00.000Z"), "Europe/Berlin", 5)
    assert chain == [
        "2026-03-28T08:00:00.000Z",
        "2026-03-29T07:00:00.000Z",
        "2026-03-30T07:00:00.000Z",
        "end",
    ]


def test_a_first_due_date_off_the_rule_is_the_first_of_count() -> None:
    # RFC 5545: DTSTART always counts, even on a Tuesday for a Monday rule.
    chain = _chain(
        "FREQ=WEEKLY;BYDAY=MO;COUNT=3", _timed("2026-03-03T08:00:00.000Z"), "Europe/Berlin", 5
    )
    assert chain == [
        "2026-03-03T08:00:00.000Z",
        "2026-03-09T08:00:00.000Z",
        "2026-03-16T08:00:00.000Z",
        "end",
    ]


def test_until_is_inclusive_and_compared_as_an_instant() -> None:
    # Monday 09:00 Berlin until 2026-03-30T07:00Z: that Monday (09:00 summer time) is in.
    rule = "FREQ=WEEKLY;UNTIL=20260330T070000Z"
    chain = _chain(rule, _timed("2026-03-16T08:00:00.000Z"), "Europe/Berlin", 5)
    assert chain == [
        "2026-03-16T08:00:00.000Z",
        "2026-03-23T08:00:00.000Z",
        "2026-03-30T07:00:00.000Z",
        "end",
    ]
    earlier = _chain(
        "FREQ=WEEKLY;UNTIL=20260330T065959Z",
        _timed("2026-03-16T08:00:00.000Z"),
        "Europe/Berlin",
        5,
    )
    assert earlier[-2:] == ["2026-03-23T08:00:00.000Z", "end"]


def test_a_date_until_covers_its_whole_day_in_the_tasks_zone() -> None:
    chain = _chain("FREQ=DAILY;UNTIL=20260405", _day("2026-04-03"), "Australia/Adelaide", 5)
    assert chain == ["2026-04-03", "2026-04-04", "2026-04-05", "end"]
    # For a timed series: 23:00 in Adelaide on the UNTIL day still counts.
    timed = _chain(
        "FREQ=DAILY;UNTIL=20260405", _timed("2026-04-04T12:30:00.000Z"), "Australia/Adelaide", 5
    )
    assert timed == ["2026-04-04T12:30:00.000Z", "2026-04-05T13:30:00.000Z", "end"]


# ---------------------------------------------------------------- from completion


def test_from_completion_skips_the_occurrences_already_past() -> None:
    daily = Recurrence("FREQ=DAILY", Basis.COMPLETION, "2026-03-02T09:00:00")
    due = _timed("2026-03-02T08:00:00.000Z")  # 09:00 Berlin
    late = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)  # 10:30 Berlin on the 5th
    assert next_due(daily, due, "Europe/Berlin", late) == _timed("2026-03-06T08:00:00.000Z")
    before_nine = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    assert next_due(daily, due, "Europe/Berlin", before_nine) == _timed("2026-03-05T08:00:00.000Z")
    early = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # before the due date: the next one
    assert next_due(daily, due, "Europe/Berlin", early) == _timed("2026-03-03T08:00:00.000Z")
    from_due = Recurrence("FREQ=DAILY", Basis.DUE, "2026-03-02T09:00:00")
    assert next_due(from_due, due, "Europe/Berlin", late) == _timed("2026-03-03T08:00:00.000Z")


def test_from_completion_on_an_all_day_series_keeps_today() -> None:
    # Completed during the 5th in Auckland: the occurrence due by the end of the 5th is
    # not past yet.
    every_other_day = Recurrence("FREQ=DAILY;INTERVAL=2", Basis.COMPLETION, "2026-03-01")
    completed = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 14:00 on the 5th in Auckland
    assert next_due(every_other_day, _day("2026-03-01"), "Pacific/Auckland", completed) == _day(
        "2026-03-05"
    )
    assert next_due(every_other_day, _day("2026-03-01"), "America/New_York", completed) == _day(
        "2026-03-05"  # 20:00 on the 4th in New York: the 5th is the next one
    )


def test_a_rule_that_never_matches_ends_the_series() -> None:
    # Every seventh day from a Tuesday is never a Monday: searched within a bounded
    # window (moved 400·k years ahead, where dateutil stops at year 9999), not forever.
    never = Recurrence("FREQ=DAILY;INTERVAL=7;BYDAY=MO", Basis.DUE, "2026-03-03T09:00:00")
    assert next_due(never, _timed("2026-03-03T08:00:00.000Z"), "Europe/Berlin") is None
