from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib import etags
from taskcore.domain.due import Due
from taskcore.domain.recurrence import Basis, Recurrence
from taskcore.domain.task import Priority, Reminder, TaskChanges, apply_changes, new_task

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _task():
    return new_task("01J0", "u1", TaskChanges(title="Write report"), NOW)


def test_new_task_defaults() -> None:
    task = _task()
    assert task.to_public() == {
        "id": "01J0",
        "title": "Write report",
        "description": "",
        "due_at": None,
        "all_day": False,
        "priority": "normal",
        "tags": [],
        "completed": False,
        "completed_at": None,
        "created_at": "2026-03-01T12:00:00.000Z",
        "updated_at": "2026-03-01T12:00:00.000Z",
        "version": 1,
        # Placed by the services (the Inbox, the end of its siblings) before it is stored.
        "list_id": None,
        "parent_id": None,
        "position": None,
        "due_tz": None,
        "due_local": None,
        "recurrence": None,
        "reminders": None,
        "last_completed_at": None,
    }
    assert etags.etag(task.version) == '"1"'


def test_every_change_bumps_the_version_once() -> None:
    later = NOW + timedelta(minutes=5)
    changed = apply_changes(
        _task(), TaskChanges(title="Write the report", priority=Priority.HIGH), later
    )
    assert changed.version == 2
    assert changed.title == "Write the report"
    assert changed.priority is Priority.HIGH
    assert changed.updated_at == "2026-03-01T12:05:00.000Z"


def test_a_change_to_the_same_values_is_no_change() -> None:
    task = _task()
    assert apply_changes(task, TaskChanges(title="Write report"), NOW + timedelta(hours=1)) is task


def test_completing_sets_and_reopening_clears_completed_at() -> None:
    done = apply_changes(_task(), TaskChanges(completed=True), NOW + timedelta(hours=1))
    assert done.completed and done.completed_at == "2026-03-01T13:00:00.000Z"
    again = apply_changes(done, TaskChanges(completed=True), NOW + timedelta(hours=2))
    assert again is done
    reopened = apply_changes(done, TaskChanges(completed=False), NOW + timedelta(hours=3))
    assert not reopened.completed and reopened.completed_at is None
    assert reopened.version == 3


def test_due_date_can_be_set_and_cleared() -> None:
    dated = apply_changes(_task(), TaskChanges(due=Due("2026-03-05", True)), NOW)
    assert dated.to_public()["due_at"] == "2026-03-05" and dated.to_public()["all_day"]
    cleared = apply_changes(dated, TaskChanges(clear_due=True), NOW)
    assert cleared.due is None and cleared.version == 3


def test_index_keys_put_undated_tasks_last_and_status_first() -> None:
    keys = _task().index_keys("UTC")
    assert keys["due_sort"] == "~|01J0"
    assert keys["status_due"] == "0|~|01J0"
    assert keys["status_created"] == "0|01J0"
    dated = apply_changes(_task(), TaskChanges(due=Due("2026-03-05T10:00:00Z", False)), NOW)
    assert dated.index_keys("UTC")["due_sort"] == "2026-03-05T10:00:00.000Z|01J0"


def test_snapshot_round_trip() -> None:
    dated = apply_changes(_task(), TaskChanges(due=Due("2026-03-05", True), tags=("a",)), NOW)
    assert type(dated).from_snapshot(dated.to_snapshot()) == dated


def test_snapshot_round_trip_keeps_the_v11_fields() -> None:
    fields = TaskChanges(
        title="stand-up",
        due=Due("2026-03-02T08:00:00.000Z", False),
        due_tz="Europe/Berlin",
        recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO", Basis.COMPLETION),
        reminders=(Reminder(before_minutes=15), Reminder(at="2026-03-02T07:00:00.000Z")),
    )
    task = new_task("01J1", "u1", fields, NOW)
    done = apply_changes(task, TaskChanges(completed=True), NOW)
    assert done.due.value == "2026-03-09T08:00:00.000Z" and not done.completed
    public = done.to_public()
    assert (public["due_tz"], public["due_local"]) == ("Europe/Berlin", "2026-03-09T09:00:00")
    assert public["recurrence"] == {"rule": "FREQ=WEEKLY;BYDAY=MO", "from": "completion"}
    assert public["reminders"] == [{"before_minutes": 15}, {"at": "2026-03-02T07:00:00.000Z"}]
    assert public["last_completed_at"] == "2026-03-01T12:00:00.000Z"
    rebuilt = type(done).from_snapshot(done.to_snapshot())
    assert rebuilt == done and rebuilt.recurrence.anchor == "2026-03-02T09:00:00"
    # An entry cached before v1.1 still reads.
    v10 = {"user_id", "deadline_key", *list(_task().to_public())[:12]}
    old = {k: v for k, v in _task().to_snapshot().items() if k in v10}
    assert "due_tz" not in old and type(done).from_snapshot(old) == _task()
