"""gunicorn's own error replies become problem documents without internals."""

from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path
from typing import Any

import pytest
from gunicorn import util  # type: ignore[import-untyped, unused-ignore]
from gunicorn.http.errors import (  # type: ignore[import-untyped, unused-ignore]
    InvalidRequestLine,
    LimitRequestHeaders,
    LimitRequestLine,
    UnsupportedTransferCoding,
)

import gunicorn_errors

CONF = Path(__file__).resolve().parents[2] / "functions" / "gunicorn.conf.py"


class FakeSocket:
    def __init__(self) -> None:
        self.sent = b""
        self.timeout: float | None = None

    def gettimeout(self) -> float | None:
        return self.timeout

    def setblocking(self, flag: bool) -> None:
        self.timeout = None if flag else 0.0

    def sendall(self, data: bytes) -> None:
        self.sent += bytes(data)


def _reply(exc: BaseException, worker_class: type = gunicorn_errors.ProblemSyncWorker) -> Any:
    worker = worker_class.__new__(worker_class)
    worker.log = logging.getLogger("test.gunicorn")
    sock = FakeSocket()
    worker.handle_error(None, sock, ("127.0.0.1", 1), exc)
    head, _, body = sock.sent.partition(b"\r\n\r\n")
    return head.decode(), json.loads(body), body.decode()


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (InvalidRequestLine("GARBAGE"), 400, "malformed_request"),
        (LimitRequestLine(6000, 4094), 414, "payload_too_large"),
        (LimitRequestHeaders("limit request headers fields"), 431, "payload_too_large"),
        (UnsupportedTransferCoding("gzip"), 501, "malformed_request"),
        (RuntimeError("boom in the app"), 500, "internal"),
    ],
)
def test_errors_are_problem_documents_without_internals(
    exc: BaseException, status: int, code: str
) -> None:
    for worker_class in (gunicorn_errors.ProblemSyncWorker, gunicorn_errors.ProblemThreadWorker):
        head, doc, text = _reply(exc, worker_class)
        assert head.startswith(f"HTTP/1.1 {status} ")
        assert "Content-Type: application/problem+json" in head
        assert doc["status"] == status and doc["title"] and doc["request_id"]
        assert doc["code"] == code and doc["type"] == f"/v1/problems/{code}"
        assert f"X-Request-Id: {doc['request_id']}" in head
        # The request id is random hex, which may spell a limit ("4094") by chance.
        text, head = text.replace(doc["request_id"], ""), head.replace(doc["request_id"], "")
        for internal in ("gunicorn", "4094", "6000", "GARBAGE", "gzip", "boom", "<html"):
            assert internal not in text and internal not in head


def test_worker_classes_are_selected_and_loadable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUNICORN_WORKER_CLASS", raising=False)
    assert runpy.run_path(str(CONF))["worker_class"] == "gunicorn_errors.ProblemSyncWorker"
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    chosen = runpy.run_path(str(CONF))["worker_class"]
    assert chosen == "gunicorn_errors.ProblemThreadWorker"
    assert util.load_class(chosen) is gunicorn_errors.ProblemThreadWorker


def test_an_allowed_origin_can_read_gunicorns_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import cors

    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example")
    cors.allowed_origins.cache_clear()
    try:
        allowed = gunicorn_errors.problem_reply(431, "rid", "https://app.example").decode()
        other = gunicorn_errors.problem_reply(431, "rid", "https://evil.example").decode()
    finally:
        monkeypatch.delenv("CORS_ALLOWED_ORIGINS")
        cors.allowed_origins.cache_clear()
    assert "Access-Control-Allow-Origin: https://app.example\r\n" in allowed
    assert "Vary: Origin\r\n" in allowed
    assert "Access-Control-" not in other
