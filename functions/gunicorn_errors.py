"""gunicorn workers whose own error replies are problem documents (DESIGN §3).

gunicorn answers some requests without calling the app: a malformed request line, a URL
over ``limit_request_line`` (414), too many or too large headers (431), an unsupported
transfer coding (501). Its stock reply is an HTML page that names the failed check and
the configured limit ("Request Line is too large (6000 > 4094)"). These workers keep
gunicorn's own classification and logging (``Worker.handle_error``) and replace only
the bytes it writes: a problem+json body with a generic detail, the request id, and no
internals.

Selected in gunicorn.conf.py's ``worker_class``: ``GUNICORN_WORKER_CLASS=sync`` (default)
runs :class:`ProblemSyncWorker`, ``gthread`` runs :class:`ProblemThreadWorker`.
"""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import Any

from gunicorn import util  # type: ignore[import-untyped, unused-ignore]
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped, unused-ignore]
from gunicorn.workers.sync import SyncWorker  # type: ignore[import-untyped, unused-ignore]

from chalicelib.cors import cors_headers
from chalicelib.problem_docs import PROBLEM_TYPE, problem_document, request_id_or

# What the client is told, per status gunicorn chose; never the check or the limit.
DETAILS = {
    400: "The request is malformed.",
    403: "The request is forbidden.",
    414: "The request URL is too long.",
    417: "The expectation given in the Expect header cannot be met.",
    431: "The request headers are too many or too large.",
    500: "An unexpected error occurred.",
    501: "The request's transfer coding is not supported.",
}
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ")


class _Captured:
    """Stands in for the client socket while gunicorn writes its error reply."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0  # so util.write_nonblock leaves the real socket's mode alone

    def sendall(self, data: bytes) -> None:
        self.data += bytes(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def problem_reply(status: int, request_id: str, origin: str | None = None) -> bytes:
    """The complete HTTP/1.1 error reply: head and problem+json body (with the generic
    code of its status), and CORS headers when ``origin`` is allowed."""
    body = json.dumps(
        problem_document(status, DETAILS.get(status, DETAILS[400]), request_id),
        separators=(",", ":"),
    ).encode()
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Request-Id: {request_id}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in cors_headers(origin).items())
        + "\r\n"
    )
    return head.encode("latin-1") + body


def _header(req: Any, wanted: str) -> str | None:
    found = None
    for name, value in getattr(req, "headers", None) or ():
        if str(name).upper() == wanted:
            found = str(value)
    return found


def _request_id(req: Any) -> str:
    return request_id_or(_header(req, "X-REQUEST-ID"), uuid.uuid4().hex)


class ProblemErrorsMixin:
    """``handle_error`` that answers problem+json instead of gunicorn's HTML page."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _Captured(client)
        super().handle_error(req, captured, addr, exc)  # type: ignore[misc]
        found = _STATUS_LINE.match(captured.data)
        status = int(found.group(1)) if found else 500
        try:
            reply = problem_reply(status, _request_id(req), _header(req, "ORIGIN"))
            util.write_nonblock(client, reply)
        except Exception:  # the client is gone; gunicorn does the same
            self.log.debug("Failed to send error message.")  # type: ignore[attr-defined]


class ProblemSyncWorker(ProblemErrorsMixin, SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker with problem+json error replies."""


class ProblemThreadWorker(ProblemErrorsMixin, ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker with problem+json error replies."""
