"""The client contract through nginx and real workers (DESIGN §3): problem codes from
every layer, CORS for the allowed origins on every reply (nginx's own errors included),
preflights without a token.

The shared stack allows the origins of ``e2e_support.CORS_ORIGINS``.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from e2e_support import HttpApi, free_ports, local_stack
from local.stack.children import find_executable
from local.stack.nginx import NginxSite

from security_support import problem
from support import Reply

pytestmark = pytest.mark.e2e

ALLOWED = "https://app.example"
PASSWORD = "correct horse"


def coded(reply: Reply, status: int, code: str) -> dict[str, Any]:
    body = problem(reply, status)
    assert body["code"] == code and body["type"] == f"/v1/problems/{code}", body
    return body


def test_problem_codes_through_nginx(api: HttpApi) -> None:
    """The rows of DESIGN's table a client can reach over HTTP without a clock of its
    own (expiry, quotas and outages are asserted in tests/integration/test_problem_codes.py)."""
    session = api.register()
    token = session["access_token"]
    task = api.create(token)
    path = f"/v1/tasks/{task['id']}"
    bearer = {"Authorization": f"Bearer {token}"}
    cases = [
        (api.request("POST", "/v1/tasks", raw="{", token=token), 400, "malformed_json"),
        (api.request("GET", "/v1/tasks?limit=0", token=token), 400, "invalid_query"),
        (api.request("GET", "/v1/tasks?cursor=forged", token=token), 400, "invalid_cursor"),
        (api.request("GET", "/v1/sync?since=forged", token=token), 400, "invalid_cursor"),
        (api.request("GET", "/v1/tasks"), 401, "unauthenticated"),
        (api.request("GET", "/v1/tasks", token=token + "x"), 401, "token_invalid"),
        (
            api.request("POST", "/v1/auth/login", {"email": "no@example.com", "password": "x"}),
            401,
            "invalid_credentials",
        ),
        (api.request("GET", "/v1/tasks/nope", token=token), 404, "not_found"),
        (api.request("GET", "/v1/nowhere"), 404, "not_found"),
        (api.request("PUT", "/v1/tasks", headers=bearer), 405, "method_not_allowed"),
        (
            api.request(
                "POST",
                "/v1/auth/register",
                {"email": session["user"]["email"], "password": PASSWORD},
            ),
            409,
            "email_taken",
        ),
        (
            api.request("PATCH", path, {"title": "x"}, token=token, headers={"If-Match": '"9"'}),
            412,
            "version_mismatch",
        ),
        (
            api.request("POST", "/v1/tasks", raw="x" * 70000, token=token),  # nginx's own
            413,
            "payload_too_large",
        ),
        (
            api.request(
                "POST", "/v1/tasks", raw="{}", token=token, headers={"Content-Type": "text/plain"}
            ),
            415,
            "unsupported_media_type",
        ),
        (api.request("POST", "/v1/tasks", {"title": ""}, token=token), 422, "validation_failed"),
    ]
    for reply, status, code in cases:
        coded(reply, status, code)
    first = api.request(
        "POST", "/v1/tasks", {"title": "a"}, token=token, headers={"Idempotency-Key": "k"}
    )
    assert first.status == 201
    reused = api.request(
        "POST", "/v1/tasks", {"title": "b"}, token=token, headers={"Idempotency-Key": "k"}
    )
    coded(reused, 409, "idempotency_key_reused")
    expired = api.request("GET", "/v1/me", token=token + "x")
    assert 'error="invalid_token"' in (expired.header("WWW-Authenticate") or "")


def test_preflight_through_nginx(api: HttpApi) -> None:
    asked = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, if-match",
    }
    reply = api.session.options(f"{api.base_url}/v1/tasks/01ABC", headers=asked, timeout=30)
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert set(reply.headers["Access-Control-Allow-Methods"].split(", ")) == {
        "DELETE",
        "GET",
        "HEAD",
        "PATCH",
    }
    assert "If-Match" in reply.headers["Access-Control-Allow-Headers"]
    # One Vary and one Allow-Origin: nginx adds its own only where the app gave none.
    assert reply.headers["Vary"] == "Origin"
    other = api.session.options(
        f"{api.base_url}/v1/tasks/01ABC",
        headers={**asked, "Origin": "https://evil.example"},
        timeout=30,
    )
    assert other.status_code == 204
    assert not [h for h in other.headers if h.lower().startswith("access-control-")]


def test_allowed_origins_read_nginxs_own_errors(api: HttpApi, stack: Any) -> None:
    sent = {"Origin": ALLOWED}
    too_large = api.request("POST", "/v1/tasks", raw="x" * 70000, headers=sent)
    coded(too_large, 413, "payload_too_large")
    assert too_large.header("Access-Control-Allow-Origin") == ALLOWED
    assert "X-Request-Id" in (too_large.header("Access-Control-Expose-Headers") or "")
    app_error = api.request("GET", "/v1/me", headers=sent)
    coded(app_error, 401, "unauthenticated")
    assert app_error.header("Access-Control-Allow-Origin") == ALLOWED
    # nginx's brake on /v1/auth/ (10/s, bursts of 20): its 429 is readable too. Refresh
    # attempts, which the app does not count per address (logins would lock the next
    # tests' logins out of the app's own per-address limit for a minute).
    body = {"refresh_token": "not.a.token"}
    limited = None
    for _ in range(60):
        reply = api.request("POST", "/v1/auth/refresh", body, headers=sent)
        if reply.status == 429:
            limited = reply
            break
    assert limited is not None
    coded(limited, 429, "rate_limited")
    assert limited.header("Access-Control-Allow-Origin") == ALLOWED
    assert limited.header("Retry-After")
    time.sleep(2.5)  # the burst drains before the next test logs in


def _nginx() -> str:
    try:
        return find_executable("nginx")
    except local_stack.StackError:
        pytest.skip("no nginx here (make system-packages installs it)")


def test_nginx_matches_origins_against_the_list(tmp_path: Path) -> None:
    """The list match of the template, in a real nginx whose only upstream is down, so
    every answer is nginx's own 503."""
    nginx = _nginx()
    port, dead = free_ports(2)
    site = NginxSite(
        port=port,
        worker_ports=(dead,),
        log_dir=tmp_path,
        nginx_dir=tmp_path / "nginx",
        cors_allowed_origins="https://app.example, HTTP://localhost:5173/",
    )
    site.write()
    process = subprocess.Popen([nginx, "-g", "daemon off;", *site.args(nginx)])
    try:
        answers = {}
        for origin in (
            "https://app.example",
            "http://localhost:5173",
            "https://evil.example",
            "https://app.example.evil",
            "https://x.example|https://app.example",
            "",
        ):
            answers[origin] = _allowed_origin_of_error(port, origin)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert answers == {
        "https://app.example": "https://app.example",
        "http://localhost:5173": "http://localhost:5173",
        "https://evil.example": None,
        "https://app.example.evil": None,
        "https://x.example|https://app.example": None,
        "": None,
    }


def _allowed_origin_of_error(port: int, origin: str) -> str | None:
    headers = {"Origin": origin} if origin else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/health", headers=headers)
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback only
        except urllib.error.HTTPError as error:
            assert error.code == 503
            assert error.headers.get("Content-Type") == "application/problem+json"
            value = error.headers.get("Access-Control-Allow-Origin")
            assert (error.headers.get("Vary") == "Origin") == (value is not None)
            return value
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        else:
            raise AssertionError("nothing should answer behind this nginx")


def test_head_through_nginx_is_the_get_without_a_body(api: HttpApi) -> None:
    """An uptime probe's HEAD: the GET's status and length, no body, and the keep-alive
    connection still good for the next request."""
    got = api.session.get(f"{api.base_url}/v1/health", timeout=30)
    head = api.session.head(f"{api.base_url}/v1/health", timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(got.content))
    again = api.session.get(f"{api.base_url}/v1/health", timeout=30)  # same connection
    assert again.status_code == 200 and again.json() == {"status": "ok"}
