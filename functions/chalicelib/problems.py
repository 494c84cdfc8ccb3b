"""The one place where domain errors become HTTP: status, headers, problem document."""

from __future__ import annotations

from chalice import Response

from chalicelib.problem_docs import PROBLEM_TYPE, problem_document
from taskcore import errors

# Domain error class -> HTTP status. Subclasses are looked up through the MRO.
STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.ValidationFailed: 422,
    errors.RateLimited: 429,
    errors.DependencyUnavailable: 503,
    errors.ConfigurationError: 503,
}

CHALLENGE = 'Bearer realm="tasks"'
# The codes of a token that was sent but is not valid (RFC 6750 section 3.1): the
# challenge says so, so that a client can tell "refresh or log in" from "send a token".
INVALID_TOKEN_CODES = frozenset({"token_expired", "token_invalid"})


def problem(
    status: int,
    detail: str,
    request_id: str,
    *,
    code: str | None = None,
    field_errors: list[errors.FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response (``code`` defaults to the generic one of ``status``)."""
    pairs = None if field_errors is None else [(e.field, e.message) for e in field_errors]
    body = problem_document(status, detail, request_id, code=code, field_errors=pairs)
    all_headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_TYPE, **(headers or {})}
    if status == 401:
        challenge = CHALLENGE
        if body["code"] in INVALID_TOKEN_CODES:
            challenge += ', error="invalid_token"'
        all_headers.setdefault("WWW-Authenticate", challenge)
    return Response(body=body, status_code=status, headers=all_headers)


def from_domain_error(error: errors.DomainError, request_id: str) -> Response:
    """The response for a domain error."""
    status = next(
        (STATUS_BY_ERROR[cls] for cls in type(error).__mro__ if cls in STATUS_BY_ERROR), 500
    )
    headers: dict[str, str] = {}
    # Every 503 says when to retry (DESIGN §3), a configuration error included: the SSM
    # read behind it may have been throttled or timed out at a cold start.
    if status in (429, 503):
        headers["Retry-After"] = str(getattr(error, "retry_after", 1))
    field_errors = error.errors if isinstance(error, errors.ValidationFailed) else None
    detail = error.detail
    if isinstance(error, errors.ConfigurationError):
        detail = "The service is misconfigured"  # the details are for the operator's log
    code = error.code if status != 500 else "internal"
    return problem(
        status, detail, request_id, code=code, field_errors=field_errors, headers=headers
    )
