"""Cross-origin resource sharing (DESIGN §3, "Cross-origin and documentation").

Origins listed in ``CORS_ALLOWED_ORIGINS`` (comma separated; empty or unset = none) get
``Access-Control-Allow-Origin`` (their own origin, echoed) with ``Vary: Origin`` on every
reply, errors included; any other origin gets no CORS header at all, so a browser keeps
the reply from its page. A preflight (``OPTIONS``) is answered by the app itself, without
authentication: API Gateway's own CORS support (Chalice's ``CORSConfig``) states a single
origin, a list needs the request's ``Origin`` compared with it.

Plain Python, read once per process: the middleware, the preflight view and the WSGI
gateway (its own 404/405/413 replies) all decide with :func:`cors_headers`.
"""

from __future__ import annotations

import functools
import os

ALLOW_HEADERS = (
    "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id"
)
EXPOSE_HEADERS = "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed"
# How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours).
MAX_AGE_SECONDS = "600"


def parse_origins(text: str) -> frozenset[str]:
    """The origins of a ``CORS_ALLOWED_ORIGINS`` value, normalised as browsers send them
    (lower case, no trailing slash)."""
    return frozenset(part.strip().rstrip("/").lower() for part in text.split(",") if part.strip())


@functools.cache
def allowed_origins() -> frozenset[str]:
    """The configured origins (read once: the process's environment does not change)."""
    return parse_origins(os.environ.get("CORS_ALLOWED_ORIGINS", ""))


def cors_headers(origin: str | None) -> dict[str, str]:
    """The CORS headers of any reply to a request from ``origin`` (none if not allowed)."""
    if not origin or origin.lower() not in allowed_origins():
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Vary": "Origin",
    }


def preflight_headers(origin: str | None, methods: list[str]) -> dict[str, str]:
    """The headers of a preflight answer for a path that has ``methods``."""
    allowed = ", ".join(sorted(methods))
    headers = {"Allow": allowed}
    cors = cors_headers(origin)
    if cors:
        headers.update(cors)
        headers["Access-Control-Allow-Methods"] = allowed
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = MAX_AGE_SECONDS
    return headers
