"""Tasks: create, update and move bodies, with their recurrence and reminder inputs, and
the task replies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from taskcore.domain.task import MAX_BEFORE_MINUTES, MAX_REMINDERS
from taskcore.schemas.fields import (
    DUE_FORMATS,
    Basis,
    Description,
    DueAt,
    DueTz,
    Instant,
    InstantIn,
    ItemId,
    JsonDict,
    ParentId,
    PriorityName,
    Rule,
    Tags,
    Title,
)
from taskcore.schemas.validation import StrictModel


class RecurrenceIn(StrictModel):
    """How a task repeats. Completing it moves ``due_at`` to the next occurrence after
    the current due date (``from: due``) or after the completion (``from: completion``,
    skipping missed occurrences), computed in the task's ``due_tz``."""

    rule: Rule
    from_: Basis = Field("due", alias="from")


class ReminderIn(StrictModel):
    """One reminder: ``before_minutes`` before each occurrence's deadline, or ``at`` an
    instant (exactly one of the two)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["before_minutes"]}, {"required": ["at"]}],
            "examples": [{"before_minutes": 30}, {"at": "2026-03-29T07:30:00+02:00"}],
        }
    )

    before_minutes: Annotated[int | None, Field(ge=0, le=MAX_BEFORE_MINUTES, strict=True)] = None
    at: InstantIn | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ReminderIn:
        if (self.before_minutes is None) == (self.at is None):
            raise ValueError("give exactly one of before_minutes and at")
        return self


Reminders = Annotated[
    list[ReminderIn] | None,
    Field(
        max_length=MAX_REMINDERS,
        description=(
            "null: one due_soon at the user's reminder_lead_minutes; [] none; else up to "
            f"{MAX_REMINDERS} reminders, each a reminder notification per occurrence"
        ),
    ),
]


class TaskCreate(StrictModel):
    """Body of ``POST /v1/tasks``."""

    title: Title
    description: Description = ""
    due_at: DueAt = None
    priority: PriorityName = "normal"
    # pydantic copies a default per instance; ruff cannot tell StrictModel is pydantic's.
    tags: Tags = []  # noqa: RUF012
    completed: Annotated[bool, Field(strict=True)] = False
    list_id: Annotated[ItemId | None, Field(description="Default (or null): the Inbox")] = None
    parent_id: ParentId = None
    due_tz: DueTz | None = None
    recurrence: RecurrenceIn | None = None
    reminders: Reminders = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Buy groceries",
                    "description": "Milk, eggs, bread",
                    "due_at": "2026-03-29T18:00:00+02:00",
                    "priority": "high",
                    "tags": ["errands"],
                }
            ]
        }
    )


class TaskUpdate(StrictModel):
    """Body of ``PATCH /v1/tasks/{id}``: every field optional; ``due_at: null`` clears it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Buy groceries and flowers", "due_at": None, "completed": True}]
        }
    )

    title: Title | None = None
    description: Description | None = None
    due_at: DueAt = None
    priority: PriorityName | None = None
    tags: Tags | None = None
    completed: Annotated[bool | None, Field(strict=True)] = None
    list_id: Annotated[
        ItemId | None, Field(description="Moves the task (with its subtasks) to that list")
    ] = None
    parent_id: ParentId = None
    due_tz: DueTz | None = None
    recurrence: RecurrenceIn | None = None
    reminders: Reminders = None


class TaskMove(StrictModel):
    """Body of ``POST /v1/tasks/{id}/move``: where the task goes. Without ``list_id`` /
    ``parent_id`` it stays in its list (under the anchor's parent when an anchor is
    given); ``after_id`` / ``before_id`` name a task among its new siblings (``after_id:
    null`` = to the end, ``before_id: null`` = to the start; neither = to the end when the
    list or parent changes)."""

    list_id: ItemId | None = None
    parent_id: ParentId = None
    after_id: ItemId | None = None
    before_id: ItemId | None = None


# Replies, and the task the documentation shows as their example (sync shows it too).
TASK_ID_EXAMPLE = "01JQ5Z8R6X2M4T7V9B3N5P7Q9S"
TASK_EXAMPLE: JsonDict = {
    "id": TASK_ID_EXAMPLE,
    "title": "Buy groceries",
    "description": "Milk, eggs, bread",
    "due_at": "2026-03-29T16:00:00.000Z",
    "all_day": False,
    "priority": "high",
    "tags": ["errands"],
    "completed": False,
    "completed_at": None,
    "created_at": "2026-03-01T12:00:00.000Z",
    "updated_at": "2026-03-01T12:00:00.000Z",
    "version": 1,
    "list_id": "inbox-01JQ5Z7A0B1C2D3E4F5G6H7J8K",
    "parent_id": None,
    "position": "a0",
    "due_tz": "Europe/Berlin",
    "due_local": "2026-03-29T18:00:00",
    "recurrence": None,
    "reminders": None,
    "last_completed_at": None,
}


class RecurrenceOut(BaseModel):
    """A task's recurrence as the API returns it."""

    model_config = ConfigDict(populate_by_name=True)

    rule: str
    from_: Basis = Field(alias="from")


class ReminderOut(BaseModel):
    """A reminder as the API returns it: one of the two fields."""

    before_minutes: int | None = Field(None, ge=0, le=MAX_BEFORE_MINUTES)
    at: str | None = None


class TaskOut(BaseModel):
    """A task as the API returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [TASK_EXAMPLE]})

    id: str
    title: str
    description: str
    due_at: Annotated[
        str | None,
        Field(description="A date-time in UTC, or a date for an all-day task"),
        WithJsonSchema({"anyOf": [*DUE_FORMATS["anyOf"], {"type": "null"}]}),
    ]
    all_day: bool
    priority: PriorityName
    tags: list[str]
    completed: bool
    completed_at: Instant | None
    created_at: Instant
    updated_at: Instant
    version: Annotated[int, Field(description="Increases by one on every change; the ETag")]
    list_id: str
    parent_id: str | None
    position: Annotated[str | None, Field(description="Opaque; orders siblings (sort=position)")]
    due_tz: str | None = Field(
        description="IANA zone of the due date; null without one (and on dated tasks from "
        "before v1.1, which follow the user's timezone)"
    )
    due_local: str | None = Field(
        description="due_at as wall time in due_tz (YYYY-MM-DDTHH:MM:SS), or the date of an "
        "all-day task"
    )
    recurrence: RecurrenceOut | None
    reminders: list[ReminderOut] | None
    last_completed_at: Instant | None = Field(
        description="When the latest occurrence of a recurring task was completed"
    )


class TaskPage(BaseModel):
    """Reply of ``GET /v1/tasks``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [TASK_EXAMPLE], "next_cursor": None}]}
    )

    items: list[TaskOut]
    next_cursor: Annotated[str | None, Field(description="null on the last page")]
