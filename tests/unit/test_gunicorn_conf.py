"""The gunicorn settings, and the patch that sends a response's head with its body.

The patch (functions/gunicorn_head.py) is installed by the settings' ``on_starting`` hook;
tests/e2e/test_gunicorn_head.py shows what it is for with real processes.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gunicorn  # type: ignore[import-untyped, unused-ignore]
import pytest
from gunicorn.config import Config  # type: ignore[import-untyped, unused-ignore]
from gunicorn.http.wsgi import Response  # type: ignore[import-untyped, unused-ignore]

import gunicorn_head

CONF = Path(__file__).resolve().parents[2] / "functions" / "gunicorn.conf.py"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in ("PORT", "HOST", "WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS", "GUNICORN_HOLD_HEAD"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(CONF))


class RecordingLog:
    """gunicorn's logger as far as the hook and the patch use it."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, msg: str, *args: Any) -> None:
        self.lines.append(("info", msg % args))

    def warning(self, msg: str, *args: Any) -> None:
        self.lines.append(("warning", msg % args))


@pytest.fixture
def unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn's Response as if never patched here; whatever it was is restored after."""
    for name in ("send_headers", "close"):
        method = getattr(Response, name)
        monkeypatch.setattr(Response, name, getattr(method, "__wrapped__", method))
    monkeypatch.setattr(Response, "_taskapp_head_with_body", False, raising=False)


@pytest.fixture
def patched(unpatched: None, settings: dict[str, Any]) -> None:
    """The patch, installed as gunicorn installs it: the settings' on_starting hook.

    Taken off again after the test (by ``unpatched``), as are the ones tests install.
    """
    settings["on_starting"](SimpleNamespace(log=RecordingLog()))
    assert gunicorn_head.is_installed()


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


def test_head_and_body_leave_in_one_write(patched: None) -> None:
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


@pytest.mark.skipif(
    (gunicorn_head.parse_version(gunicorn.__version__) or (0,)) < (26, 1, 0),
    reason="gunicorn < 26.1 sends the body bytes a WSGI app writes for HEAD (its own "
    "behaviour, patched or not); test_no_content covers a head without body there",
)
def test_a_response_without_body_still_sends_its_head(patched: None) -> None:
    response, sock = _response(method="HEAD")
    response.start_response("200 OK", [("Content-Length", "2")])
    response.write(b"{}")  # dropped for HEAD
    assert sock.sent == []
    response.close()
    assert len(sock.sent) == 1 and sock.sent[0].endswith(b"\r\n\r\n")


def test_no_content(patched: None) -> None:
    response, sock = _response()
    response.start_response("204 No Content", [])
    response.close()
    assert [s.split(b"\r\n", 1)[0] for s in sock.sent] == [b"HTTP/1.1 204 No Content"]


def test_the_patch_is_applied_once(patched: None, settings: dict[str, Any]) -> None:
    patched_send_headers = Response.send_headers
    runpy.run_path(str(CONF))
    settings["on_starting"](SimpleNamespace(log=RecordingLog()))
    assert gunicorn_head.install() is True
    assert Response.send_headers is patched_send_headers


def test_importing_the_settings_patches_nothing(unpatched: None, settings: dict[str, Any]) -> None:
    # Only the hook installs it (in the master, before workers fork), never the import.
    assert not gunicorn_head.is_installed()
    log = RecordingLog()
    settings["on_starting"](SimpleNamespace(log=log))
    assert gunicorn_head.is_installed()
    assert log.lines == []


def test_the_hook_finds_the_module_when_pythonpath_does_not_hold_it(
    unpatched: None, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for bench/hello.py, served with these settings and --pythonpath bench.
    functions = str(CONF.parent)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if os.path.abspath(p) != functions])
    monkeypatch.delitem(sys.modules, "gunicorn_head")
    settings["on_starting"](SimpleNamespace(log=RecordingLog()))
    assert gunicorn_head.is_installed()


def test_gunicorn_hold_head_0_turns_it_off(
    unpatched: None, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_HOLD_HEAD", "0")
    log = RecordingLog()
    settings["on_starting"](SimpleNamespace(log=log))
    assert not gunicorn_head.is_installed()
    assert [level for level, _ in log.lines] == ["info"]
    response, sock = _response()
    response.start_response("200 OK", [("Content-Length", "2")])
    response.write(b"{}")
    response.close()
    assert len(sock.sent) == 2  # gunicorn's own behaviour: head, then body


# Each of these was installed and passed this file and tests/e2e/test_gunicorn_head.py.
VERIFIED = [
    "22.0.0",
    "23.0.0",
    "24.0.0",
    "24.1.0",
    "24.1.1",
    "25.0.0",
    "25.0.1",
    "25.0.2",
    "25.0.3",
    "25.1.0",
    "25.2.0",
    "25.3.0",
    "26.0.0",
    "26.1.0",
    "26.2.0",
    "27.0.0",
    "27.0.1",
]


@pytest.mark.parametrize("version", VERIFIED)
def test_the_tested_range_is_the_verified_versions(version: str) -> None:
    assert gunicorn_head.is_tested(version)
    assert gunicorn_head.parse_version(VERIFIED[0]) == gunicorn_head.TESTED_FROM
    assert gunicorn_head.parse_version(VERIFIED[-1]) == gunicorn_head.TESTED_UP_TO


@pytest.mark.parametrize(
    "version", ["21.2.0", "27.0.2", "27.1.0", "28.0.0", "27.0.1rc1", "28", "", "unknown"]
)
def test_untested_versions_are_refused(
    unpatched: None, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    assert not gunicorn_head.is_tested(version)
    monkeypatch.setattr(gunicorn, "__version__", version)
    before = (Response.send_headers, Response.close)
    log = RecordingLog()
    assert gunicorn_head.install(log) is False
    assert (Response.send_headers, Response.close) == before
    assert not gunicorn_head.is_installed()
    [(level, line)] = log.lines
    assert level == "warning"
    assert f"gunicorn {version} is outside" in line and "not installed" in line


def test_a_refusal_goes_to_gunicorns_error_log_by_default(
    unpatched: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(gunicorn, "__version__", "28.0.0")
    with caplog.at_level("WARNING", logger="gunicorn.error"):
        assert gunicorn_head.install() is False
    assert [r.name for r in caplog.records] == ["gunicorn.error"]
    assert "28.0.0" in caplog.records[0].getMessage()


def test_the_hook_survives_a_refusal(
    unpatched: None, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server still starts, just without the patch.
    monkeypatch.setattr(gunicorn, "__version__", "99.0.0")
    log = RecordingLog()
    settings["on_starting"](SimpleNamespace(log=log))
    assert not gunicorn_head.is_installed()
    assert [level for level, _ in log.lines] == ["warning"]


def test_the_installed_gunicorn_is_a_tested_one() -> None:
    # A tripwire: a new gunicorn within pyproject's pin but past the tested range runs
    # without the patch. Run this file and the e2e test on it, then move the bound.
    assert gunicorn_head.is_tested(gunicorn.__version__), gunicorn.__version__
