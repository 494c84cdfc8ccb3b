"""Sync replies: tasks and lists changed since a point, and tombstones of deleted ones."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from taskcore.schemas.fields import Instant
from taskcore.schemas.lists import ListOut
from taskcore.schemas.tasks import TASK_EXAMPLE, TaskOut


class Tombstone(BaseModel):
    """A deleted task or list, as sync reports it."""

    id: str
    deleted: Literal[True]
    deleted_at: Instant
    kind: Literal["task", "list"]


class TaskChange(TaskOut):
    """A task as sync reports it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**TASK_EXAMPLE, "kind": "task"}]})

    kind: Literal["task"]


class ListChange(ListOut):
    """A list as sync reports it."""

    kind: Literal["list"]


class SyncPage(BaseModel):
    """Reply of ``GET /v1/sync``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "changes": [
                        {**TASK_EXAMPLE, "kind": "task"},
                        {
                            "id": "01JQ5Z9C3D4E5F6G7H8J9K0M1N",
                            "deleted": True,
                            "deleted_at": "2026-03-02T08:00:00.000Z",
                            "kind": "task",
                        },
                    ],
                    "next_since": "eyJzIjoxMn0.c2ln",
                    "has_more": False,
                }
            ]
        }
    )

    changes: list[TaskChange | ListChange | Tombstone]
    next_since: str
    has_more: bool
