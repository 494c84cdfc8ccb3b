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
    ("exc", "status"),
    [
        (InvalidRequestLine("GARBAGE"), 400),
        (LimitRequestLine(6000, 4094), 414),
        (LimitRequestHeaders("limit request headers fields"), 431),
        (UnsupportedTransferCoding("gzip"), 501),
        (RuntimeError("boom in the app"), 500),
    ],
)
def test_errors_are_problem_documents_without_internals(exc: BaseException, status: int) -> None:
    for worker_class in (gunicorn_errors.ProblemSyncWorker, gunicorn_errors.ProblemThreadWorker):
        head, doc, text = _reply(exc, worker_class)
        assert head.startswith(f"HTTP/1.1 {status} ")
        assert "Content-Type: application/problem+json" in head
        assert doc["status"] == status and doc["title"] and doc["request_id"]
        assert f"X-Request-Id: {doc['request_id']}" in head
        for internal in ("gunicorn", "4094", "6000", "GARBAGE", "gzip", "boom", "<html"):
            assert internal not in text and internal not in head


def test_worker_classes_are_selected_and_loadable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUNICORN_WORKER_CLASS", raising=False)
    assert runpy.run_path(str(CONF))["worker_class"] == "gunicorn_errors.ProblemSyncWorker"
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    chosen = runpy.run_path(str(CONF))["worker_class"]
    assert chosen == "gunicorn_errors.ProblemThreadWorker"
    assert util.load_class(chosen) is gunicorn_errors.ProblemThreadWorker
