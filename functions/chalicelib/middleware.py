"""Per-request concerns for every route: request id, security headers, CORS headers, one
log line, its metrics and trace annotations, and Chalice's own error replies (415,
malformed routes) rewritten as problem documents."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib import deps as app_deps
from chalicelib import observability
from chalicelib.cors import cors_headers
from chalicelib.http import error_code_var, request_id_var, user_id_var
from chalicelib.problem_docs import PROBLEM_TYPE, code_for_status, request_id_or
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
    code_token = error_code_var.set(None)
    telemetry = observability.current()
    before = app_deps.usage() if telemetry.measuring else None
    try:
        with telemetry.correlated(rid):
            response = _as_problem(get_response(event), rid)
            response.headers["X-Request-Id"] = rid
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            for name, value in cors_headers(event.headers.get("origin")).items():
                response.headers.setdefault(name, value)
            route = _log_request(event, response, rid, started)
            telemetry.request_done(
                route=route,
                status=response.status_code,
                code=_error_code(response.status_code),
                before=before,
                after=app_deps.usage() if telemetry.measuring else None,
            )
        return response
    finally:
        request_id_var.reset(rid_token)
        user_id_var.reset(user_token)
        error_code_var.reset(code_token)


def _error_code(status: int) -> str | None:
    if status < 400:
        return None
    # A reply that did not come from a domain error (Chalice's own, the readiness probe's)
    # has the generic code of its status, as its problem document says.
    return error_code_var.get() or code_for_status(status)


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


def _log_request(event: Any, response: Response, rid: str, started: float) -> str:
    """Write the access line; returns the route (``METHOD /path/{param}``)."""
    context = getattr(event, "context", {}) or {}
    route = str(context.get("resourcePath", event.path))
    log.info(
        "request",
        extra={
            "request_id": rid,
            "method": event.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "user_id": user_id_var.get(),
        },
    )
    return f"{event.method} {route}"
