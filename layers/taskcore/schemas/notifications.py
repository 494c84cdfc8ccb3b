"""Notification replies: due-soon, overdue and reminder notifications."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from taskcore.schemas.fields import DUE_FORMATS, Instant, JsonDict
from taskcore.schemas.tasks import TASK_ID_EXAMPLE

_NOTIFICATION_EXAMPLE: JsonDict = {
    "id": "01JQ5ZB0C1D2E3F4G5H6J7K8M9",
    "type": "due_soon",
    "task_id": TASK_ID_EXAMPLE,
    "task_title": "Buy groceries",
    "due_at": "2026-03-29T16:00:00.000Z",
    "occurrence_due_at": "2026-03-29T16:00:00.000Z",
    "remind_at": "2026-03-29T15:00:00.000Z",
    "created_at": "2026-03-29T15:00:00.000Z",
    "read": False,
}


class Notification(BaseModel):
    """A due-date notification."""

    model_config = ConfigDict(json_schema_extra={"examples": [_NOTIFICATION_EXAMPLE]})

    id: str
    type: Literal["due_soon", "overdue", "reminder"]
    task_id: str
    task_title: str
    due_at: Annotated[
        str,
        Field(description="The due date the notification is about"),
        WithJsonSchema({"anyOf": DUE_FORMATS["anyOf"]}),
    ]
    occurrence_due_at: Annotated[
        str,
        Field(description="The due date of the occurrence it is about"),
        WithJsonSchema({"anyOf": DUE_FORMATS["anyOf"]}),
    ]
    remind_at: Instant | None = Field(
        description="When a due_soon or reminder notification was meant for (null for overdue)"
    )
    created_at: Instant
    read: bool


class NotificationPageOut(BaseModel):
    """Reply of ``GET /v1/notifications``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_NOTIFICATION_EXAMPLE], "next_cursor": None}]}
    )

    items: list[Notification]
    next_cursor: str | None
