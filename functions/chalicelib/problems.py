"""Problem documents (RFC 9457): the one place where domain errors become HTTP."""

from __future__ import annotations

from typing import Any

from chalice import Response

from taskcore import errors

PROBLEM_TYPE = "application/problem+json"

# Domain error class -> HTTP status. Subclasses are looked up through the MRO.
STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.ValidationFailed: 422,
    errors.RateLimited: 429,
    errors.DependencyUnavailable: 503,
    errors.ConfigurationError: 503,
}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    request_id: str,
    *,
    field_errors: list[errors.FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "request_id": request_id,
    }
    if field_errors is not None:
        body["errors"] = [{"field": e.field, "message": e.message} for e in field_errors]
    all_headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_TYPE, **(headers or {})}
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", 'Bearer realm="tasks"')
    return Response(body=body, status_code=status, headers=all_headers)


def from_domain_error(error: errors.DomainError, request_id: str) -> Response:
    """The response for a domain error."""
    status = next(
        (STATUS_BY_ERROR[cls] for cls in type(error).__mro__ if cls in STATUS_BY_ERROR), 500
    )
    headers: dict[str, str] = {}
    if isinstance(error, (errors.RateLimited, errors.DependencyUnavailable)):
        headers["Retry-After"] = str(getattr(error, "retry_after", 1))
    field_errors = error.errors if isinstance(error, errors.ValidationFailed) else None
    detail = error.detail
    if isinstance(error, errors.ConfigurationError):
        detail = "The service is misconfigured"  # the details are for the operator's log
    return problem(status, detail, request_id, field_errors=field_errors, headers=headers)
