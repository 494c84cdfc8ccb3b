"""The WSGI application that serves a Chalice app the way API Gateway + Lambda do.

Each WSGI request is replayed as an API Gateway REST (v1) proxy event and handed to
``app(event, context)``, the same call Lambda makes; the proxy response is translated
back. So the container and the native stack run the very code that runs on Lambda
(DESIGN §5).

Where API Gateway answers without calling Lambda, so does this adapter: an unknown path
is a 404 ``not_found`` problem document (DESIGN §3; on AWS a gateway response in
infra/ rewrites API Gateway's 403 "Missing Authentication Token" the same way), a method
the app does not route is a 405, and a CORS preflight for a route with Chalice's CORS
enabled is answered here. (This API routes OPTIONS and every other method of each path
to the app itself, chalicelib/fallbacks.py, so its preflights and 405s are the app's.)

This is the hot path (DESIGN §6): route matching is precomputed once and the per-request
work is a dictionary lookup plus building one event dict.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chalice.local import LambdaContext

from gateway.events import BodyTooLarge, problem_reply, proxy_event, respond, utf8
from gateway.router import Router

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("taskapp.wsgi")

_NO_RESOURCE = "No resource matches the request path."
_TOO_LARGE = "The request body is too large."
_MEMORY_MB = 1024  # what the Lambda functions are given (infra/), reported in the context

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class _Context(LambdaContext):
    # Chalice's count goes below zero once the budget is spent; Lambda's stops at zero.
    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(super().get_remaining_time_in_millis()))


def lambda_context(request_id: str, function_name: str, timeout_seconds: float) -> LambdaContext:
    """The Lambda context of one invocation: Chalice's own emulation of it (what
    ``chalice local`` passes), carrying this request's id and time budget."""
    context = _Context(function_name, _MEMORY_MB, max_runtime_ms=int(timeout_seconds * 1000))
    context.aws_request_id = request_id
    return context


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
        path = raw_path if raw_path.isascii() else utf8(raw_path)
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]  # API Gateway ignores one trailing slash
        method = environ["REQUEST_METHOD"]
        request_id = str(uuid.uuid4())
        matched = self._router.match(path)
        if matched is None:
            return problem_reply(start_response, environ, request_id, 404, _NO_RESOURCE)
        resource, path_params = matched
        if method not in resource.methods:
            if method == "OPTIONS" and resource.cors_headers is not None:
                start_response("200 OK", [*resource.cors_headers.items(), ("Content-Length", "0")])
                return [b""]
            allow = ("Allow", ", ".join(sorted(resource.methods)))
            detail = f"{method} is not supported on this resource."
            return problem_reply(start_response, environ, request_id, 405, detail, allow)
        try:
            event = proxy_event(
                environ,
                method=method,
                path=path,
                resource=resource,
                path_params=path_params,
                request_id=request_id,
                stage=self._stage,
                source_ip=self._client_address(environ),
                binary_types=self._binary_types,
            )
        except BodyTooLarge:
            return problem_reply(start_response, environ, request_id, 413, _TOO_LARGE)
        context = lambda_context(request_id, self._function_name, self._timeout)
        try:
            with self._lock:
                reply = self._app(event, context)
        except Exception:
            # Chalice turns view errors into responses itself; this is the Lambda-crash
            # case, which must still end as a problem document and not a stack trace.
            log.exception("unhandled error invoking the app", extra={"request_id": request_id})
            return problem_reply(start_response, environ, request_id, 500, None)
        body = respond(start_response, reply)
        # A HEAD reply has the GET's headers, Content-Length included, and never a body,
        # as API Gateway sends it; not left to the HTTP server (gunicorn before 26.1 sent
        # it, which a keep-alive client would read as the start of its next reply).
        return [b""] if method == "HEAD" else body

    def _client_address(self, environ: WSGIEnvironment) -> str:
        """The address rate limits count against. ``X-Forwarded-For`` counts only when the
        peer is one of our proxies (``TRUSTED_PROXIES``); then its last entry, the peer
        our nginx saw, is the client (earlier entries are whatever the client claimed)."""
        peer = str(environ.get("REMOTE_ADDR", ""))
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if not forwarded or not _is_in(peer, self._trusted_proxies):
            return peer
        return str(forwarded).rsplit(",", 1)[-1].strip()


def _networks(spec: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())


def _is_in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def create_application(chalice_app: Any) -> ChaliceWSGI:
    """The WSGI application serving ``chalice_app`` (a ``chalice.Chalice``)."""
    return ChaliceWSGI(chalice_app)
