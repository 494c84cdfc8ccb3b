"""Upgrading to the sharded due-time index while the job is behind: the single progress
mark of before sharding is where shard 0 (the unsharded key) starts, so nothing filed
before the upgrade is skipped. A module of its own: its tables hold that old mark."""

from __future__ import annotations

from datetime import UTC, datetime

from support import FakeClock
from taskcore.bootstrap import build
from taskcore.cache import Cache
from taskcore.config import Settings
from taskcore.repositories.notifications import JOB_PARTITION, JOB_STATE
from taskcore.services import accounts, reminders
from taskcore.services import tasks as task_service
from taskcore.storage.models import NotificationModel


def test_shard_zero_starts_from_the_mark_of_before_sharding(
    aws: Settings, clock: FakeClock, cache: Cache
) -> None:
    clock.now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    before = build(aws.model_copy(update={"due_index_shards": 1}), clock=clock, cache=cache)
    session = accounts.register(
        before.deps, {"email": "up@example.com", "password": "correct horse"}
    )
    user = str(session["user"]["id"])
    task_service.create_task(
        before.deps, user, {"title": "filed before", "due_at": "2026-03-01T09:30:00Z"}
    )
    # The old job had finished every hour before 08:00, then stopped; the new one (four
    # shards) first runs at 13:00, hours later.
    NotificationModel(JOB_PARTITION, JOB_STATE, watermark="2026-03-01T08").save()
    clock.now = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    after = build(aws.model_copy(update={"due_index_shards": 4}), clock=clock, cache=cache)
    reminders.run_due_date_job(after.deps)
    page = reminders.list_notifications(after.deps, user, {"limit": "10"})
    assert [n["type"] for n in page.items] == ["overdue"]  # no late due_soon, by design
    reminders.run_due_date_job(after.deps)
    assert len(reminders.list_notifications(after.deps, user, {"limit": "10"}).items) == 1
