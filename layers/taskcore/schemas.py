"""Request and response schemas: validation of client input and the OpenAPI components.

The same pydantic models validate requests and generate ``/v1/openapi.json``, so the
documentation cannot drift from what the service accepts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from taskcore.clock import format_instant
from taskcore.domain.due import DueDateError, is_valid_timezone, parse_due, parse_instant
from taskcore.domain.recurrence import (
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_RULE_LENGTH,
    RecurrenceError,
    parse_rule,
)
from taskcore.domain.task import MAX_BEFORE_MINUTES, MAX_REMINDERS
from taskcore.errors import MAX_FIELD_ERRORS, BadRequest, FieldError, ValidationFailed

_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f.]{2,}$")
READ_ONLY_TASK_FIELDS = frozenset(
    {
        "id",
        "all_day",
        "completed_at",
        "created_at",
        "updated_at",
        "version",
        "due_local",
        "last_completed_at",
    }
)


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be a valid e-mail address of at most 254 characters")
    return value.lower()


def _timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    return value


def _title(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise ValueError("must be 1 to 200 characters after trimming")
    return value


def _due(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_due(value).value
    except DueDateError as exc:
        raise ValueError(exc.message) from exc


def _instant(value: str) -> str:
    try:
        return format_instant(parse_instant(value))
    except DueDateError as exc:
        message = exc.message.replace(", or a date YYYY-MM-DD", "")
        raise ValueError(message) from exc


def _rule(value: str) -> str:
    try:
        return parse_rule(value)
    except RecurrenceError as exc:
        raise ValueError(exc.message) from exc


def _tags(value: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in value:
        seen.setdefault(tag.lower(), None)
    return list(seen)


Email = Annotated[str, Field(max_length=400), AfterValidator(_email)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
LeadMinutes = Annotated[int, Field(ge=0, le=10080, strict=True)]
Title = Annotated[str, Field(max_length=1000), AfterValidator(_title)]
Description = Annotated[str, Field(max_length=10000)]
DueAt = Annotated[
    str | None,
    Field(
        max_length=64,
        description="RFC 3339 date-time with offset, or a date YYYY-MM-DD (all-day)",
    ),
    AfterValidator(_due),
]
Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_tags)]
PriorityName = Literal["low", "normal", "high"]
Instant = Annotated[
    str,
    Field(max_length=64, description="RFC 3339 date-time with offset"),
    AfterValidator(_instant),
]
Rule = Annotated[
    str,
    Field(
        max_length=MAX_RULE_LENGTH,
        description=(
            "An RFC 5545 RRULE (the RRULE: prefix is optional) of FREQ=DAILY, WEEKLY, "
            f"MONTHLY or YEARLY with INTERVAL (1..{MAX_INTERVAL}), BYDAY (MO..SU, with "
            "ordinals such as 1MO or -1FR for MONTHLY and YEARLY), BYMONTHDAY (1..31 or "
            f"-31..-1), BYMONTH (1..12), COUNT (1..{MAX_COUNT}) or UNTIL (YYYYMMDD or "
            "YYYYMMDDTHHMMSSZ); any other part is refused, naming it."
        ),
        examples=["FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12"],
    ),
    AfterValidator(_rule),
]
Basis = Literal["due", "completion"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=False)


class RecurrenceIn(_Strict):
    """How a task repeats. Completing it moves ``due_at`` to the next occurrence after
    the current due date (``from: due``) or after the completion (``from: completion``,
    skipping missed occurrences), computed in the task's ``due_tz``."""

    rule: Rule
    from_: Basis = Field("due", alias="from")


class ReminderIn(_Strict):
    """One reminder: ``before_minutes`` before each occurrence's deadline, or ``at`` an
    instant (exactly one of the two)."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["before_minutes"]}, {"required": ["at"]}]}
    )

    before_minutes: Annotated[int | None, Field(ge=0, le=MAX_BEFORE_MINUTES, strict=True)] = None
    at: Instant | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ReminderIn:
        if (self.before_minutes is None) == (self.at is None):
            raise ValueError("give exactly one of before_minutes and at")
        return self


DueTz = Annotated[
    TimeZone,
    Field(description="IANA time zone the due date is meant in; default the user's timezone"),
]
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


class RegisterRequest(_Strict):
    """Body of ``POST /v1/auth/register``."""

    email: Email
    password: Password
    name: Name = ""
    timezone: TimeZone = "UTC"


class LoginRequest(_Strict):
    """Body of ``POST /v1/auth/login``."""

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(_Strict):
    """Body of ``POST /v1/auth/refresh``."""

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutRequest(_Strict):
    """Body of ``POST /v1/auth/logout`` (optional)."""

    refresh_token: Annotated[str | None, Field(max_length=512)] = None


class ProfileUpdate(_Strict):
    """Body of ``PATCH /v1/me``."""

    name: Name | None = None
    timezone: TimeZone | None = None
    reminder_lead_minutes: LeadMinutes | None = None


class DeleteAccountRequest(_Strict):
    """Body of ``DELETE /v1/me``: the password, asked again."""

    password: Password


class TaskCreate(_Strict):
    """Body of ``POST /v1/tasks``."""

    title: Title
    description: Description = ""
    due_at: DueAt = None
    priority: PriorityName = "normal"
    tags: Tags = []
    completed: Annotated[bool, Field(strict=True)] = False
    due_tz: DueTz | None = None
    recurrence: RecurrenceIn | None = None
    reminders: Reminders = None


class TaskUpdate(_Strict):
    """Body of ``PATCH /v1/tasks/{id}``: every field optional; ``due_at: null`` clears it."""

    title: Title | None = None
    description: Description | None = None
    due_at: DueAt = None
    priority: PriorityName | None = None
    tags: Tags | None = None
    completed: Annotated[bool | None, Field(strict=True)] = None
    due_tz: DueTz | None = None
    recurrence: RecurrenceIn | None = None
    reminders: Reminders = None


class User(BaseModel):
    """An account as the API returns it."""

    id: str
    email: str
    name: str
    timezone: str
    reminder_lead_minutes: int
    created_at: str


class Session(BaseModel):
    """Reply of register, login and refresh."""

    user: User
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int


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

    id: str
    title: str
    description: str
    due_at: str | None
    all_day: bool
    priority: PriorityName
    tags: list[str]
    completed: bool
    completed_at: str | None
    created_at: str
    updated_at: str
    version: int
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
    last_completed_at: str | None = Field(
        description="When the latest occurrence of a recurring task was completed"
    )


class TaskPage(BaseModel):
    """Reply of ``GET /v1/tasks``."""

    items: list[TaskOut]
    next_cursor: str | None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str
    errors: list[dict[str, str]] | None = None


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], body: Any) -> M:
    """Validate a decoded JSON body; failures become :class:`ValidationFailed`."""
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "must be a JSON object")])
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed([_field_error(e) for e in exc.errors()]) from None


def _field_error(error: Any) -> FieldError:
    field = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "extra_forbidden":
        name = str(error["loc"][0]) if error["loc"] else field
        message = "is read-only" if name in READ_ONLY_TASK_FIELDS else "is not a known field"
        return FieldError(field, message)
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    return FieldError(field, message)


BoolText = Literal["true", "false"]
SortName = Literal["created_at", "-created_at", "due_at", "-due_at", "updated_at", "-updated_at"]


class ListParams(_Strict):
    """Query parameters of ``GET /v1/tasks``."""

    completed: BoolText | None = None
    due_from: Annotated[str | None, Field(max_length=64)] = None
    due_until: Annotated[str | None, Field(max_length=64)] = None
    overdue: BoolText | None = None
    has_due: BoolText | None = None
    q: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            description=(
                "Keyword search. Words of the query (split on anything but letters, digits "
                "and underscores; case and accents ignored) must each start a searchable "
                "word of the task's title or description. A word is searchable when its "
                "first three letters are among the task's first 48 distinct three-letter "
                "word starts, counted over the title first, then the description: every "
                "word of a title with at most 48 distinct starts is searchable; words of "
                "a long description past that point are not, unless they begin like an "
                "earlier word."
            ),
        ),
    ] = None
    tag: Tag | None = None
    priority: PriorityName | None = None
    sort: SortName = "-created_at"
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str | None, Field(max_length=2048)] = None


def validate_query(model: type[M], params: dict[str, str]) -> M:
    """Validate query parameters; failures are :class:`BadRequest` (400), per the contract."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        errors = [_field_error(e) for e in exc.errors()]
        problems = "; ".join(f"{e.field}: {e.message}" for e in errors[:MAX_FIELD_ERRORS])
        more = (
            f"; and {len(errors) - MAX_FIELD_ERRORS} more" if len(errors) > MAX_FIELD_ERRORS else ""
        )
        raise BadRequest(f"Bad query parameter: {problems}{more}") from None


class SyncParams(_Strict):
    """Query parameters of ``GET /v1/sync``."""

    since: Annotated[str | None, Field(max_length=1024)] = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class Tombstone(BaseModel):
    """A deleted task, as sync reports it."""

    id: str
    deleted: Literal[True]
    deleted_at: str


class SyncPage(BaseModel):
    """Reply of ``GET /v1/sync``."""

    changes: list[TaskOut | Tombstone]
    next_since: str
    has_more: bool


class NotificationParams(_Strict):
    """Query parameters of ``GET /v1/notifications``."""

    unread: BoolText | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str | None, Field(max_length=2048)] = None


class Notification(BaseModel):
    """A due-date notification."""

    id: str
    type: Literal["due_soon", "overdue", "reminder"]
    task_id: str
    task_title: str
    due_at: str
    occurrence_due_at: str = Field(description="The due date of the occurrence it is about")
    remind_at: str | None = Field(
        description="When a due_soon or reminder notification was meant for (null for overdue)"
    )
    created_at: str
    read: bool


class NotificationPageOut(BaseModel):
    """Reply of ``GET /v1/notifications``."""

    items: list[Notification]
    next_cursor: str | None
