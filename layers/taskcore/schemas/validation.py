"""Validation of client input: the strict base of request models, and the helpers that
turn pydantic's errors into the API's :class:`~taskcore.errors.ValidationFailed` (a body,
422) or :class:`~taskcore.errors.BadRequest` (query parameters, 400)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from taskcore.errors import MAX_FIELD_ERRORS, BadRequest, FieldError, ValidationFailed

# Fields a client reads but never writes: sending one is "is read-only", not "unknown".
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


class StrictModel(BaseModel):
    """The base of request models: a field the model does not declare is refused."""

    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=False)


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
