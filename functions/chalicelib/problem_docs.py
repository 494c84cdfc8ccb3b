"""Problem documents (RFC 9457), the shape of every error reply.

The one definition of a problem body, its titles and the request-id rule, shared by the
Chalice app (:mod:`chalicelib.problems`, :mod:`chalicelib.middleware`) and by the WSGI
gateway that answers some requests without invoking the app (:mod:`gateway`). Plain
Python: importing it costs nothing on a cold start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

PROBLEM_TYPE = "application/problem+json"

# A client's X-Request-Id is echoed only when it looks like an id; anything else (too
# long, control characters, log injection) is replaced by a generated one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length required",
    412: "Precondition failed",
    413: "Payload too large",
    414: "URI too long",
    415: "Unsupported media type",
    417: "Expectation failed",
    422: "Validation failed",
    429: "Too many requests",
    431: "Request header fields too large",
    500: "Internal server error",
    501: "Not implemented",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


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
    field_errors: Iterable[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The body of a problem reply; ``field_errors`` are ``(field, message)`` pairs."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    body["request_id"] = request_id
    if field_errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in field_errors]
    return body
