"""The call counter's capacity units on moto (layers/taskcore/storage/metering.py): what a
task write really costs, index by index, and where each unit lands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from taskcore.bootstrap import Runtime
from taskcore.domain.reminders import shard_of
from taskcore.services import accounts, reminders
from taskcore.services import tasks as task_service
from taskcore.services.deps import Deps
from taskcore.storage import ALL_MODELS, DynamoCallCounter
from taskcore.storage.metering import image_reader
from taskcore.storage.models import LOGICAL_NAMES, TaskModel
from taskcore.storage.units import table_shapes

TASK_LSIS = {"by_due", "by_status_due", "by_status_created", "by_updated", "by_seq"}


@pytest.fixture
def metered(deps: Deps, runtime: Runtime) -> Iterator[DynamoCallCounter]:
    counter = DynamoCallCounter()
    counter.measure_units(
        table_shapes(ALL_MODELS, LOGICAL_NAMES), image_reader(deps.settings.aws_region)
    )
    counter.attach(ALL_MODELS, runtime.connection)
    yield counter
    counter.detach()


def _user(deps: Deps) -> str:
    session = accounts.register(
        deps, {"email": f"u-{deps.new_id()}@example.com", "password": "correct horse"}
    )
    return str(session["user"]["id"])


def test_a_task_write_costs_its_item_twice_and_an_entry_in_every_index(
    deps: Deps, metered: DynamoCallCounter
) -> None:
    user = _user(deps)
    metered.reset()
    task = task_service.create_task(
        deps, user, {"title": "renew the passport", "due_at": "2026-03-01T15:00:00Z"}
    )
    writes = [c for c in metered.charges if c.kind == "write"]
    tasks = [c for c in writes if c.table == "tasks"]
    # The item (a transaction: twice) and the check that its list takes tasks (read
    # inside the transaction, billed like a write of it), the five local indexes in the
    # user's partition, and the due-time index in the partition of its hour and shard.
    assert [c.units for c in tasks if c.index is None] == [2, 2]
    assert {c.index for c in tasks if c.index} == TASK_LSIS | {"by_notify_bucket"}
    assert {c.partition for c in tasks if c.index != "by_notify_bucket"} == {user}
    (due,) = [c for c in tasks if c.index == "by_notify_bucket"]
    stored = TaskModel.get(user, "T#" + task.id)
    shard = shard_of(task.id, deps.settings.due_index_shards)
    assert due.partition == stored.notify_bucket
    assert due.partition == ("2026-03-01T14" if shard == 0 else f"2026-03-01T14#{shard}")
    assert sum(c.units for c in tasks) == 2 + 2 + 6  # far more than one unit: report it
    # Its list-index entry (and that table's five indexes), its search entries, the
    # account's change number: every table the transaction writes.
    assert {c.table for c in writes} == {"tasks", "list_index", "search", "users"}
    assert metered.units("write") == sum(c.units for c in writes)


def test_reads_are_charged_per_4_kb_and_consistency(deps: Deps, metered: DynamoCallCounter) -> None:
    user = _user(deps)
    task = task_service.create_task(deps, user, {"title": "t", "due_at": "2026-03-01T12:30:00Z"})
    metered.reset()
    deps.tasks.get(user, task.id)
    (read,) = metered.charges
    assert (read.table, read.index, read.partition, read.units) == ("tasks", None, user, 1.0)
    # The job: an eventually consistent Query of the due-time index (half a unit each,
    # empty ones too), then a transaction per reminder.
    metered.reset()
    reminders.run_due_date_job(deps)
    index_reads = [c for c in metered.charges if c.index == "by_notify_bucket" and c.kind == "read"]
    assert len(index_reads) == 2 * deps.settings.due_index_shards
    assert {c.units for c in index_reads} == {0.5}
    kinds = Counter((c.table, c.index, c.partition) for c in metered.charges if c.kind == "write")
    assert kinds[("notifications", None, user)] == 1  # the due_soon notification
    assert kinds[("notifications", None, "#job")] == 4  # each shard's first progress mark
    # The task moves on to its overdue notification, in the same hour and shard: its
    # entry's sort key changes, so the entry is deleted and put again, in one partition.
    due_index = [p for (table, index, p) in kinds if index == "by_notify_bucket"]
    assert len(due_index) == 1 and kinds[("tasks", "by_notify_bucket", due_index[0])] == 2
