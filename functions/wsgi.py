"""WSGI entry point: serves the Chalice app exactly as API Gateway + Lambda would.

Each WSGI request is replayed as an API Gateway REST (v1) proxy event and handed to
``app(event, context)``, the same call Lambda makes; the proxy response is translated
back. Nothing here knows about the API's routes or semantics, so the container and the
native stack run the very code that runs on Lambda (DESIGN §5).

Where API Gateway answers without calling Lambda, so does this adapter: an unknown path
is a 404 and a wrong method a 405, both as the API's ``problem+json`` documents (DESIGN §3;
API Gateway itself says 403 "Missing Authentication Token" unless a gateway response
rewrites it), and a CORS preflight for a route with CORS enabled is answered here.

This module is on the hot path (DESIGN §6), so route matching is precomputed once and the
per-request work is a dictionary lookup plus building one event dict.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

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
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")
_TITLES = {
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    500: "Internal server error",
}
_NO_RESOURCE = "No resource matches the request path."
_TOO_LARGE = "The request body is too large."


@dataclass(frozen=True, slots=True)
class Resource:
    """One API Gateway resource: a path template and the methods defined on it."""

    template: str
    methods: frozenset[str]
    params: tuple[str, ...]
    cors_headers: Mapping[str, str] | None


class Router:
    """Matches concrete paths to resources, the way API Gateway selects a resource.

    Static paths are one dict lookup. Templates are grouped by segment count and tried
    with static segments before parameters at each position, so ``/v1/tasks/search``
    wins over ``/v1/tasks/{id}`` as it does in API Gateway.
    """

    def __init__(self, routes: Mapping[str, Mapping[str, Any]]) -> None:
        self._static: dict[str, Resource] = {}
        self._dynamic: dict[int, list[tuple[re.Pattern[str], Resource]]] = {}
        # Sorting on (is-parameter, text) per segment puts static segments first.
        for template in sorted(routes, key=lambda t: [(s[:1] == "{", s) for s in t.split("/")]):
            resource = _resource(template, routes[template])
            if not resource.params:
                self._static[template] = resource
                continue
            segments = template.split("/")
            pattern = "/".join("([^/]+)" if _PARAM.fullmatch(s) else re.escape(s) for s in segments)
            self._dynamic.setdefault(len(segments), []).append((re.compile(pattern), resource))

    def match(self, path: str) -> tuple[Resource, dict[str, str] | None] | None:
        """The resource serving ``path`` and its path parameters, or None."""
        resource = self._static.get(path)
        if resource is not None:
            return resource, None
        for pattern, resource in self._dynamic.get(path.count("/") + 1, ()):
            found = pattern.fullmatch(path)
            if found is not None:
                return resource, dict(zip(resource.params, found.groups(), strict=True))
        return None


def _resource(template: str, entries: Mapping[str, Any]) -> Resource:
    for method, entry in entries.items():
        # The adapter does not emulate API Gateway authorizers; serving such a route
        # without its authorizer would silently drop authentication, so refuse instead.
        if entry.authorizer is not None:
            raise ValueError(f"{method} {template}: API Gateway authorizers are not emulated")
    segments = template.split("/")
    if any("{" in s and not _PARAM.fullmatch(s) for s in segments):
        raise ValueError(f"{template}: only whole-segment {{name}} parameters are supported")
    cors = next((e.cors for e in entries.values() if e.cors is not None), None)
    cors_headers = None
    if cors is not None:
        cors_headers = dict(cors.get_access_control_headers())
        cors_headers["Access-Control-Allow-Methods"] = ",".join(sorted({*entries, "OPTIONS"}))
    return Resource(
        template=template,
        methods=frozenset(entries),
        params=tuple(_PARAM.findall(template)),
        cors_headers=cors_headers,
    )


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(spec: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())


def _is_in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class LambdaContext:
    """The attributes and method of the Lambda context object handlers may use."""

    __slots__ = (
        "_deadline",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
    )

    def __init__(self, request_id: str, function_name: str, timeout_seconds: float) -> None:
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        )
        self.memory_limit_in_mb = "1024"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (emulated) function timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class ChaliceWSGI:
    """A WSGI application that invokes a Chalice app through API Gateway proxy events."""

    def __init__(
        self,
        chalice_app: Any,
        *,
        stage: str | None = None,
        function_name: str | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._app = chalice_app
        self._router = Router(chalice_app.routes)
        self._binary_types = frozenset(t.lower() for t in chalice_app.api.binary_types)
        self._stage = stage or os.environ.get("TASKAPP_STAGE", "local")
        self._function_name = function_name or f"{chalice_app.app_name}-{self._stage}"
        self._timeout = timeout_seconds
        self._trusted_proxies = _networks(os.environ.get("TRUSTED_PROXIES", "127.0.0.1/32,::1/128"))
        # Chalice keeps the current request on the app object, as Lambda runs one event
        # at a time per process. The lock keeps that true under a threaded server; with
        # sync workers it is never contended.
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        raw_path = environ.get("PATH_INFO") or "/"
        # PEP 3333 hands over the decoded path as latin-1; API Gateway decodes it as UTF-8.
        path = raw_path if raw_path.isascii() else _utf8(raw_path)
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]  # API Gateway ignores one trailing slash
        method = environ["REQUEST_METHOD"]
        request_id = str(uuid.uuid4())
        matched = self._router.match(path)
        if matched is None:
            return _problem(start_response, environ, request_id, 404, _NO_RESOURCE)
        resource, path_params = matched
        if method not in resource.methods:
            if method == "OPTIONS" and resource.cors_headers is not None:
                start_response("200 OK", [*resource.cors_headers.items(), ("Content-Length", "0")])
                return [b""]
            allow = ("Allow", ", ".join(sorted(resource.methods)))
            detail = f"{method} is not supported on this resource."
            return _problem(start_response, environ, request_id, 405, detail, allow)
        try:
            event = self._event(environ, method, path, resource, path_params, request_id)
        except _BodyTooLarge:
            return _problem(start_response, environ, request_id, 413, _TOO_LARGE)
        context = LambdaContext(request_id, self._function_name, self._timeout)
        try:
            with self._lock:
                reply = self._app(event, context)
        except Exception:
            # Chalice turns view errors into responses itself; this is the Lambda-crash
            # case, which must still end as a problem document and not a stack trace.
            log.exception("unhandled error invoking the app", extra={"request_id": request_id})
            return _problem(start_response, environ, request_id, 500, None)
        return _respond(start_response, reply)

    def _client_address(self, environ: WSGIEnvironment, forwarded: str | None) -> str:
        """The address rate limits count against. ``X-Forwarded-For`` counts only when the
        peer is one of our proxies (``TRUSTED_PROXIES``); then its last entry, the peer
        our nginx saw, is the client (earlier entries are whatever the client claimed)."""
        peer = str(environ.get("REMOTE_ADDR", ""))
        if not forwarded or not _is_in(peer, self._trusted_proxies):
            return peer
        return forwarded.rsplit(",", 1)[-1].strip()

    def _event(
        self,
        environ: WSGIEnvironment,
        method: str,
        path: str,
        resource: Resource,
        path_params: dict[str, str] | None,
        request_id: str,
    ) -> dict[str, Any]:
        headers = _headers(environ)
        query = environ.get("QUERY_STRING")
        if query and not query.isascii():
            query = _utf8(query)
        single_query: dict[str, str] | None = None
        multi_query: dict[str, list[str]] | None = None
        if query:
            multi_query = {}
            for key, value in parse_qsl(query, keep_blank_values=True):
                multi_query.setdefault(key, []).append(value)
            single_query = {key: values[-1] for key, values in multi_query.items()}
        body, is_base64 = self._body(environ, headers.get("content-type", ""))
        source_ip = self._client_address(environ, headers.get("x-forwarded-for"))
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
                "stage": self._stage,
            },
        }

    def _body(self, environ: WSGIEnvironment, content_type: str) -> tuple[str | None, bool]:
        raw = _read_body(environ)
        if raw is None:
            return None, False
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in self._binary_types and "*/*" not in self._binary_types:
            try:
                return raw.decode("utf-8"), False
            except UnicodeDecodeError:
                pass  # not text after all: base64 keeps every byte intact
        return base64.b64encode(raw).decode("ascii"), True


class _BodyTooLarge(Exception):
    """The request body exceeds what API Gateway would accept."""


def _utf8(latin1: str) -> str:
    return latin1.encode("latin-1").decode("utf-8", "replace")


_HEADER_NAMES: dict[str, str] = {}


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    """Request headers with lower-case names (Chalice matches them case-insensitively)."""
    headers: dict[str, str] = {}
    names = _HEADER_NAMES
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = names.get(key)
            if name is None:
                name = names[key] = key[5:].replace("_", "-").lower()
            headers[name] = value if value.isascii() else _utf8(value)
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
            raise _BodyTooLarge
        data: bytes = stream.read(length) if length > 0 else b""
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        data = stream.read(MAX_BODY_BYTES + 1)
        if len(data) > MAX_BODY_BYTES:
            raise _BodyTooLarge
    else:
        return None
    return data or None


def _respond(start_response: StartResponse, reply: Mapping[str, Any]) -> list[bytes]:
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


def _problem(
    start_response: StartResponse,
    environ: WSGIEnvironment,
    request_id: str,
    status: int,
    detail: str | None,
    *extra_headers: tuple[str, str],
) -> list[bytes]:
    """A gateway-level answer in the API's problem+json shape (DESIGN §3, Errors)."""
    claimed = environ.get("HTTP_X_REQUEST_ID", "")
    rid = claimed if _REQUEST_ID.fullmatch(claimed) else request_id
    doc: dict[str, Any] = {"type": "about:blank", "title": _TITLES[status], "status": status}
    if detail is not None:
        doc["detail"] = detail
    doc["request_id"] = rid
    body = json.dumps(doc, separators=(",", ":")).encode()
    headers = [
        ("Content-Type", "application/problem+json"),
        ("Content-Length", str(len(body))),
        ("X-Request-Id", rid),
        *extra_headers,
    ]
    start_response(_STATUS_LINES[status], headers)
    return [body]


def create_application(chalice_app: Any) -> ChaliceWSGI:
    """The WSGI application serving ``chalice_app`` (a ``chalice.Chalice``)."""
    return ChaliceWSGI(chalice_app)


def _load() -> ChaliceWSGI:
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)  # the Chalice project imports as top-level `app`
    from app import app

    return create_application(app)


def __getattr__(name: str) -> Any:
    # `application` is built on first access so that importing this module (tests, the
    # scheduler) does not import the whole app; gunicorn's lookup triggers it once.
    if name == "application":
        value = _load()
        globals()["application"] = value
        return value
    raise AttributeError(name)
