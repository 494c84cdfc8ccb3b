"""The due-date job and notifications, with a controlled clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from seeding import seed_tasks
from taskcore.domain.due import Due
from taskcore.domain.task import TaskChanges
from taskcore.services import accounts, reminders
from taskcore.services import tasks as task_service


def _user(deps, **profile) -> str:
    session = accounts.register(
        deps, {"email": f"r-{deps.new_id()}@example.com", "password": "correct horse", **profile}
    )
    user_id = str(session["user"]["id"])
    return user_id


def _kinds(deps, user_id: str) -> list[tuple[str, str]]:
    page = reminders.list_notifications(deps, user_id, {"limit": "100"})
    return sorted((n["type"], n["task_title"]) for n in page.items)


def test_due_soon_then_overdue_exactly_once(deps, clock) -> None:
    user = _user(deps)  # lead time 60 minutes
    task_service.create_task(deps, user, {"title": "call", "due_at": "2026-03-01T14:00:00Z"})
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == []
    clock.now = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)  # exactly one hour before
    for _ in range(3):
        reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "call")]
    clock.now = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)  # due, not yet overdue
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "call")]
    clock.now = datetime(2026, 3, 1, 14, 0, 1, tzinfo=UTC)
    for _ in range(3):
        reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "call"), ("overdue", "call")]


def test_all_day_tasks_use_the_end_of_the_day_in_the_owners_zone(deps, clock) -> None:
    user = _user(deps, timezone="America/New_York")
    task_service.create_task(deps, user, {"title": "taxes", "due_at": "2026-03-08"})
    # 2026-03-08 is the day New York springs forward: it ends at 2026-03-09T03:59:59.999Z.
    clock.now = datetime(2026, 3, 9, 2, 59, 59, tzinfo=UTC)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == []
    clock.now = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "taxes")]
    clock.now = datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "taxes")]
    clock.now = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "taxes"), ("overdue", "taxes")]


def test_a_task_created_overdue_gets_only_the_overdue_notification(deps, clock) -> None:
    user = _user(deps)
    task_service.create_task(deps, user, {"title": "late", "due_at": "2026-02-01T10:00:00Z"})
    reminders.run_due_date_job(deps)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("overdue", "late")]


def test_completing_or_deleting_stops_reminders_and_redating_rearms(deps, clock) -> None:
    user = _user(deps)
    done = task_service.create_task(deps, user, {"title": "done", "due_at": "2026-03-01T12:30:00Z"})
    gone = task_service.create_task(deps, user, {"title": "gone", "due_at": "2026-03-01T12:30:00Z"})
    moved = task_service.create_task(
        deps, user, {"title": "moved", "due_at": "2026-03-01T12:30:00Z"}
    )
    reminders.run_due_date_job(deps)  # all three are due within the hour
    assert _kinds(deps, user) == [("due_soon", "done"), ("due_soon", "gone"), ("due_soon", "moved")]
    task_service.set_completed(deps, user, done.id, completed=True)
    task_service.delete_task(deps, user, gone.id)
    task_service.update_task(deps, user, moved.id, {"due_at": "2026-03-02T12:30:00Z"})
    clock.now = datetime(2026, 3, 1, 13, tzinfo=UTC)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "done"), ("due_soon", "gone"), ("due_soon", "moved")]
    clock.now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user).count(("due_soon", "moved")) == 2  # re-armed for the new date


def test_reopening_does_not_repeat_a_notification(deps, clock) -> None:
    user = _user(deps)
    task = task_service.create_task(deps, user, {"title": "t", "due_at": "2026-03-01T11:00:00Z"})
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("overdue", "t")]
    task_service.set_completed(deps, user, task.id, completed=True)
    task_service.set_completed(deps, user, task.id, completed=False)
    task_service.update_task(deps, user, task.id, {"title": "t"})
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("overdue", "t")]


def test_profile_changes_move_reminders(deps, clock) -> None:
    user = _user(deps)
    task_service.create_task(deps, user, {"title": "t", "due_at": "2026-03-01T16:00:00Z"})
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == []
    from taskcore.auth import AccessClaims

    claims = AccessClaims(user_id=user, token_id="x", family_id="f", expires_at=0)
    accounts.update_profile(deps, claims, {"reminder_lead_minutes": 300})
    reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("due_soon", "t")]


def test_overlapping_runs_send_each_notification_once(deps, clock) -> None:
    users = [_user(deps) for _ in range(3)]
    for user in users:
        for i in range(4):
            task_service.create_task(
                deps, user, {"title": f"t{i}", "due_at": "2026-03-01T11:00:00Z"}
            )
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda _: reminders.run_due_date_job(deps), range(4)))
    assert sum(r.sent["overdue"] for r in reports) == 12
    for user in users:
        assert _kinds(deps, user) == [("overdue", f"t{i}") for i in range(4)]


def test_catch_up_after_the_scheduler_was_down(deps, clock) -> None:
    user = _user(deps)
    reminders.run_due_date_job(deps)
    for hour in range(13, 19):
        task_service.create_task(
            deps, user, {"title": f"h{hour}", "due_at": f"2026-03-01T{hour}:30:00Z"}
        )
    clock.now = datetime(2026, 3, 1, 20, tzinfo=UTC)  # nothing ran for eight hours
    report = reminders.run_due_date_job(deps)
    assert _kinds(deps, user) == [("overdue", f"h{hour}") for hour in range(13, 19)]
    assert len(report.buckets) >= 9


def test_job_reads_the_same_for_100_or_5000_stored_tasks(deps, clock, calls) -> None:
    reads = []
    for stored in (100, 5000):
        reminders.run_due_date_job(deps)  # settle earlier tests' tasks
        user = _user(deps)
        later = Due("2026-06-01T10:00:00Z", all_day=False)
        seed_tasks(
            deps, user, (TaskChanges(title=f"later {i}", due=later) for i in range(stored - 10))
        )
        soon = Due("2026-03-01T12:40:00Z", all_day=False)
        seed_tasks(deps, user, (TaskChanges(title=f"due {i}", due=soon) for i in range(10)))
        calls.reset()
        report = reminders.run_due_date_job(deps)
        assert report.sent["due_soon"] == 10
        assert "Scan" not in calls.calls
        reads.append(calls.items_read)
        # One Query for the shards' progress marks, then one per hour bucket (the last
        # one and this one) and shard, the empty ones included.
        shards = deps.settings.due_index_shards
        assert calls.calls["Query"] == 1 + 2 * shards == 1 + report.partitions_read
    # The progress marks (one per shard), then the ten due tasks: nothing else is read.
    assert reads == [shards + 10, shards + 10]


def test_notifications_api(api, clock) -> None:
    token = api.token()
    for i in range(3):
        api.create(token, title=f"n{i}", due_at="2026-03-01T11:00:00Z")
    from chalicelib.deps import deps

    reminders.run_due_date_job(deps())
    first = api.request("GET", "/v1/notifications?limit=2", token=token).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.request(
        "GET", f"/v1/notifications?limit=2&cursor={first['next_cursor']}", token=token
    ).json
    items = first["items"] + rest["items"]
    assert rest["next_cursor"] is None
    assert {n["task_title"] for n in items} == {"n0", "n1", "n2"}
    assert set(items[0]) == {
        "id",
        "type",
        "task_id",
        "task_title",
        "due_at",
        "occurrence_due_at",
        "remind_at",
        "created_at",
        "read",
    }
    assert items[0]["occurrence_due_at"] == items[0]["due_at"]
    assert items[0]["remind_at"] is None  # overdue notifications are not reminders
    assert (
        api.request("POST", f"/v1/notifications/{items[0]['id']}/read", token=token).status == 204
    )
    assert (
        api.request("POST", f"/v1/notifications/{items[0]['id']}/read", token=token).status == 204
    )
    unread = api.request("GET", "/v1/notifications?unread=true", token=token).json["items"]
    assert {n["id"] for n in unread} == {items[1]["id"], items[2]["id"]}
    other = api.token()
    assert (
        api.request("POST", f"/v1/notifications/{items[1]['id']}/read", token=other).status == 404
    )
    assert api.request("GET", "/v1/notifications", token=other).json["items"] == []
    assert api.request("GET", "/v1/notifications?unread=maybe", token=token).status == 400


def test_notifications_expire_after_30_days(deps, clock) -> None:
    user = _user(deps)
    task_service.create_task(deps, user, {"title": "old", "due_at": "2026-03-01T11:00:00Z"})
    reminders.run_due_date_job(deps)
    notification = reminders.list_notifications(deps, user, {})
    assert len(notification.items) == 1
    clock.advance(days=31)
    assert reminders.list_notifications(deps, user, {}).items == []
    with pytest.raises(Exception, match="No notification"):
        reminders.mark_read(deps, user, notification.items[0]["id"])


def test_a_transaction_conflict_with_another_run_is_tried_again(deps, clock, monkeypatch) -> None:
    """Two runs writing the same task at once: DynamoDB cancels one with a
    TransactionConflict. That run tries the delivery again rather than giving up on its
    whole group of shards; the notification is stored once."""
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
    from pynamodb.transactions import TransactWrite

    user = _user(deps)
    task_service.create_task(deps, user, {"title": "call", "due_at": "2026-03-01T14:00:00Z"})
    commit = TransactWrite._commit
    conflicts = []

    def conflict_once(self):
        if not conflicts:
            conflicts.append(1)
            items = len(self._put_items) + len(self._update_items)
            reasons: list = [None] * (items - 1)
            reasons.append(CancellationReason(code="TransactionConflict"))
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}}
            cause = VerboseClientError(error, "TransactWriteItems", cancellation_reasons=reasons)
            raise TransactWriteError("conflict", cause=cause)
        return commit(self)

    monkeypatch.setattr(TransactWrite, "_commit", conflict_once)
    clock.now = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    reminders.run_due_date_job(deps)  # (other tests' tasks in these tables may be due too)
    assert conflicts == [1]
    assert _kinds(deps, user) == [("due_soon", "call")]
