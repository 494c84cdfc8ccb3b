from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from taskcore.domain.due import (
    Due,
    DueDateError,
    end_of_day,
    is_valid_timezone,
    parse_bound,
    parse_due,
    start_of_day,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01T09:00:00Z", "2026-05-01T09:00:00.000Z"),
        ("2026-05-01T09:00:00+02:00", "2026-05-01T07:00:00.000Z"),
        ("2026-05-01t09:00:00.250z", "2026-05-01T09:00:00.250Z"),
        ("2026-05-01T23:30:00-05:00", "2026-05-02T04:30:00.000Z"),
    ],
)
def test_instants_are_kept_in_utc(raw: str, expected: str) -> None:
    assert parse_due(raw) == Due(expected, all_day=False)


def test_a_date_is_an_all_day_due_date() -> None:
    assert parse_due("2026-05-01") == Due("2026-05-01", all_day=True)


@pytest.mark.parametrize(
    "raw", ["2026-05-01T09:00:00", "2026-02-30", "tomorrow", "2026-05-01T25:00:00Z", "2026-W01"]
)
def test_rejects_what_the_contract_does_not_accept(raw: str) -> None:
    with pytest.raises(DueDateError):
        parse_due(raw)


def test_date_time_without_offset_says_what_is_missing() -> None:
    with pytest.raises(DueDateError, match="offset"):
        parse_due("2026-05-01T09:00:00")


def test_all_day_deadline_is_end_of_that_day_in_the_users_zone() -> None:
    due = Due("2026-05-01", all_day=True)
    assert due.deadline("Europe/Paris") == datetime(2026, 5, 1, 21, 59, 59, 999000, tzinfo=UTC)
    assert due.deadline("America/Los_Angeles") == datetime(
        2026, 5, 2, 6, 59, 59, 999000, tzinfo=UTC
    )


def test_days_of_daylight_saving_changes_end_on_the_wall_clock() -> None:
    # 2026-03-08 in New York has 23 hours; 2026-11-01 has 25.
    spring = date(2026, 3, 8)
    assert start_of_day(spring, "America/New_York") == datetime(2026, 3, 8, 5, tzinfo=UTC)
    assert end_of_day(spring, "America/New_York") == datetime(
        2026, 3, 9, 3, 59, 59, 999000, tzinfo=UTC
    )
    autumn = date(2026, 11, 1)
    length = end_of_day(autumn, "America/New_York") - start_of_day(autumn, "America/New_York")
    assert round(length.total_seconds()) == 25 * 3600


def test_sort_keys_order_like_instants() -> None:
    early = Due("2026-05-01T09:00:00Z", all_day=False).sort_key("UTC")
    late = Due("2026-05-01", all_day=True).sort_key("UTC")
    assert early < late
    assert late == "2026-05-01T23:59:59.999Z"


def test_bounds_expand_dates_to_whole_days() -> None:
    assert parse_bound("2026-05-01", "Asia/Tokyo", upper=False) == datetime(
        2026, 4, 30, 15, tzinfo=UTC
    )
    assert parse_bound("2026-05-01", "Asia/Tokyo", upper=True) == datetime(
        2026, 5, 1, 14, 59, 59, 999000, tzinfo=UTC
    )
    assert parse_bound("2026-05-01T10:00:00+09:00", "UTC", upper=True) == datetime(
        2026, 5, 1, 1, tzinfo=UTC
    )


def test_time_zone_names() -> None:
    assert is_valid_timezone("Europe/Paris")
    assert is_valid_timezone("UTC")
    assert not is_valid_timezone("Mars/Olympus")
    assert not is_valid_timezone("../../etc/passwd")
    # Files of the tz database that are not places: "localtime" would be the host's zone.
    for name in ("localtime", "Factory", "posixrules"):
        assert not is_valid_timezone(name), name
