"""The stored form of a list: an ``L#<list id>`` item of its owner's partition of the tasks
table (see :mod:`taskcore.repositories.lists`)."""

from __future__ import annotations

from taskcore.domain.lists import TaskList
from taskcore.storage.models import TaskModel

LIST = "L#"


def list_item(task_list: TaskList, seq: int) -> TaskModel:
    """The stored form of a list, with the change number of its last change."""
    return TaskModel(
        task_list.user_id,
        LIST + task_list.id,
        task_id=task_list.id,
        list_id=task_list.id,
        kind="list",
        name=task_list.name,
        position=task_list.position,
        is_inbox=task_list.is_inbox,
        deleting=task_list.deleting or None,
        created_at=task_list.created_at,
        updated_at=task_list.updated_at,
        version=task_list.version,
        seq=seq,
    )


def to_list(item: TaskModel) -> TaskList:
    """The domain list of a stored ``L#`` item."""
    return TaskList(
        id=item.task_id,
        user_id=item.user_id,
        name=item.name or "",
        position=item.position or "",
        is_inbox=bool(item.is_inbox),
        created_at=item.created_at or "",
        updated_at=item.updated_at or "",
        version=int(item.version),
        deleting=bool(item.deleting),
    )
