"""The gunicorn settings, and the patch that sends a response's head with its body."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config  # type: ignore[import-untyped, unused-ignore]
from gunicorn.http.wsgi import Response  # type: ignore[import-untyped, unused-ignore]

CONF = Path(__file__).resolve().parents[2] / "functions" / "gunicorn.conf.py"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in ("PORT", "HOST", "WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(CONF))


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sent.append(bytes(data))


def _response(method: str = "GET") -> tuple[Any, RecordingSocket]:
    sock = RecordingSocket()
    request = SimpleNamespace(version=(1, 1), method=method, should_close=lambda: True)
    return Response(request, sock, Config()), sock


def test_defaults(settings: dict[str, Any]) -> None:
    assert settings["bind"] == "0.0.0.0:3000"
    assert settings["workers"] == 2
    assert settings["worker_class"] == "gunicorn_errors.ProblemSyncWorker"
    assert settings["wsgi_app"] == "wsgi:application"
    assert settings["accesslog"] is None
    assert settings["preload_app"] is False
    assert settings["graceful_timeout"] < settings["timeout"]


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "3007")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    settings = runpy.run_path(str(CONF))
    assert settings["bind"] == "127.0.0.1:3007"
    assert settings["workers"] == 5


def test_head_and_body_leave_in_one_write(settings: dict[str, Any]) -> None:
    response, sock = _response()
    response.start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")]
    )
    response.write(b"{}")
    response.close()
    assert len(sock.sent) == 1
    head, _, body = sock.sent[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert body == b"{}"


def test_a_response_without_body_still_sends_its_head(settings: dict[str, Any]) -> None:
    response, sock = _response(method="HEAD")
    response.start_response("200 OK", [("Content-Length", "2")])
    response.write(b"{}")  # dropped for HEAD
    assert sock.sent == []
    response.close()
    assert len(sock.sent) == 1 and sock.sent[0].endswith(b"\r\n\r\n")


def test_no_content(settings: dict[str, Any]) -> None:
    response, sock = _response()
    response.start_response("204 No Content", [])
    response.close()
    assert [s.split(b"\r\n", 1)[0] for s in sock.sent] == [b"HTTP/1.1 204 No Content"]


def test_the_patch_is_applied_once(settings: dict[str, Any]) -> None:
    patched = Response.send_headers
    runpy.run_path(str(CONF))
    assert Response.send_headers is patched
