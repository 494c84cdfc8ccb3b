"""What every path answers besides its operations: ``HEAD`` where it has ``GET`` (RFC 9110:
the GET's status and headers; the HTTP server or API Gateway drops the body), a CORS
preflight (``OPTIONS``) and 405 for the methods it does not have.

Declared as routes of the app, so that API Gateway sends them to Lambda like any other
request (its own answers, a mock ``OPTIONS`` integration with one fixed origin or a 403
"Missing Authentication Token" for a method the path lacks, could not follow DESIGN §3),
and the WSGI gateway of the local stacks does exactly the same. Added once every
operation is registered (:func:`add_fallback_routes` in ``app.py``), so a new handler
module gets them without declaring anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from chalicelib.cors import preflight_headers
from chalicelib.http import request_id_var
from chalicelib.problems import problem

# The methods API Gateway can route, besides OPTIONS; those a path lacks answer 405.
METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
FALLBACK_VIEWS = frozenset({"head", "preflight", "method_not_allowed"})


def add_fallback_routes(app: Chalice) -> None:
    """Give every path of ``app`` its HEAD, its preflight and its 405 answers."""
    for path, entries in list(app.routes.items()):
        if "GET" in entries and "HEAD" not in entries:
            app.route(path, methods=["HEAD"], content_types=["*/*"])(
                _head(entries["GET"].view_function)
            )
        methods = sorted(entries)
        if "OPTIONS" not in entries:
            # Any content type: neither answer reads a body, and 405 must not become 415.
            app.route(path, methods=["OPTIONS"], content_types=["*/*"])(_preflight(app, methods))
        missing = [method for method in METHODS if method not in entries]
        if missing:
            app.route(path, methods=missing, content_types=["*/*"])(_not_allowed(app, methods))


def _head(get: Callable[..., Response]) -> Callable[..., Response]:
    def head(**params: str) -> Response:
        """The GET's reply, authentication and conditional headers included: its status
        and headers (Content-Length too) are HEAD's, and its body is never sent."""
        return get(**params)

    return head


def _preflight(app: Chalice, methods: list[str]) -> Callable[..., Response]:
    def preflight(**_params: str) -> Response:
        """The CORS preflight: 204, no authentication, the path's methods."""
        origin = app.current_request.headers.get("origin") if app.current_request else None
        headers: dict[str, str | list[str]] = {**preflight_headers(origin, methods)}
        return Response(body="", status_code=204, headers=headers)

    return preflight


def _not_allowed(app: Chalice, methods: list[str]) -> Callable[..., Response]:
    allow = ", ".join([*methods, "OPTIONS"])

    def method_not_allowed(**_params: Any) -> Response:
        """405 with the path's methods in ``Allow``."""
        method = app.current_request.method if app.current_request else "This method"
        detail = f"{method} is not supported on this resource; see Allow."
        return problem(405, detail, request_id_var.get(), headers={"Allow": allow})

    return method_not_allowed
