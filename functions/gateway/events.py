"""Translation between WSGI and API Gateway REST (v1) proxy events, both ways.

Requests become the event API Gateway would send to Lambda; the proxy reply becomes the
WSGI response. Nothing here knows the API's routes or semantics.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from chalicelib.cors import cors_headers
from chalicelib.problem_docs import PROBLEM_TYPE, problem_document, request_id_or
from gateway.router import Resource

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("taskapp.wsgi")

# API Gateway refuses payloads over 10 MB before invoking Lambda; mirror it so a direct
# client cannot make a worker buffer an unbounded body. The API's own 64 KiB limit is the
# app's (and nginx's) business.
MAX_BODY_BYTES = 10 * 1024 * 1024
# Hop-by-hop and length headers belong to the server, not the app (PEP 3333 forbids
# hop-by-hop headers; Content-Length is recomputed like API Gateway does).
_SERVER_OWNED_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te"}
)
_STATUS_LINES = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


class BodyTooLarge(Exception):
    """The request body exceeds what API Gateway would accept."""


def proxy_event(
    environ: WSGIEnvironment,
    *,
    method: str,
    path: str,
    resource: Resource,
    path_params: dict[str, str] | None,
    request_id: str,
    stage: str,
    source_ip: str,
    binary_types: frozenset[str],
) -> dict[str, Any]:
    """The API Gateway proxy event for one WSGI request (:class:`BodyTooLarge` when its
    body is over the gateway's limit)."""
    headers = request_headers(environ)
    query = environ.get("QUERY_STRING")
    if query and not query.isascii():
        query = utf8(query)
    single_query: dict[str, str] | None = None
    multi_query: dict[str, list[str]] | None = None
    if query:
        multi_query = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            multi_query.setdefault(key, []).append(value)
        single_query = {key: values[-1] for key, values in multi_query.items()}
    body, is_base64 = _body(environ, headers.get("content-type", ""), binary_types)
    return {
        "resource": resource.template,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": is_base64,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("user-agent")},
            "path": path,
            "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "resourceId": resource.template,
            "resourcePath": resource.template,
            "stage": stage,
        },
    }


def _body(
    environ: WSGIEnvironment, content_type: str, binary_types: frozenset[str]
) -> tuple[str | None, bool]:
    raw = _read_body(environ)
    if raw is None:
        return None, False
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in binary_types and "*/*" not in binary_types:
        try:
            return raw.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # not text after all: base64 keeps every byte intact
    return base64.b64encode(raw).decode("ascii"), True


def utf8(latin1: str) -> str:
    return latin1.encode("latin-1").decode("utf-8", "replace")


_HEADER_NAMES: dict[str, str] = {}


def request_headers(environ: WSGIEnvironment) -> dict[str, str]:
    """Request headers with lower-case names (Chalice matches them case-insensitively)."""
    headers: dict[str, str] = {}
    names = _HEADER_NAMES
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = names.get(key)
            if name is None:
                name = names[key] = key[5:].replace("_", "-").lower()
            headers[name] = value if value.isascii() else utf8(value)
    content_type = environ.get("CONTENT_TYPE")
    if content_type:
        headers["content-type"] = content_type
    content_length = environ.get("CONTENT_LENGTH")
    if content_length:
        headers["content-length"] = content_length
    return headers


def _read_body(environ: WSGIEnvironment) -> bytes | None:
    """The request body, or None when there is none (API Gateway sends ``body: null``)."""
    stream = environ["wsgi.input"]
    length_text = environ.get("CONTENT_LENGTH")
    if length_text:
        try:
            length = int(length_text)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise BodyTooLarge
        data: bytes = stream.read(length) if length > 0 else b""
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        data = stream.read(MAX_BODY_BYTES + 1)
        if len(data) > MAX_BODY_BYTES:
            raise BodyTooLarge
    else:
        return None
    return data or None


def respond(start_response: StartResponse, reply: Mapping[str, Any]) -> list[bytes]:
    """Translate a proxy integration response into the WSGI reply."""
    code = int(reply.get("statusCode", 200))
    multi: Mapping[str, list[Any]] = reply.get("multiValueHeaders") or {}
    # As in API Gateway, a name present in multiValueHeaders takes its values from there.
    multi_names = {name.lower() for name in multi}
    headers: list[tuple[str, str]] = []
    for name, value in (reply.get("headers") or {}).items():
        lower = name.lower()
        if lower not in multi_names and lower not in _SERVER_OWNED_HEADERS:
            headers.append((name, str(value)))
    for name, values in multi.items():
        if name.lower() not in _SERVER_OWNED_HEADERS:
            headers.extend((name, str(value)) for value in values)
    raw = reply.get("body")
    if raw is None:
        body = b""
    elif reply.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw)
        except (binascii.Error, ValueError):
            log.error("app returned an invalid base64 body")
            body, code, headers = b"", 502, []
    else:
        body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))  # API Gateway's default
    headers.append(("Content-Length", str(len(body))))
    start_response(_STATUS_LINES.get(code) or f"{code} Unknown", headers)
    return [body]


def problem_reply(
    start_response: StartResponse,
    environ: WSGIEnvironment,
    request_id: str,
    status: int,
    detail: str | None,
    *extra_headers: tuple[str, str],
) -> list[bytes]:
    """A gateway-level answer in the API's problem+json shape (DESIGN §3, Errors), with
    the generic code of its status and the CORS headers the app would give."""
    rid = request_id_or(environ.get("HTTP_X_REQUEST_ID"), request_id)
    body = json.dumps(problem_document(status, detail, rid), separators=(",", ":")).encode()
    headers = [
        ("Content-Type", PROBLEM_TYPE),
        ("Content-Length", str(len(body))),
        ("X-Request-Id", rid),
        *extra_headers,
        *cors_headers(environ.get("HTTP_ORIGIN")).items(),
    ]
    start_response(_STATUS_LINES[status], headers)
    return [body]
