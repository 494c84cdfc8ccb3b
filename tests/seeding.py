"""Bulk-loading tasks for scale tests and benchmarks.

Going through the service costs one transaction per task, and moto copies every table a
transaction touches (to undo it on failure), so seeding thousands of tasks that way takes
quadratic time. This writes the same items in batches instead: the task items with their
index keys, their search entries, their list-index entries (at the end of the Inbox),
and the account's counters, exactly as the service would have left them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from taskcore.domain.listing import Segment
from taskcore.domain.lists import inbox_id
from taskcore.domain.positions import key_between, siblings_prefix
from taskcore.domain.search import index_prefixes
from taskcore.domain.task import Task, TaskChanges, new_task
from taskcore.repositories.tasks import to_entry, to_item
from taskcore.repositories.users import user_key
from taskcore.services.deps import Deps
from taskcore.storage.models import ListEntryModel, SearchEntryModel, TaskModel, UserModel


def seed_tasks(
    deps: Deps, user_id: str, fields: Iterable[TaskChanges], list_id: str | None = None
) -> list[Task]:
    """Store one task per ``fields`` for ``user_id``, as if created one after another at
    the end of ``list_id`` (default: the Inbox; the list must exist)."""
    user = deps.users.get(user_id)
    assert user is not None
    now = deps.clock()
    tasks: list[Task] = []
    seq = user.change_seq
    inbox = list_id or inbox_id(user_id)
    end = Segment("by_position", "position_key", prefix=siblings_prefix(None), list_id=inbox)
    last = next(
        (
            t.position
            for t, _ in deps.tasks.query(user_id, end, forward=False, start=None, page_size=1)
        ),
        None,
    )
    with (
        TaskModel.batch_write() as task_batch,
        SearchEntryModel.batch_write() as entries,
        ListEntryModel.batch_write() as listed,
    ):
        for n, changes in enumerate(fields):
            moment = now + timedelta(milliseconds=n)
            last = key_between(last, None)
            task = new_task(deps.new_id(), user_id, changes, moment, owner_zone=user.timezone)
            task = replace(task, list_id=inbox, position=last)
            seq += 1
            item = to_item(task, user, seq, moment, deps.settings.due_index_shards)
            task_batch.save(item)
            listed.save(to_entry(item))
            for prefix in index_prefixes(task.title, task.description):
                entries.save(SearchEntryModel(user_id, f"{prefix}#{task.id}", task_id=task.id))
            tasks.append(task)
    UserModel(user_key(user_id)).update(
        actions=[
            UserModel.change_seq.set(seq),
            UserModel.task_count.set(user.task_count + len(tasks)),
        ]
    )
    return tasks
