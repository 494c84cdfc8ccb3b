"""API Gateway's own answers (gateway responses) as the API's problem documents, with the
stage's CORS headers; written into the REST API's definition by :mod:`infra.package`.

API Gateway answers some requests without invoking Lambda: a path (or a method of a path)
that no route declares is "403 Missing Authentication Token", a throttled request is 429,
a body over 10 MB is 413, a failed or timed-out Lambda is 502/504. These become the
problem documents of DESIGN §3 (an unknown path is 404 ``not_found``), built from the
same catalogue as every other error (functions/chalicelib/problem_docs.py), with API
Gateway's request id.

CORS: a gateway response can only carry fixed header values or copies of request headers
(no condition, and its templates are not Velocity). So, from the stage's
``CORS_ALLOWED_ORIGINS`` (functions/.chalice/config.json):

* no origin: no CORS header, as the app does;
* one origin: ``Access-Control-Allow-Origin`` names it; a browser on any other origin
  finds a mismatch and keeps the reply from its page, the same effect as no header;
* several origins: the request's ``Origin`` is echoed. These bodies are fixed error
  documents without user data, and every request that carries a token or a JSON body is
  preflighted: the preflight reaches the app (chalicelib/fallbacks.py), which answers
  without CORS headers to an origin off the list, so the browser never sends it.

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
    """CORS header mappings of a gateway response (see the module's docstring)."""
    origins = sorted(parse_origins(origins_text))
    if not origins:
        return {}
    allow = _literal(origins[0]) if len(origins) == 1 else "method.request.header.Origin"
    return {
        "Access-Control-Allow-Origin": allow,
        "Access-Control-Expose-Headers": _literal(EXPOSE_HEADERS),
        "Vary": _literal("Origin"),
    }


def _literal(value: str) -> str:
    # A mapping value in single quotes is a literal; anything else is an expression.
    if "'" in value:
        raise ValueError(f"a gateway response header cannot hold a quote: {value!r}")
    return f"'{value}'"
