"""The due-date job and notifications, on fakes, with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fakes import new_user
from taskcore.errors import BadRequest, NotFound
from taskcore.services import reminders
from taskcore.services import tasks as task_service

# The clock starts at 2026-03-01T12:00:00Z; accounts have a 60-minute lead time.


def _at(hour: int, minute: int = 0, second: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def user(deps) -> str:
    return new_user(deps)


def _create(deps, user: str, title: str, due_at: str | None):
    return task_service.create_task(deps, user, {"title": title, "due_at": due_at})


def _run(deps, times: int = 1) -> list[reminders.JobReport]:
    return [reminders.run_due_date_job(deps) for _ in range(times)]


def _sent(deps, user: str) -> list[tuple[str, str]]:
    page = reminders.list_notifications(deps, user, {"limit": "100"})
    return sorted((n["type"], n["task_title"]) for n in page.items)


def test_due_soon_then_overdue_once_however_often_the_job_runs(deps, clock, user) -> None:
    task = _create(deps, user, "call", "2026-03-01T14:00:00Z")
    _run(deps)
    assert _sent(deps, user) == []
    clock.now = _at(13)  # exactly the lead time before the deadline
    reports = _run(deps, 3)
    assert _sent(deps, user) == [("due_soon", "call")]
    assert [dict(r.sent) for r in reports] == [{"due_soon": 1}, {}, {}]
    clock.now = _at(14)  # due, not yet overdue
    _run(deps)
    assert _sent(deps, user) == [("due_soon", "call")]
    clock.now = _at(14, 0, 1)
    reports = _run(deps, 3)
    assert _sent(deps, user) == [("due_soon", "call"), ("overdue", "call")]
    assert [dict(r.sent) for r in reports] == [{"overdue": 1}, {}, {}]
    assert deps.tasks.item(user, task.id).notify_at is None  # nothing pending any more
    clock.advance(days=2)
    _run(deps, 3)
    assert len(deps.notifications.stored(user)) == 2


def test_the_job_does_not_change_the_task_for_the_user(deps, clock, user) -> None:
    task = _create(deps, user, "call", "2026-03-01T12:30:00Z")
    seq = deps.users.stored(user).change_seq
    _run(deps)
    assert _sent(deps, user) == [("due_soon", "call")]
    stored = task_service.get_task(deps, user, task.id)
    assert stored.version == 1 and stored.updated_at == task.updated_at
    assert deps.users.stored(user).change_seq == seq  # nothing for sync to report


def test_completing_or_deleting_stops_reminders(deps, clock, user) -> None:
    done = _create(deps, user, "done", "2026-03-01T13:30:00Z")
    gone = _create(deps, user, "gone", "2026-03-01T13:30:00Z")
    half = _create(deps, user, "half", "2026-03-01T12:30:00Z")
    _run(deps)
    assert _sent(deps, user) == [("due_soon", "half")]
    task_service.set_completed(deps, user, done.id, True)
    task_service.delete_task(deps, user, gone.id)
    task_service.set_completed(deps, user, half.id, True)  # after its due_soon
    for hour in (12, 13, 14, 15):
        clock.now = _at(hour, 45)
        reports = _run(deps, 3)
        assert sum(r.examined for r in reports) == 0
    assert _sent(deps, user) == [("due_soon", "half")]


def test_reopening_repeats_nothing_already_sent(deps, clock, user) -> None:
    task = _create(deps, user, "file", "2026-03-01T12:30:00Z")
    _run(deps)  # due_soon
    task_service.set_completed(deps, user, task.id, True)
    task_service.set_completed(deps, user, task.id, False)
    clock.now = _at(12, 31)
    _run(deps, 3)
    assert _sent(deps, user) == [("due_soon", "file"), ("overdue", "file")]
    task_service.set_completed(deps, user, task.id, True)
    task_service.set_completed(deps, user, task.id, False)
    clock.now = _at(13, 31)
    _run(deps, 3)
    assert _sent(deps, user) == [("due_soon", "file"), ("overdue", "file")]


def test_redating_rearms_both_notifications(deps, clock, user) -> None:
    task = _create(deps, user, "visa", "2026-03-01T12:30:00Z")
    _run(deps)
    clock.now = _at(12, 31)
    _run(deps)
    task_service.update_task(deps, user, task.id, {"due_at": "2026-03-01T15:00:00Z"})
    clock.now = _at(14)
    _run(deps, 3)
    clock.now = _at(15, 0, 1)
    _run(deps, 3)
    sent = [(n.kind, n.due_at) for n in deps.notifications.stored(user)]
    assert sent == [
        ("due_soon", "2026-03-01T12:30:00.000Z"),
        ("overdue", "2026-03-01T12:30:00.000Z"),
        ("due_soon", "2026-03-01T15:00:00.000Z"),
        ("overdue", "2026-03-01T15:00:00.000Z"),
    ]


def test_a_task_past_its_deadline_never_gets_a_late_due_soon(deps, clock, user) -> None:
    # Due soon from 11:30, but the job only runs after the deadline.
    _create(deps, user, "missed", "2026-03-01T12:30:00Z")
    _create(deps, user, "ancient", "2026-02-01T10:00:00Z")  # overdue when created
    clock.now = _at(13)
    _run(deps, 3)
    assert _sent(deps, user) == [("overdue", "ancient"), ("overdue", "missed")]


def test_all_day_tasks_use_the_end_of_the_day_in_the_owners_zone(deps, clock) -> None:
    user = new_user(deps, timezone="America/New_York")
    _create(deps, user, "taxes", "2026-03-08")
    # 2026-03-08 is the day New York springs forward: it ends at 2026-03-09T03:59:59.999Z.
    clock.now = _at(2, 59, 59, day=9)
    _run(deps)
    assert _sent(deps, user) == []
    clock.now = _at(3, day=9)
    _run(deps)
    assert _sent(deps, user) == [("due_soon", "taxes")]
    clock.now = _at(4, day=9)
    _run(deps)
    assert _sent(deps, user) == [("due_soon", "taxes"), ("overdue", "taxes")]


def test_a_job_that_did_not_run_for_hours_catches_up(deps, clock, user) -> None:
    _run(deps)  # the watermark: 12:00
    for hour in (14, 16, 18):
        _create(deps, user, f"at {hour}", f"2026-03-01T{hour}:00:00Z")
    clock.now = _at(20)
    report = reminders.run_due_date_job(deps)
    assert report.buckets[0] == "2026-03-01T11" and report.buckets[-1] == "2026-03-01T20"
    assert dict(report.sent) == {"overdue": 3}


def test_the_report_tells_how_late_the_oldest_notification_went_out(deps, clock, user) -> None:
    _run(deps)
    _create(deps, user, "early", "2026-03-01T14:00:00Z")  # overdue from 14:00:00.001
    _create(deps, user, "late", "2026-03-01T15:00:00Z")
    clock.now = _at(13, 30)  # "early" fell due (its lead time) at 13:00
    assert reminders.run_due_date_job(deps).lag_seconds == 30 * 60
    assert reminders.run_due_date_job(deps).lag_seconds == 0  # nothing left to send
    # The job stood still until 17:00: "early" has waited since 14:00:00.001 (overdue),
    # "late" since 14:00 (due soon; it gets the overdue one instead).
    clock.now = _at(17)
    report = reminders.run_due_date_job(deps)
    assert dict(report.sent) == {"overdue": 2}
    assert report.lag_seconds == 3 * 3600


@pytest.mark.parametrize("unrelated", [0, 40])
def test_the_job_reads_only_the_tasks_with_something_due(deps, clock, user, unrelated) -> None:
    for i in range(unrelated):
        kind = i % 4
        if kind == 0:
            _create(deps, user, f"undated {i}", None)
        elif kind == 1:
            _create(deps, user, f"next year {i}", "2027-03-01T12:00:00Z")
        elif kind == 2:
            done = _create(deps, user, f"done {i}", "2026-03-01T12:10:00Z")
            task_service.set_completed(deps, user, done.id, True)
        else:
            _create(deps, new_user(deps), f"later today {i}", "2026-03-01T23:00:00Z")
    _create(deps, user, "due", "2026-03-01T13:00:00Z")
    clock.now = _at(12, 5)
    reads = deps.tasks.reads
    [report] = _run(deps)
    assert (report.examined, dict(report.sent)) == (1, {"due_soon": 1})
    assert deps.notifications.pending_items_read == 1
    assert deps.tasks.reads == reads  # the job reads nothing else


def test_notifications_page_newest_first_with_a_cursor(deps, clock, user) -> None:
    for i in range(5):
        _create(deps, user, f"t{i}", (clock() + timedelta(minutes=30)).isoformat())
        _run(deps)
        clock.advance(minutes=1)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        raw = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = reminders.list_notifications(deps, user, raw)
        seen += [n["task_title"] for n in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["t4", "t3", "t2", "t1", "t0"] and pages == 3
    cursor = reminders.list_notifications(deps, user, {"limit": "1"}).next_cursor
    assert cursor is not None
    with pytest.raises(BadRequest):  # a cursor belongs to its user...
        reminders.list_notifications(deps, new_user(deps), {"cursor": cursor})
    with pytest.raises(BadRequest):  # ...and to its query
        reminders.list_notifications(deps, user, {"cursor": cursor, "unread": "true"})


def test_expired_notifications_are_hidden(deps, clock, user) -> None:
    old = _create(deps, user, "old", "2026-03-01T12:30:00Z")
    _run(deps)
    task_service.set_completed(deps, user, old.id, True)
    clock.advance(days=20)
    _create(deps, user, "new", (clock() + timedelta(minutes=30)).isoformat())
    _run(deps)
    clock.advance(days=10)  # the first is 30 days old: past its retention
    assert _sent(deps, user) == [("due_soon", "new")]
    assert len(deps.notifications.stored(user)) == 2  # stored until deleted lazily
    [old_note, _] = deps.notifications.stored(user)
    with pytest.raises(NotFound):
        reminders.mark_read(deps, user, old_note.id)


def test_mark_read_is_idempotent_and_only_for_the_owner(deps, clock, user) -> None:
    _create(deps, user, "a", "2026-03-01T12:30:00Z")
    _create(deps, user, "b", "2026-03-01T12:40:00Z")
    _run(deps)
    note = reminders.list_notifications(deps, user, {"limit": "1"}).items[0]
    stranger = new_user(deps)
    with pytest.raises(NotFound):
        reminders.mark_read(deps, stranger, note["id"])
    with pytest.raises(NotFound):
        reminders.mark_read(deps, user, "no-such-notification")
    reminders.mark_read(deps, user, note["id"])
    reminders.mark_read(deps, user, note["id"])
    unread = reminders.list_notifications(deps, user, {"unread": "true"}).items
    assert len(unread) == 1 and unread[0]["id"] != note["id"]
    everything = reminders.list_notifications(deps, user, {}).items
    assert {n["id"]: n["read"] for n in everything} == {note["id"]: True, unread[0]["id"]: False}


def test_an_edit_racing_the_job_sends_nothing_twice(deps, clock, user) -> None:
    task = _create(deps, user, "race", "2026-03-01T12:30:00Z")
    # The job records the due_soon between the edit's read and its write. Recording does
    # not change the version, so the edit commits with the reminder bookkeeping it read
    # and files the due_soon again; the notification's fixed id keeps it single.
    deps.tasks.before_write.append(lambda: _run(deps))
    task_service.update_task(deps, user, task.id, {"title": "race, edited"})
    assert deps.tasks.item(user, task.id).notify_kind == "due_soon"
    _run(deps, 3)
    clock.now = _at(12, 31)
    _run(deps, 3)
    assert _sent(deps, user) == [("due_soon", "race"), ("overdue", "race, edited")]


# ----------------------------------------------------------------- v1.1 reminders


def _notes(deps, user: str) -> list[tuple[str, str, str | None]]:
    """Every notification stored: (type, occurrence_due_at, remind_at), oldest first."""
    page = reminders.list_notifications(deps, user, {"limit": "100"})
    return [(n["type"], n["occurrence_due_at"], n["remind_at"]) for n in reversed(page.items)]


def _run_until(deps, clock, end: datetime, step: timedelta = timedelta(minutes=5)) -> None:
    """The job every ``step`` (three runs each time, as overlapping schedulers might)."""
    while clock() < end:
        clock.advance(seconds=step.total_seconds())
        _run(deps, 3)


def test_each_reminder_fires_once_then_overdue(deps, clock, user) -> None:
    fields = {
        "title": "visa",
        "due_at": "2026-03-01T15:00:00Z",
        "reminders": [
            {"before_minutes": 120},
            {"before_minutes": 30},
            {"at": "2026-03-01T16:00:00Z"},  # after the deadline: still comes
        ],
    }
    task_service.create_task(deps, user, fields)
    _run_until(deps, clock, _at(17))
    due = "2026-03-01T15:00:00.000Z"
    assert _notes(deps, user) == [
        ("reminder", due, "2026-03-01T13:00:00.000Z"),
        ("reminder", due, "2026-03-01T14:30:00.000Z"),
        ("overdue", due, None),
        ("reminder", due, "2026-03-01T16:00:00.000Z"),
    ]
    [created] = [
        n for n in deps.notifications.stored(user) if n.remind_at == "2026-03-01T13:00:00.000Z"
    ]
    assert created.created_at == "2026-03-01T13:00:00.000Z"  # on time, not at the end


def test_no_reminders_means_overdue_only_and_null_the_default(deps, clock, user) -> None:
    task_service.create_task(
        deps, user, {"title": "none", "due_at": "2026-03-01T14:00:00Z", "reminders": []}
    )
    task_service.create_task(deps, user, {"title": "default", "due_at": "2026-03-01T14:00:00Z"})
    _run_until(deps, clock, _at(15))
    assert _sent(deps, user) == [
        ("due_soon", "default"),
        ("overdue", "default"),
        ("overdue", "none"),
    ]


def test_editing_reminders_arms_only_the_new_ones(deps, clock, user) -> None:
    task = task_service.create_task(
        deps,
        user,
        {"title": "t", "due_at": "2026-03-01T16:00:00Z", "reminders": [{"before_minutes": 240}]},
    )
    _run_until(deps, clock, _at(12, 30))
    assert [n[2] for n in _notes(deps, user)] == ["2026-03-01T12:00:00.000Z"]
    change = {"reminders": [{"before_minutes": 240}, {"before_minutes": 60}]}
    task_service.update_task(deps, user, task.id, change)
    _run_until(deps, clock, _at(15, 30))
    assert [n[2] for n in _notes(deps, user)] == [
        "2026-03-01T12:00:00.000Z",
        "2026-03-01T15:00:00.000Z",
    ]
    # A reminder added when its moment has passed (but not the deadline) comes at once.
    task_service.update_task(deps, user, task.id, {"reminders": [{"before_minutes": 120}]})
    _run(deps, 3)
    assert [n[2] for n in _notes(deps, user)][-1] == "2026-03-01T14:00:00.000Z"
    # Re-dating re-arms everything, for the new occurrence.
    task_service.update_task(deps, user, task.id, {"due_at": "2026-03-01T18:00:00Z"})
    _run_until(deps, clock, _at(18, 30))
    assert [n[:2] for n in _notes(deps, user)][-2:] == [
        ("reminder", "2026-03-01T18:00:00.000Z"),
        ("overdue", "2026-03-01T18:00:00.000Z"),
    ]
    assert len(_notes(deps, user)) == 5


def test_a_recurring_task_is_reminded_for_each_occurrence(deps, clock) -> None:
    user = new_user(deps, timezone="Europe/Berlin")
    fields = {
        "title": "stand-up",
        "due_at": "2026-03-02T08:00:00Z",  # 09:00 Berlin
        "recurrence": {"rule": "FREQ=DAILY;COUNT=3"},
        "reminders": [{"before_minutes": 15}, {"at": "2026-03-02T07:50:00Z"}],
    }
    task = task_service.create_task(deps, user, fields)
    for day in (2, 3, 4):
        _run_until(deps, clock, _at(8, 30, day=day))
        current = task_service.get_task(deps, user, task.id)
        task_service.set_completed(deps, user, task.id, True, expected_version=current.version)
    _run_until(deps, clock, _at(12, day=5))
    occurrences = [
        "2026-03-02T08:00:00.000Z",
        "2026-03-03T08:00:00.000Z",
        "2026-03-04T08:00:00.000Z",
    ]
    expected = [
        ("reminder", occurrences[0], "2026-03-02T07:45:00.000Z"),
        ("reminder", occurrences[0], "2026-03-02T07:50:00.000Z"),  # the `at`, once
        ("overdue", occurrences[0], None),
        ("reminder", occurrences[1], "2026-03-03T07:45:00.000Z"),
        ("overdue", occurrences[1], None),
        ("reminder", occurrences[2], "2026-03-04T07:45:00.000Z"),
        ("overdue", occurrences[2], None),
    ]
    assert _notes(deps, user) == expected
    assert task_service.get_task(deps, user, task.id).completed  # COUNT=3: over
    assert deps.tasks.item(user, task.id).notify_at is None


def test_completing_an_occurrence_early_arms_the_next_one(deps, clock) -> None:
    user = new_user(deps, timezone="Europe/Berlin")
    fields = {
        "title": "gym",
        "due_at": "2026-03-01T17:00:00Z",
        "recurrence": {"rule": "FREQ=DAILY"},
    }
    task = task_service.create_task(deps, user, fields)
    task_service.set_completed(deps, user, task.id, True)  # before any reminder
    _run_until(deps, clock, _at(18, day=2))
    assert _notes(deps, user) == [
        ("due_soon", "2026-03-02T17:00:00.000Z", "2026-03-02T16:00:00.000Z"),
        ("overdue", "2026-03-02T17:00:00.000Z", None),
    ]


def test_after_an_outage_missed_reminders_come_once_even_late(deps, clock, user) -> None:
    ahead = {
        "title": "ahead",
        "due_at": "2026-03-01T22:00:00Z",
        "reminders": [{"before_minutes": 600}, {"before_minutes": 360}, {"before_minutes": 60}],
    }
    passed = {
        "title": "passed",
        "due_at": "2026-03-01T16:00:00Z",
        "reminders": [{"before_minutes": 120}, {"at": "2026-03-01T19:00:00Z"}],
    }
    task_service.create_task(deps, user, ahead)
    task_service.create_task(deps, user, passed)
    _run(deps)  # 12:00: ahead's first reminder (600 min before) falls now
    clock.now = _at(20)  # eight hours without a run
    reports = _run(deps, 3)
    assert [dict(r.sent) for r in reports] == [{"reminder": 3, "overdue": 1}, {}, {}]
    notes = {
        (n["task_title"], n["type"], n["remind_at"])
        for n in reminders.list_notifications(deps, user, {"limit": "100"}).items
    }
    assert notes == {
        ("ahead", "reminder", "2026-03-01T12:00:00.000Z"),
        ("ahead", "reminder", "2026-03-01T16:00:00.000Z"),  # missed, the deadline ahead
        ("passed", "overdue", None),
        ("passed", "reminder", "2026-03-01T14:00:00.000Z"),  # six hours late, once
        ("passed", "reminder", "2026-03-01T19:00:00.000Z"),  # after the deadline: due
    }


def test_the_job_reads_only_what_is_due_among_recurring_tasks(deps, clock, user) -> None:
    for i in range(30):
        fields = {
            "title": f"weekly {i}",
            "due_at": "2026-03-05T09:00:00Z",
            "recurrence": {"rule": "FREQ=WEEKLY"},
            "reminders": [{"before_minutes": 30}, {"before_minutes": 10}],
        }
        task_service.create_task(deps, user, fields)
    task_service.create_task(
        deps, user, {"title": "due", "due_at": "2026-03-01T12:20:00Z", "reminders": []}
    )
    clock.now = _at(12, 21)
    [report] = _run(deps)
    assert (report.examined, dict(report.sent)) == (1, {"overdue": 1})
    assert deps.notifications.pending_items_read == 1


def test_redating_never_sends_an_at_reminder_again(deps, clock, user) -> None:
    """Sent at Wed 09:00 for a Friday deadline; moved to Monday on Thursday: the ``at``
    reminder stays sent, the lead-time one is armed for Monday."""
    fields = {
        "title": "report",
        "due_at": "2026-03-06T17:00:00Z",
        "reminders": [{"at": "2026-03-04T09:00:00Z"}, {"before_minutes": 60}],
    }
    task = task_service.create_task(deps, user, fields)
    _run_until(deps, clock, _at(9, 5, day=4), step=timedelta(hours=1))
    assert [n[2] for n in _notes(deps, user)] == ["2026-03-04T09:00:00.000Z"]
    clock.now = _at(10, day=5)
    task_service.update_task(deps, user, task.id, {"due_at": "2026-03-09T17:00:00Z"})
    _run_until(deps, clock, _at(17, 1, day=9), step=timedelta(hours=1))
    assert _notes(deps, user) == [
        ("reminder", "2026-03-06T17:00:00.000Z", "2026-03-04T09:00:00.000Z"),
        ("reminder", "2026-03-09T17:00:00.000Z", "2026-03-09T16:00:00.000Z"),
        ("overdue", "2026-03-09T17:00:00.000Z", None),
    ]
