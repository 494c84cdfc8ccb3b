"""Request and response schemas: validation of client input and the OpenAPI components.

The same pydantic models validate requests and generate ``/v1/openapi.json``, so the
documentation cannot drift from what the service accepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
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
        "position",
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


def _due(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_due(value).value
    except DueDateError as exc:
        raise ValueError(exc.message) from exc


def _tag(value: str) -> str:
    # Letters and digits of any script, "-" and "_" (DESIGN §3), compared and stored
    # lower-case in one Unicode form, so "Café" and "cafe\u0301" are the same tag.
    value = unicodedata.normalize("NFC", value).lower()
    if not all(c.isalnum() or c in "-_" for c in value) or not 1 <= len(value) <= 32:
        raise ValueError("must be 1 to 32 letters, digits, '-' or '_'")
    return value


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
    return list(dict.fromkeys(value))  # unique, in the order given


# The JSON schemas below state what these types enforce: lengths, ranges, formats. Rules a
# JSON schema cannot state (an IANA zone name, a calendar date, "letters of any script")
# are in their descriptions, and refused with a message naming the field.
_DUE_FORMATS = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
}
Email = Annotated[
    str,
    Field(
        max_length=254,
        description="An e-mail address (trimmed, compared case-insensitively)",
        json_schema_extra={"format": "email", "examples": ["ann@example.com"]},
    ),
    AfterValidator(_email),
]
Password = Annotated[
    str,
    Field(
        min_length=8,
        max_length=256,
        description="8 to 256 characters; every character counts",
        examples=["correct horse battery"],
    ),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100),
    Field(description="A display name (trimmed)", examples=["Ann"]),
]
TimeZone = Annotated[
    str,
    Field(description="An IANA time zone name", examples=["Europe/Paris"]),
    AfterValidator(_timezone),
]
LeadMinutes = Annotated[
    int,
    Field(
        ge=0,
        le=10080,
        strict=True,
        description="Minutes before the due time for the due-soon notification",
    ),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="1 to 200 characters after trimming", examples=["Buy groceries"]),
]
Description = Annotated[str, Field(max_length=10000, examples=["Milk, eggs, bread"])]
DueAt = Annotated[
    str | None,
    Field(
        description="An RFC 3339 date-time with offset (returned in UTC, Z), or a date "
        "YYYY-MM-DD: all-day, due by the end of that day in the user's time zone; null "
        "for none",
        examples=["2026-03-29T09:00:00+02:00", "2026-03-29"],
    ),
    WithJsonSchema({"anyOf": [*_DUE_FORMATS["anyOf"], {"type": "null"}]}),
    AfterValidator(_due),
]
Tag = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="Letters and digits of any script, '-' and '_'; stored lower-case",
        examples=["errands"],
    ),
    AfterValidator(_tag),
]
Tags = Annotated[
    list[Tag],
    Field(max_length=20, description="Up to 20 tags, unique", examples=[["errands", "home"]]),
    AfterValidator(_tags),
]
PriorityName = Literal["low", "normal", "high"]
# Ids of tasks and lists, as the API hands them out (ULIDs; an Inbox's id is derived).
ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
ListName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ParentId = Annotated[
    ItemId | None,
    Field(description="The parent task (same list, at most 3 levels); null: top level"),
]
InstantIn = Annotated[
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ann@example.com",
                    "password": "correct horse battery",
                    "name": "Ann",
                    "timezone": "Europe/Paris",
                }
            ]
        }
    )

    email: Email
    password: Password
    name: Name = ""
    timezone: TimeZone = "UTC"


class LoginRequest(_Strict):
    """Body of ``POST /v1/auth/login``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ann@example.com", "password": "correct horse battery"}]
        }
    )

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(_Strict):
    """Body of ``POST /v1/auth/refresh``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "01JQ5Z7A0B1C2D3E4F5G6H7J8K.fam.c2VjcmV0"}]
        }
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutRequest(_Strict):
    """Body of ``POST /v1/auth/logout`` (optional)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "01JQ5Z7A0B1C2D3E4F5G6H7J8K.fam.c2VjcmV0"}]
        }
    )

    refresh_token: Annotated[str | None, Field(max_length=512)] = None


class ProfileUpdate(_Strict):
    """Body of ``PATCH /v1/me``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"timezone": "America/New_York", "reminder_lead_minutes": 30}]
        }
    )

    name: Name | None = None
    timezone: TimeZone | None = None
    reminder_lead_minutes: LeadMinutes | None = None


class DeleteAccountRequest(_Strict):
    """Body of ``DELETE /v1/me``: the password, asked again (without it, or with a wrong
    one, the reply is 401 ``invalid_credentials``)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "correct horse battery"}]}
    )

    password: Annotated[str, Field(max_length=256, description="The account's password")] = ""


EmailedToken = Annotated[
    str,
    Field(
        min_length=1,
        max_length=256,
        description="The code from the e-mail (single use; a newer e-mail replaces it)",
    ),
]


class PasswordChange(_Strict):
    """Body of ``POST /v1/auth/password``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": "correct horse battery", "new_password": "a new passphrase"}
            ]
        }
    )
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password


class PasswordResetRequest(_Strict):
    """Body of ``POST /v1/auth/password-reset``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ann@example.com"}]})
    email: Email


class PasswordResetConfirm(_Strict):
    """Body of ``POST /v1/auth/password-reset/confirm``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"token": "01J0ABC.the-code-from-the-e-mail", "new_password": "a new one"}]
        }
    )
    token: EmailedToken
    new_password: Password


class EmailTokenRequest(_Strict):
    """Body of ``POST /v1/auth/verify-email``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "01J0ABC.the-code-from-the-e-mail"}]}
    )
    token: EmailedToken


class Accepted(BaseModel):
    """Reply of a request whose e-mail is sent later (the same whatever the outcome)."""

    status: Literal["accepted"]


class TaskCreate(_Strict):
    """Body of ``POST /v1/tasks``."""

    title: Title
    description: Description = ""
    due_at: DueAt = None
    priority: PriorityName = "normal"
    tags: Tags = []
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


class TaskUpdate(_Strict):
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


class TaskMove(_Strict):
    """Body of ``POST /v1/tasks/{id}/move``: where the task goes. Without ``list_id`` /
    ``parent_id`` it stays in its list (under the anchor's parent when an anchor is
    given); ``after_id`` / ``before_id`` name a task among its new siblings (``after_id:
    null`` = to the end, ``before_id: null`` = to the start; neither = to the end when the
    list or parent changes)."""

    list_id: ItemId | None = None
    parent_id: ParentId = None
    after_id: ItemId | None = None
    before_id: ItemId | None = None


class ListCreate(_Strict):
    """Body of ``POST /v1/lists``."""

    name: ListName


class ListUpdate(_Strict):
    """Body of ``PATCH /v1/lists/{id}``."""

    name: ListName | None = None


class ListMove(_Strict):
    """Body of ``POST /v1/lists/{id}/move``: exactly one of ``after_id`` (null = to the
    end) or ``before_id`` (null = to the start)."""

    after_id: ItemId | None = None
    before_id: ItemId | None = None


# Replies. Timestamps are RFC 3339 in UTC with milliseconds (taskcore.clock.format_instant).
Instant = Annotated[
    str,
    Field(json_schema_extra={"format": "date-time"}, examples=["2026-03-01T12:00:00.000Z"]),
]
JsonDict = dict[str, JsonValue]
TASK_ID_EXAMPLE = "01JQ5Z8R6X2M4T7V9B3N5P7Q9S"
_TASK_EXAMPLE: JsonDict = {
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
_USER_EXAMPLE: JsonDict = {
    "id": "01JQ5Z7A0B1C2D3E4F5G6H7J8K",
    "email": "ann@example.com",
    "name": "Ann",
    "timezone": "Europe/Paris",
    "reminder_lead_minutes": 60,
    "created_at": "2026-03-01T11:58:00.000Z",
}


class User(BaseModel):
    """An account as the API returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_USER_EXAMPLE]})

    id: str
    email: Annotated[str, Field(json_schema_extra={"format": "email"})]
    name: str
    timezone: str
    reminder_lead_minutes: int
    email_verified: bool = Field(
        description="Whether the owner confirmed the address with an e-mailed token"
    )
    created_at: Instant


class Session(BaseModel):
    """Reply of register, login and refresh."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user": _USER_EXAMPLE,
                    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2ln",
                    "refresh_token": "01JQ5Z7A0B1C2D3E4F5G6H7J8K.fam.c2VjcmV0",
                    "token_type": "Bearer",
                    "expires_in": 900,
                }
            ]
        }
    )

    user: User
    access_token: Annotated[str, Field(description="Send as 'Authorization: Bearer ...'")]
    refresh_token: Annotated[str, Field(description="Spend at POST /v1/auth/refresh")]
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Field(description="Seconds the access token is valid")]


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

    model_config = ConfigDict(json_schema_extra={"examples": [_TASK_EXAMPLE]})

    id: str
    title: str
    description: str
    due_at: Annotated[
        str | None,
        Field(description="A date-time in UTC, or a date for an all-day task"),
        WithJsonSchema({"anyOf": [*_DUE_FORMATS["anyOf"], {"type": "null"}]}),
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


class ListOut(BaseModel):
    """A list as the API returns it."""

    id: str
    name: str
    is_inbox: bool
    position: str
    created_at: Instant
    updated_at: Instant
    version: Annotated[int, Field(description="Increases by one on every change; the ETag")]


class ListPage(BaseModel):
    """Reply of ``GET /v1/lists``: the lists in manual order."""

    items: list[ListOut]
    next_cursor: str | None


class TaskPage(BaseModel):
    """Reply of ``GET /v1/tasks``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_TASK_EXAMPLE], "next_cursor": None}]}
    )

    items: list[TaskOut]
    next_cursor: Annotated[str | None, Field(description="null on the last page")]


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: Annotated[str, Field(examples=["title"])]
    message: Annotated[str, Field(examples=["String should have at least 1 character"])]


class Problem(BaseModel):
    """An RFC 9457 problem document. Branch on ``code``; ``detail`` is for people."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/v1/problems/validation_failed",
                    "title": "Validation failed",
                    "status": 422,
                    "code": "validation_failed",
                    "detail": "title: String should have at least 1 character",
                    "request_id": "4f1c2a9e0b7d4e8f9a6b3c5d2e1f0a9b",
                    "errors": [
                        {"field": "title", "message": "String should have at least 1 character"}
                    ],
                }
            ]
        }
    )

    type: Annotated[
        str,
        Field(
            json_schema_extra={"format": "uri-reference"},
            description="/v1/problems/<code>: a page explaining the code",
        ),
    ]
    title: str
    status: int
    code: Annotated[
        str,
        Field(
            pattern="^[a-z][a-z0-9_]*$",
            description="The stable, machine-readable name of the problem; new codes may be "
            "added, so treat an unknown one by its status. The codes are listed at /v1/docs.",
            examples=["validation_failed", "token_expired"],
        ),
    ]
    detail: Annotated[str | None, Field(description="What went wrong, for people")] = None
    request_id: str
    errors: Annotated[
        list[FieldProblem] | None, Field(description="Only for validation_failed (at most 20)")
    ] = None


M = TypeVar("M", bound=BaseModel)
# Query parameters as the HTTP layer passes them: a list for those that may repeat.
QueryParams = Mapping[str, str | list[str]]


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


def _query_bool(value: Any) -> Any:
    # Query parameters are text: exactly "true" or "false" (not "1", "yes", "True").
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


# A boolean of a query string: documented as a boolean (that is how clients and
# generators treat it), accepted only as the text true / false, and dumped back as that
# text so that cursor fingerprints do not depend on Python's spelling.
QueryBool = Annotated[
    bool,
    BeforeValidator(_query_bool),
    PlainSerializer(lambda value: "true" if value else "false", return_type=str),
    WithJsonSchema({"type": "boolean"}),
]
SortName = Literal[
    "created_at",
    "-created_at",
    "due_at",
    "-due_at",
    "updated_at",
    "-updated_at",
    "position",
    "-position",
]
SORT_NAMES: dict[str, str] = {
    "created_at": "CREATED_AT",
    "-created_at": "CREATED_AT_DESC",
    "due_at": "DUE_AT",
    "-due_at": "DUE_AT_DESC",
    "updated_at": "UPDATED_AT",
    "-updated_at": "UPDATED_AT_DESC",
    "position": "POSITION",
    "-position": "POSITION_DESC",
}
# "+" in a query string means a space: an offset sent unencoded arrives as " 01:00".
_UNENCODED_PLUS = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)? \d{2}:\d{2}$")


def _bound(value: str | None) -> str | None:
    if value == "":
        raise ValueError("must be a date or an RFC 3339 date-time with offset")
    if value is not None and _UNENCODED_PLUS.match(value):
        raise ValueError(
            "the offset's '+' arrived as a space: encode '+' as %2B in a URL "
            "(e.g. 2026-03-01T00:00:00%2B01:00)"
        )
    return value


DueBound = Annotated[
    str | None,
    Field(
        description="A date (start or end of that day in the user's time zone) or an RFC "
        "3339 date-time with offset; inclusive. Encode '+' as %2B.",
        examples=["2026-03-01", "2026-03-01T00:00:00Z"],
    ),
    WithJsonSchema({"anyOf": _DUE_FORMATS["anyOf"]}),
    AfterValidator(_bound),
]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _sorted_tags(value: list[str] | None) -> list[str] | None:
    # A set of tags: the order they were given in does not change the query (or its cursor).
    return sorted(set(value)) if value else None


class ListParams(_Strict):
    """Query parameters of ``GET /v1/tasks``."""

    completed: Annotated[QueryBool | None, Field(description="Completed or open only")] = None
    due_from: DueBound = None
    due_until: DueBound = None
    overdue: Annotated[QueryBool | None, Field(description="true: open and past due now")] = None
    has_due: Annotated[QueryBool | None, Field(description="With or without a due date")] = None
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
            examples=["groc"],
        ),
    ] = None
    tag: Annotated[
        list[Tag] | None,
        Field(
            max_length=20,
            description="Repeat for several tags: every given tag must be present",
        ),
        BeforeValidator(_listed),
        AfterValidator(_sorted_tags),
    ] = None
    priority: PriorityName | None = None
    list_id: Annotated[ItemId | None, Field(description="The tasks of one list")] = None
    parent_id: Annotated[
        ItemId | None,
        Field(description="The children of one task; `none`: only tasks without a parent"),
    ] = None
    sort: Annotated[
        SortName,
        Field(
            description="Order: a field, '-' first for descending; tasks without a due "
            "date come last for due_at; position (manual order) needs list_id or parent_id",
        ),
        WithJsonSchema(
            {
                "type": "string",
                "enum": list(SORT_NAMES),
                "x-enum-varnames": list(SORT_NAMES.values()),
                "default": "-created_at",
            }
        ),
    ] = "-created_at"
    limit: Annotated[int, Field(ge=1, le=100, description="Page size")] = 25
    cursor: Annotated[
        str | None,
        Field(max_length=2048, description="next_cursor of the previous page (same query)"),
    ] = None


def validate_query(model: type[M], params: QueryParams) -> M:
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

    since: Annotated[
        str | None,
        Field(max_length=1024, description="next_since of the previous call; none: from the start"),
    ] = None
    limit: Annotated[int, Field(ge=1, le=500, description="Changes per reply")] = 100


class Tombstone(BaseModel):
    """A deleted task or list, as sync reports it."""

    id: str
    deleted: Literal[True]
    deleted_at: Instant
    kind: Literal["task", "list"]


class TaskChange(TaskOut):
    """A task as sync reports it."""

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
                        {**_TASK_EXAMPLE, "kind": "task"},
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


class ListsParams(_Strict):
    """Query parameters of ``GET /v1/lists``."""

    limit: Annotated[int, Field(ge=1, le=500, description="Page size")] = 100
    cursor: Annotated[
        str | None, Field(max_length=2048, description="next_cursor of the previous page")
    ] = None


class DeleteListParams(_Strict):
    """Query parameters of ``DELETE /v1/lists/{id}``."""

    cascade: Annotated[
        QueryBool | None, Field(description="`true`: delete the list's tasks too")
    ] = None


class NotificationParams(_Strict):
    """Query parameters of ``GET /v1/notifications``."""

    unread: Annotated[QueryBool | None, Field(description="Unread ones only")] = None
    limit: Annotated[int, Field(ge=1, le=100, description="Page size")] = 25
    cursor: Annotated[
        str | None, Field(max_length=2048, description="next_cursor of the previous page")
    ] = None


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
        WithJsonSchema({"anyOf": _DUE_FORMATS["anyOf"]}),
    ]
    occurrence_due_at: Annotated[
        str,
        Field(description="The due date of the occurrence it is about"),
        WithJsonSchema({"anyOf": _DUE_FORMATS["anyOf"]}),
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
