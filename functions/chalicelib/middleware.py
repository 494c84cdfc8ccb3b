"""Per-request concerns for every route: request id, security headers, CORS headers, one
log line, and Chalice's own error replies (415, malformed routes) rewritten as problem
documents."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.cors import cors_headers
from chalicelib.http import request_id_var, user_id_var
from chalicelib.problem_docs import PROBLEM_TYPE, request_id_or
from chalicelib.problems import problem

log = logging.getLogger("taskapp.access")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def request_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Wrap one HTTP request (registered with ``@app.middleware("http")``)."""
    started = time.perf_counter()
    rid = request_id_or(event.headers.get("x-request-id"), uuid.uuid4().hex)
    rid_token = request_id_var.set(rid)
    user_token = user_id_var.set(None)
    try:
        response = _as_problem(get_response(event), rid)
        response.headers["X-Request-Id"] = rid
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        for name, value in cors_headers(event.headers.get("origin")).items():
            response.headers.setdefault(name, value)
        _log_request(event, response, rid, started)
        return response
    finally:
        request_id_var.reset(rid_token)
        user_id_var.reset(user_token)


def _as_problem(response: Response, rid: str) -> Response:
    body = response.body
    is_chalice_error = (
        response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}
    )
    if not is_chalice_error or response.headers.get("Content-Type") == PROBLEM_TYPE:
        return response
    detail = str(body["Message"])
    if response.status_code >= 500:
        detail = "An unexpected error occurred"
    return problem(response.status_code, detail, rid)


def _log_request(event: Any, response: Response, rid: str, started: float) -> None:
    context = getattr(event, "context", {}) or {}
    log.info(
        "request",
        extra={
            "request_id": rid,
            "method": event.method,
            "route": context.get("resourcePath", event.path),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "user_id": user_id_var.get(),
        },
    )
