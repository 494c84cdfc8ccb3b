"""Problem documents (RFC 9457), the shape of every error reply, and the catalogue of
problem codes (DESIGN §3, Errors).

The one definition of a problem body, its codes, titles and the request-id rule, shared
by the Chalice app (:mod:`chalicelib.problems`, :mod:`chalicelib.middleware`), the WSGI
gateway that answers some requests without invoking the app (:mod:`gateway`), gunicorn's
error replies (``gunicorn_errors.py``), the documentation pages (:mod:`chalicelib.docs`)
and, checked by a test, nginx's own error pages and API Gateway's gateway responses.
Plain Python: importing it costs nothing on a cold start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PROBLEM_TYPE = "application/problem+json"
# ``type`` is this prefix and the code: a relative URI that the API serves as a page
# explaining the code (``GET /v1/problems/<code>``).
TYPE_PREFIX = "/v1/problems/"

# A client's X-Request-Id is echoed only when it looks like an id; anything else (too
# long, control characters, log injection) is replaced by a generated one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(frozen=True)
class ProblemKind:
    """One stable problem code: the statuses it comes with, its title, what it means
    and what a client should do about it."""

    code: str
    statuses: tuple[int, ...]
    title: str
    meaning: str
    action: str


# Every code a reply can carry. A client branches on ``code``, never on ``detail``. The
# first status of each is the usual one; the others are answered by a layer in front of
# the app (nginx, gunicorn, API Gateway) for the same kind of problem.
PROBLEM_KINDS: tuple[ProblemKind, ...] = (
    ProblemKind(
        "malformed_json",
        (400,),
        "Malformed JSON",
        "The request body is not valid JSON (or is empty where a body is required, or is "
        "nested too deeply).",
        "Fix the client's JSON encoding; retrying the same bytes fails the same way.",
    ),
    ProblemKind(
        "invalid_query",
        (400,),
        "Invalid query parameter",
        "A query parameter is unknown, malformed or out of range (the detail names it). "
        "A '+' in a date-time offset must be sent as %2B.",
        "Fix the parameter; the detail says which one and why.",
    ),
    ProblemKind(
        "invalid_cursor",
        (400,),
        "Invalid cursor",
        "A list cursor or sync token is damaged, was issued to another user, or belongs "
        "to a different query.",
        "Start again from the first page (or sync without 'since').",
    ),
    ProblemKind(
        "invalid_email_token",
        (400,),
        "Invalid e-mail token",
        "A token from an e-mail (password reset, address verification) is invalid, "
        "already used or expired.",
        "Ask for a new e-mail.",
    ),
    ProblemKind(
        "malformed_request",
        (400, 411, 417, 501),
        "Malformed request",
        "The HTTP request itself is malformed: its request line, a header such as "
        "Idempotency-Key, or its framing (a body without a length, an unsupported "
        "transfer coding). Answered by the app or by the servers in front of it.",
        "Fix the client or the proxy that sent the request.",
    ),
    ProblemKind(
        "unauthenticated",
        (401,),
        "Authentication required",
        "No access token was sent, or not with the Bearer scheme.",
        "Send 'Authorization: Bearer <access_token>'; log in if you have none.",
    ),
    ProblemKind(
        "token_expired",
        (401,),
        "Access token expired",
        "The access token was valid but has expired (WWW-Authenticate carries "
        'error="invalid_token").',
        "Get a new session with POST /v1/auth/refresh, then retry.",
    ),
    ProblemKind(
        "token_invalid",
        (401,),
        "Token invalid",
        "The token is forged or damaged, or its session has ended (logged out, revoked, "
        "password changed, account deleted); a refresh token that is unknown, spent or "
        'expired. WWW-Authenticate carries error="invalid_token".',
        "Refreshing will not help: log in again.",
    ),
    ProblemKind(
        "invalid_credentials",
        (401,),
        "Invalid credentials",
        "The e-mail address and password do not match an account (login), or the "
        "password given to confirm an action is not the account's.",
        "Ask the user for their credentials again.",
    ),
    ProblemKind(
        "not_found",
        (404,),
        "Not found",
        "No such resource for this user (another user's task is also 'not found'), or "
        "no route matches the path.",
        "Check the id or the path; a deleted object stays gone.",
    ),
    ProblemKind(
        "method_not_allowed",
        (405,),
        "Method not allowed",
        "The path exists but not with this method; the Allow header lists the methods it has.",
        "Use one of the methods in Allow.",
    ),
    ProblemKind(
        "request_timeout",
        (408,),
        "Request timeout",
        "The request was not received completely in time by the server in front of the app.",
        "Retry; check the client's connection.",
    ),
    ProblemKind(
        "email_taken",
        (409,),
        "E-mail already registered",
        "An account with this e-mail address already exists.",
        "Log in instead, or reset the password.",
    ),
    ProblemKind(
        "idempotency_key_reused",
        (409,),
        "Idempotency key reused",
        "This Idempotency-Key was used within the last 24 hours with a different request body.",
        "Use a new key for a new request; resend the same body to get the first reply.",
    ),
    ProblemKind(
        "conflict",
        (409,),
        "Conflict",
        "The request conflicts with the current state (for example a list that is not "
        "empty, or a request with the same Idempotency-Key still in progress).",
        "Read the detail; change the state first or retry later.",
    ),
    ProblemKind(
        "sync_expired",
        (410,),
        "Sync token expired",
        "The sync token is older than the 30 days deletions are kept.",
        "Sync again from the start, without 'since'.",
    ),
    ProblemKind(
        "version_mismatch",
        (412,),
        "Version mismatch",
        "If-Match does not name the current version: someone changed the object since it was read.",
        "Read it again (its ETag), merge, and retry with the new ETag.",
    ),
    ProblemKind(
        "payload_too_large",
        (413, 414, 431),
        "Payload too large",
        "The body is over 64 KiB, or the URL or the headers are too large.",
        "Send less: shorter fields, fewer parameters.",
    ),
    ProblemKind(
        "unsupported_media_type",
        (415,),
        "Unsupported media type",
        "A request body must be sent as 'Content-Type: application/json' in UTF-8.",
        "Set the Content-Type header.",
    ),
    ProblemKind(
        "validation_failed",
        (422,),
        "Validation failed",
        "Well-formed JSON that breaks the documented rules (unknown and read-only fields "
        "included); 'errors' lists at most 20 fields with a message each.",
        "Fix the fields named in 'errors'.",
    ),
    ProblemKind(
        "quota_exceeded",
        (422,),
        "Quota exceeded",
        "The account holds as many objects of this kind as it may (tasks, lists).",
        "Delete some before creating more.",
    ),
    ProblemKind(
        "rate_limited",
        (429,),
        "Too many requests",
        "Too many requests (or failed logins) in a short time.",
        "Wait for the number of seconds in Retry-After, then retry.",
    ),
    ProblemKind(
        "internal",
        (500,),
        "Internal server error",
        "An unexpected error; the reply carries only the request id, which the operators "
        "can find in the logs.",
        "Retry later; report the request id if it persists.",
    ),
    ProblemKind(
        "dependency_unavailable",
        (503, 502, 504),
        "Service unavailable",
        "A dependency (the database, or an application server behind the load "
        "balancer) is unavailable or too slow; answered within 10 seconds.",
        "Retry after the number of seconds in Retry-After.",
    ),
)
PROBLEMS: dict[str, ProblemKind] = {kind.code: kind for kind in PROBLEM_KINDS}

# The code of a status when nothing more specific is known (a framework's or a server's
# own error reply).
_CODE_BY_STATUS: dict[int, str] = {}
for _kind in reversed(PROBLEM_KINDS):  # the first kind listing a status wins
    for _status in _kind.statuses:
        _CODE_BY_STATUS[_status] = _kind.code
_CODE_BY_STATUS[400] = "malformed_request"
_CODE_BY_STATUS[401] = "unauthenticated"
_CODE_BY_STATUS[409] = "conflict"
_CODE_BY_STATUS[422] = "validation_failed"


def code_for_status(status: int) -> str:
    """The generic code of a status: ``internal`` for an unknown 5xx, ``malformed_request``
    for an unknown 4xx."""
    return _CODE_BY_STATUS.get(status) or ("internal" if status >= 500 else "malformed_request")


def problem_type(code: str) -> str:
    """The ``type`` URI of a code."""
    return TYPE_PREFIX + code


def request_id_or(claimed: str | None, generated: str) -> str:
    """The client's request id when it may be echoed, else ``generated``."""
    if claimed and REQUEST_ID.fullmatch(claimed):
        return claimed
    return generated


def problem_document(
    status: int,
    detail: str | None,
    request_id: str,
    *,
    code: str | None = None,
    field_errors: Iterable[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The body of a problem reply; ``field_errors`` are ``(field, message)`` pairs.

    ``code`` defaults to the generic one of ``status``; a code missing from the catalogue
    keeps its name but gets the generic title of its status.
    """
    code = code or code_for_status(status)
    kind = PROBLEMS.get(code) or PROBLEMS[code_for_status(status)]
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": kind.title,
        "status": status,
        "code": code,
    }
    if detail is not None:
        body["detail"] = detail
    body["request_id"] = request_id
    if field_errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in field_errors]
    return body
