"""Every error of the stack is a problem document (DESIGN §3), including the answers
nginx and gunicorn make themselves, and none names a server, its version or a limit.

Malformed requests are written on raw sockets: no HTTP client sends them.
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import pytest

from chalicelib.problem_docs import PROBLEMS

pytestmark = pytest.mark.e2e

HOST = b"Host: localhost\r\nConnection: close\r\n"
# Anything that would tell a client which server (and version) answered, or its limits.
INTERNALS = re.compile(r"nginx|gunicorn|<html|\d+\.\d+\.\d+|4094|8190|> \d+|\(\d+", re.I)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _raw(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def _assert_problem(
    reply: tuple[int, dict[str, str], bytes], status: int, code: str | None = None
) -> dict[str, Any]:
    got, headers, body = reply
    assert got == status, (got, body[:300])
    assert headers.get("content-type") == "application/problem+json", (headers, body[:300])
    doc: dict[str, Any] = json.loads(body)
    assert doc["status"] == status and doc["title"]
    assert doc["code"] == (code or doc["code"]) and status in PROBLEMS[doc["code"]].statuses
    assert doc["type"] == f"/v1/problems/{doc['code']}"
    assert doc["request_id"] == headers.get("x-request-id"), (doc, headers)
    # The request id is random hex, which may spell a limit ("4094") by chance.
    assert not INTERNALS.search(body.decode().replace(doc["request_id"], "")), body
    # Stock nginx always sends "Server: nginx" (server_tokens off drops the version;
    # removing the header takes a third-party module): no version, at least.
    assert not re.search(r"\d", headers.get("server", "")), headers
    return doc


# What nginx answers itself, before any worker is involved.
NGINX_ERRORS = {
    "malformed request line": (b"GARBAGE\r\n\r\n", 400, "malformed_request"),
    "request line with extra fields": (
        b"GET / HTTP/1.1 extra\r\n" + HOST + b"\r\n",
        400,
        "malformed_request",
    ),
    "invalid Content-Length": (
        b"POST /v1/tasks HTTP/1.1\r\n" + HOST + b"Content-Length: abc\r\n\r\n",
        400,
        "malformed_request",
    ),
    "URL over nginx's buffers": (
        b"GET /v1/" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
        414,
        "payload_too_large",
    ),
    "header over nginx's buffers": (
        b"GET /v1/health HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n",
        431,
        "payload_too_large",
    ),
    "unknown transfer coding": (
        b"POST /v1/tasks HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n",
        501,
        "malformed_request",
    ),
    "TRACE": (b"TRACE /v1/health HTTP/1.1\r\n" + HOST + b"\r\n", 405, "method_not_allowed"),
    "body over 64 KiB": (
        b"POST /v1/tasks HTTP/1.1\r\n" + HOST + b"Content-Length: 70000\r\n\r\n" + b"x" * 70000,
        413,
        "payload_too_large",
    ),
    "nginx's own error pages are not reachable": (
        b"GET /_problems/bad_request HTTP/1.1\r\n" + HOST + b"\r\n",
        404,
        "not_found",
    ),
}

# What passes nginx but a gunicorn worker refuses before the app runs.
GUNICORN_ERRORS = {
    "URL over gunicorn's request-line limit": (
        b"GET /v1/" + b"a" * 5000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
        414,
        "payload_too_large",
    ),
    "more headers than gunicorn takes": (
        b"GET /v1/health HTTP/1.1\r\n"
        + HOST
        + b"".join(b"X-H%d: 1\r\n" % i for i in range(120))
        + b"\r\n",
        431,
        "payload_too_large",
    ),
}


@pytest.mark.parametrize("case", sorted(NGINX_ERRORS))
def test_nginx_errors_are_problem_documents(stack: Any, case: str) -> None:
    request, status, code = NGINX_ERRORS[case]
    _assert_problem(_raw(_port(stack.url), request), status, code)


@pytest.mark.parametrize("case", sorted(GUNICORN_ERRORS))
def test_gunicorn_errors_through_nginx_are_problem_documents(stack: Any, case: str) -> None:
    request, status, code = GUNICORN_ERRORS[case]
    _assert_problem(_raw(_port(stack.url), request), status, code)


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GARBAGE\r\n\r\n", 400, "malformed_request"),
        (b"GET /v1/health HTTP/9.9\r\n" + HOST + b"\r\n", 400, "malformed_request"),
        *(GUNICORN_ERRORS[case] for case in sorted(GUNICORN_ERRORS)),
    ],
    ids=["malformed line", "bad version", *sorted(GUNICORN_ERRORS)],
)
def test_gunicorn_errors_are_problem_documents(
    stack: Any, request_bytes: bytes, status: int, code: str
) -> None:
    # Straight to a worker, as the container image serves (gunicorn on port 3000).
    port = stack.config.worker_ports[0]
    doc = _assert_problem(_raw(port, request_bytes), status, code)
    assert doc["detail"] and "4094" not in doc["detail"]


def test_an_app_error_keeps_its_own_request_id_and_detail(stack: Any) -> None:
    request = (
        b"POST /v1/auth/login HTTP/1.1\r\n"
        + HOST
        + b"X-Request-Id: given-id-1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"
    )
    doc = _assert_problem(_raw(_port(stack.url), request), 415, "unsupported_media_type")
    assert doc["request_id"] == "given-id-1"


def test_a_body_without_content_type_is_415(stack: Any) -> None:
    body = b'{"email":"a@example.com","password":"whatever1"}'
    request = b"POST /v1/auth/login HTTP/1.1\r\n" + HOST + b"Content-Length: %d\r\n\r\n" % len(body)
    request += body
    doc = _assert_problem(_raw(_port(stack.url), request), 415)
    assert doc["title"] == "Unsupported media type"
