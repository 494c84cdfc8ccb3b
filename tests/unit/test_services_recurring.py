"""Task zones and recurring tasks through the task service, on fakes.

The clock starts at 2026-03-01T12:00:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fakes import new_user
from taskcore.errors import PreconditionFailed, ValidationFailed
from taskcore.services import listing, sync
from taskcore.services import tasks as task_service
from taskcore.services.ports import WriteOutcome

STAND_UP = {"rule": "FREQ=DAILY"}


@pytest.fixture
def berlin(deps) -> str:
    return new_user(deps, timezone="Europe/Berlin")


def _create(deps, user: str, **fields):
    return task_service.create_task(deps, user, {"title": "stand-up", **fields})


def _field_errors(caught: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {error.field: error.message for error in caught.value.errors}


# ------------------------------------------------------------------------ zones


def test_a_due_date_is_meant_in_the_owners_zone_unless_the_task_says(deps, berlin) -> None:
    timed = _create(deps, berlin, due_at="2026-03-02T08:00:00Z")
    assert (timed.due_tz, timed.due_local) == ("Europe/Berlin", "2026-03-02T09:00:00")
    tokyo = _create(deps, berlin, due_at="2026-03-02T08:00:00Z", due_tz="Asia/Tokyo")
    assert tokyo.to_public()["due_local"] == "2026-03-02T17:00:00"
    undated = _create(deps, berlin)
    assert (undated.due_tz, undated.due_local) == (None, None)
    all_day = _create(deps, berlin, due_at="2026-03-02", due_tz="Pacific/Auckland")
    assert all_day.to_public()["due_local"] == "2026-03-02"
    cleared = task_service.update_task(deps, berlin, tokyo.id, {"due_at": None})
    assert cleared.due_tz is None  # a zone belongs to a due date


def test_a_zone_without_a_due_date_is_refused(deps, berlin) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(deps, berlin, due_tz="Asia/Tokyo")
    assert _field_errors(caught) == {"due_tz": "needs a due date (due_at)"}
    with pytest.raises(ValidationFailed) as caught:
        _create(deps, berlin, due_at="2026-03-02", due_tz="Mars/Olympus")
    assert "due_tz" in _field_errors(caught)


def test_all_day_deadlines_and_overdue_follow_the_tasks_zone(deps, clock) -> None:
    user = new_user(deps)  # UTC
    auckland = _create(deps, user, due_at="2026-03-29", due_tz="Pacific/Auckland")
    new_york = _create(deps, user, due_at="2026-03-29", due_tz="America/New_York")
    # The 29th ends at 11:00Z in Auckland (+13:00) and at 04:00Z on the 30th in New York.
    assert deps.tasks.item(user, auckland.id).task.deadline_key == "2026-03-29T10:59:59.999Z"
    assert deps.tasks.item(user, new_york.id).task.deadline_key == "2026-03-30T03:59:59.999Z"
    clock.now = datetime(2026, 3, 29, 12, tzinfo=UTC)
    overdue = listing.list_tasks(deps, user, {"overdue": "true"}).items
    assert [task.id for task in overdue] == [auckland.id]
    # A date bound stays a day in the user's own zone (UTC here): both are due on the 29th.
    found = listing.list_tasks(deps, user, {"due_from": "2026-03-29", "due_until": "2026-03-30"})
    assert {task.id for task in found.items} == {auckland.id, new_york.id}
    found = listing.list_tasks(deps, user, {"due_until": "2026-03-29"})
    assert [task.id for task in found.items] == [auckland.id]


def test_a_task_from_before_v11_is_pinned_when_re_dated(deps, clock, berlin) -> None:
    task = _create(deps, berlin, due_at="2026-03-02")
    deps.tasks.forget_zone(berlin, task.id, clock())
    legacy = task_service.get_task(deps, berlin, task.id)
    assert (legacy.due_tz, legacy.to_public()["due_tz"], legacy.due_local) == (
        None,
        None,
        "2026-03-02",
    )
    renamed = task_service.update_task(deps, berlin, task.id, {"title": "renamed"})
    assert renamed.due_tz is None  # still following the owner's zone
    redated = task_service.update_task(deps, berlin, task.id, {"due_at": "2026-03-03"})
    assert redated.due_tz == "Europe/Berlin"


# ------------------------------------------------------------------- recurrence


def test_completing_a_recurring_task_moves_it_to_the_next_occurrence(deps, clock, berlin) -> None:
    task = _create(deps, berlin, due_at="2026-03-02T08:00:00Z", recurrence=STAND_UP)
    assert task.to_public()["recurrence"] == {"rule": "FREQ=DAILY", "from": "due"}
    seq, writes = deps.users.stored(berlin).change_seq, deps.tasks.writes
    clock.advance(days=1)
    done = task_service.set_completed(deps, berlin, task.id, True)
    assert done.due.value == "2026-03-03T08:00:00.000Z" and done.due_local.endswith("09:00:00")
    assert (done.completed, done.completed_at) == (False, None)
    assert done.last_completed_at == "2026-03-02T12:00:00.000Z"
    assert done.version == task.version + 1
    # One write, one change for sync.
    assert deps.tasks.writes == writes + 1
    assert deps.users.stored(berlin).change_seq == seq + 1
    changes = sync.changes_since(deps, berlin, {}).changes
    tasks = [c for c in changes if c["kind"] == "task"]  # the Inbox is a change too
    assert [(c["id"], c["due_at"]) for c in tasks] == [(task.id, "2026-03-03T08:00:00.000Z")]
    patched = task_service.update_task(deps, berlin, task.id, {"completed": True})
    assert patched.due.value == "2026-03-04T08:00:00.000Z" and not patched.completed


def test_if_match_makes_a_double_click_complete_one_occurrence(deps, berlin) -> None:
    task = _create(deps, berlin, due_at="2026-03-02T08:00:00Z", recurrence=STAND_UP)
    first = task_service.set_completed(deps, berlin, task.id, True, expected_version=task.version)
    with pytest.raises(PreconditionFailed):
        task_service.set_completed(deps, berlin, task.id, True, expected_version=task.version)
    stored = task_service.get_task(deps, berlin, task.id)
    assert stored == first and stored.due.value == "2026-03-03T08:00:00.000Z"
    # Without If-Match each completion is one more occurrence done, by design.
    again = task_service.set_completed(deps, berlin, task.id, True)
    assert again.due.value == "2026-03-04T08:00:00.000Z"


def test_a_completion_whose_reply_was_lost_is_not_applied_twice(deps, berlin) -> None:
    """The store commits the completion but the reply is lost: the retry finds the next
    occurrence and leaves it open, instead of completing that one too."""
    task = _create(deps, berlin, due_at="2026-03-02T08:00:00Z", recurrence=STAND_UP)
    write_batch = deps.tasks.write_batch

    def commit_then_lose_the_reply(user, batch, now):
        deps.tasks.write_batch = write_batch
        assert write_batch(user, batch, now) is WriteOutcome.COMMITTED
        return WriteOutcome.TASK_CHANGED

    deps.tasks.write_batch = commit_then_lose_the_reply
    done = task_service.set_completed(deps, berlin, task.id, True)
    assert done.due.value == "2026-03-03T08:00:00.000Z" and not done.completed
    assert task_service.get_task(deps, berlin, task.id).version == task.version + 1


def test_reopening_an_open_recurring_task_changes_nothing(deps, berlin) -> None:
    task = _create(deps, berlin, due_at="2026-03-02", recurrence=STAND_UP)
    writes = deps.tasks.writes
    assert task_service.set_completed(deps, berlin, task.id, False) == task
    assert deps.tasks.writes == writes


def test_the_end_of_the_series_completes_the_task_for_good(deps, clock, berlin) -> None:
    rule = {"rule": "FREQ=WEEKLY;COUNT=2"}
    task = _create(deps, berlin, due_at="2026-03-02", recurrence=rule)
    second = task_service.set_completed(deps, berlin, task.id, True)
    assert (second.due.value, second.completed) == ("2026-03-09", False)
    clock.advance(hours=1)
    last = task_service.set_completed(deps, berlin, task.id, True)
    assert (last.due.value, last.completed) == ("2026-03-09", True)
    assert last.completed_at == last.last_completed_at == "2026-03-01T13:00:00.000Z"
    writes = deps.tasks.writes
    assert task_service.set_completed(deps, berlin, task.id, True) == last  # idempotent
    assert deps.tasks.writes == writes
    reopened = task_service.set_completed(deps, berlin, task.id, False)
    assert (reopened.completed, reopened.due.value) == (False, "2026-03-09")


def test_from_completion_skips_what_was_missed(deps, clock, berlin) -> None:
    rule = {"rule": "FREQ=DAILY", "from": "completion"}
    task = _create(deps, berlin, due_at="2026-02-20T08:00:00Z", recurrence=rule)
    done = task_service.set_completed(deps, berlin, task.id, True)  # at 13:00 Berlin
    assert done.due.value == "2026-03-02T08:00:00.000Z"
    late = _create(deps, berlin, due_at="2026-02-20T08:00:00Z", recurrence=STAND_UP)
    assert task_service.set_completed(deps, berlin, late.id, True).due.value == (
        "2026-02-21T08:00:00.000Z"
    )


def test_a_recurrence_needs_a_due_date(deps, berlin) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(deps, berlin, recurrence=STAND_UP)
    assert _field_errors(caught) == {"recurrence": "needs a due date (due_at)"}
    task = _create(deps, berlin, due_at="2026-03-02", recurrence=STAND_UP)
    with pytest.raises(ValidationFailed) as caught:
        task_service.update_task(deps, berlin, task.id, {"due_at": None})
    assert _field_errors(caught) == {"due_at": "a recurring task needs a due date"}
    plain = task_service.update_task(deps, berlin, task.id, {"due_at": None, "recurrence": None})
    assert (plain.due, plain.recurrence) == (None, None)


def test_an_unsupported_rule_part_is_named(deps, berlin) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(deps, berlin, due_at="2026-03-02", recurrence={"rule": "FREQ=DAILY;BYHOUR=9"})
    message = _field_errors(caught)["recurrence.rule"]
    assert message.startswith("BYHOUR is not supported")
    with pytest.raises(ValidationFailed) as caught:
        _create(deps, berlin, due_at="2026-03-02", recurrence={"rule": "FREQ=DAILY", "from": "x"})
    assert "recurrence.from" in _field_errors(caught)


def test_a_new_due_date_or_rule_restarts_the_series(deps, berlin) -> None:
    rule = {"rule": "FREQ=DAILY;COUNT=2"}
    task = _create(deps, berlin, due_at="2026-03-02T08:00:00Z", recurrence=rule)
    assert task.recurrence.anchor == "2026-03-02T09:00:00"
    same = task_service.update_task(deps, berlin, task.id, {"recurrence": rule})
    assert same == task  # the same series: nothing to change
    moved = task_service.update_task(deps, berlin, task.id, {"due_at": "2026-03-05T09:30:00Z"})
    assert moved.recurrence.anchor == "2026-03-05T10:30:00"
    second = task_service.set_completed(deps, berlin, task.id, True)
    assert second.due.value == "2026-03-06T09:30:00.000Z"  # COUNT counts from the 5th
    assert task_service.set_completed(deps, berlin, task.id, True).completed


def test_reminders_are_kept_once_each_in_the_order_given(deps, berlin) -> None:
    reminders = [
        {"before_minutes": 60},
        {"at": "2026-03-02T08:00:00+01:00"},
        {"before_minutes": 60},
        {"before_minutes": 0},
    ]
    task = _create(deps, berlin, due_at="2026-03-02", reminders=reminders)
    assert task.to_public()["reminders"] == [
        {"before_minutes": 60},
        {"at": "2026-03-02T07:00:00.000Z"},
        {"before_minutes": 0},
    ]
    none = task_service.update_task(deps, berlin, task.id, {"reminders": []})
    assert none.to_public()["reminders"] == []
    default = task_service.update_task(deps, berlin, task.id, {"reminders": None})
    assert default.to_public()["reminders"] is None
    with pytest.raises(ValidationFailed) as caught:
        task_service.update_task(deps, berlin, task.id, {"reminders": [{"before_minutes": 1}] * 6})
    assert "reminders" in _field_errors(caught)
    with pytest.raises(ValidationFailed) as caught:
        task_service.update_task(deps, berlin, task.id, {"reminders": [{"before_minutes": 40321}]})
    assert "reminders.0.before_minutes" in _field_errors(caught)
