"""API Gateway's own answers (gateway responses) as the API's problem documents, with the
stage's CORS headers; written into the REST API's definition by :mod:`infra.package`.

API Gateway answers some requests without invoking Lambda: a path (or a method of a path)
that no route declares is "403 Missing Authentication Token", a throttled request is 429,
a body over 10 MB is 413, a failed or timed-out Lambda is 502/504. These become the
problem documents of DESIGN §3 (an unknown path is 404 ``not_found``), built from the
same catalogue as every other error (functions/chalicelib/problem_docs.py), with API
Gateway's request id.

CORS: only origins listed in the stage's ``CORS_ALLOWED_ORIGINS``
(functions/.chalice/config.json) may read a reply (DESIGN.md, "Cross-origin"). A gateway
response can only carry fixed header values or copies of request headers: no condition
(its templates are not Velocity), so it cannot compare the request's ``Origin`` with the
list. It therefore never copies ``Origin`` (that would allow every origin). From the list:

* no origin: no CORS header, as the app does;
* one origin: ``Access-Control-Allow-Origin`` names it, statically; a browser on any other
  origin finds a mismatch and keeps the reply from its page, the same effect as no header;
* several origins: no CORS header at all. A gap, documented in the README: a page on a
  listed origin cannot read API Gateway's own errors (an unknown path, throttling, a body
  over 10 MB, a failed or timed-out function): its script sees a network error instead of
  the status and the problem document. Every reply of the app itself (its errors
  included, and the preflights, chalicelib/fallbacks.py) still carries the right CORS
  headers. A stage with one browser origin has no such gap.

They live in the definition body (``x-amazon-apigateway-gateway-responses``), not as
separate ``AWS::ApiGateway::GatewayResponse`` resources: a change there changes SAM's
deployment, while a separate resource would wait for the next unrelated deployment.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
if str(_FUNCTIONS) not in sys.path:
    sys.path.insert(0, str(_FUNCTIONS))  # problem_docs is plain Python, with no Chalice

from chalicelib.cors import EXPOSE_HEADERS, parse_origins  # noqa: E402
from chalicelib.problem_docs import PROBLEM_TYPE, problem_document  # noqa: E402

EXTENSION = "x-amazon-apigateway-gateway-responses"
REQUEST_ID = "$context.requestId"

# API Gateway response type -> (status, code, detail). DEFAULT_4XX / DEFAULT_5XX cover
# every type not named here (this API has no authorizers, API keys or validators).
RESPONSES: dict[str, tuple[int, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "No resource matches the request path."),
    "RESOURCE_NOT_FOUND": (404, "not_found", "No resource matches the request path."),
    "THROTTLED": (
        429,
        "rate_limited",
        "Too many requests; retry after the number of seconds in Retry-After.",
    ),
    "QUOTA_EXCEEDED": (
        429,
        "rate_limited",
        "Too many requests; retry after the number of seconds in Retry-After.",
    ),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "The request is too large."),
    "UNSUPPORTED_MEDIA_TYPE": (
        415,
        "unsupported_media_type",
        "A body needs Content-Type: application/json",
    ),
    "INTEGRATION_FAILURE": (
        503,
        "dependency_unavailable",
        "The service is unavailable; retry after the number of seconds in Retry-After.",
    ),
    "INTEGRATION_TIMEOUT": (
        504,
        "dependency_unavailable",
        "The service did not answer in time; retry after the number of seconds in Retry-After.",
    ),
    "DEFAULT_4XX": (400, "malformed_request", "The request was refused before reaching the API."),
    "DEFAULT_5XX": (500, "internal", "An unexpected error occurred."),
}
_RETRY_STATUSES = frozenset({429, 503, 504})


def gateway_responses(cors_allowed_origins: str) -> dict[str, Any]:
    """The ``x-amazon-apigateway-gateway-responses`` object for a stage whose app allows
    ``cors_allowed_origins`` (its ``CORS_ALLOWED_ORIGINS``)."""
    return {
        kind: _response(status, code, detail, cors_allowed_origins)
        for kind, (status, code, detail) in RESPONSES.items()
    }


def _response(status: int, code: str, detail: str, origins_text: str) -> dict[str, Any]:
    body = problem_document(status, detail, REQUEST_ID, code=code)
    headers = {
        "Content-Type": _literal(PROBLEM_TYPE),
        "X-Content-Type-Options": _literal("nosniff"),
        "Cache-Control": _literal("no-store"),
        **cors_parameters(origins_text),
    }
    if status in _RETRY_STATUSES:
        headers["Retry-After"] = _literal("1")
    return {
        "statusCode": str(status),
        "responseParameters": {f"gatewayresponse.header.{k}": v for k, v in headers.items()},
        "responseTemplates": {PROBLEM_TYPE: json.dumps(body, separators=(",", ":"))},
    }


def cors_parameters(origins_text: str) -> dict[str, str]:
    """CORS header mappings of a gateway response: fixed values for exactly one configured
    origin, none otherwise (see the module's docstring). Never a copy of a request header."""
    origins = parse_origins(origins_text)
    if len(origins) != 1:
        # None configured, or several: a fixed value cannot name "the caller's, if listed".
        return {}
    (origin,) = origins
    return {
        "Access-Control-Allow-Origin": _literal(origin),
        "Access-Control-Expose-Headers": _literal(EXPOSE_HEADERS),
        "Vary": _literal("Origin"),
    }


def _literal(value: str) -> str:
    # A mapping value in single quotes is a literal; anything else is an expression.
    if "'" in value:
        raise ValueError(f"a gateway response header cannot hold a quote: {value!r}")
    return f"'{value}'"
