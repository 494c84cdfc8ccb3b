"""The annotated field types that request and reply models share, with their validators.

Each type carries its constraints, description and examples, so a model that uses it
validates and documents the field the same way. Rules a JSON schema cannot state are
checked by the validators here, whose messages name what is expected.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, JsonValue, StringConstraints, WithJsonSchema

from taskcore.clock import format_instant
from taskcore.domain.due import DueDateError, is_valid_timezone, parse_due, parse_instant
from taskcore.domain.recurrence import (
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_RULE_LENGTH,
    RecurrenceError,
    parse_rule,
)

# One plain mailbox (an RFC 5322 addr-spec without quoting): none of the characters that
# make a display name, a group or a list of addresses ("mallory<victim@example.com>",
# "x,victim@example.com"), which a mail server would deliver somewhere else.
_ATOM = r"[^@\s\x00-\x1f\x7f<>()\[\]\\,;:\"]"
_EMAIL = re.compile(rf"^{_ATOM}{{1,64}}@{_ATOM}+\.[^@\s\x00-\x1f\x7f<>()\[\]\\,;:\".]{{2,}}$")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be a valid e-mail address of at most 254 characters")
    return value.lower()


def _one_line(value: str) -> str:
    # A name is quoted in the e-mails the account receives: no line breaks or other
    # control characters that would let it write lines of its own there.
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must be one line, without control characters")
    return value


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
# The two forms of a due date: a date-time, or the date of an all-day task.
DUE_FORMATS = {
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
    AfterValidator(_one_line),
    Field(description="A display name (trimmed, one line)", examples=["Ann"]),
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
    WithJsonSchema({"anyOf": [*DUE_FORMATS["anyOf"], {"type": "null"}]}),
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
DueTz = Annotated[
    TimeZone,
    Field(description="IANA time zone the due date is meant in; default the user's timezone"),
]

# Replies. Timestamps are RFC 3339 in UTC with milliseconds (taskcore.clock.format_instant).
Instant = Annotated[
    str,
    Field(json_schema_extra={"format": "date-time"}, examples=["2026-03-01T12:00:00.000Z"]),
]
JsonDict = dict[str, JsonValue]
