"""DESIGN §3's problem-code table, route by route: every row's code comes from the route
that the table names, with ``type: /v1/problems/<code>``, through the WSGI gateway the
containers run (moto and the real Redis behind it).

Rows whose routes belong to other v1.1 work (e-mail tokens, lists) are checked when those
routes are served, and skipped with that reason until then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from security_support import problem
from support import ApiClient, FakeClock, Reply
from taskcore.errors import DependencyUnavailable
from taskcore.services.deps import Deps

PASSWORD = "correct horse"


def coded(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """The problem document of ``reply``, checked to carry ``code``."""
    body = problem(reply, status)
    assert body["code"] == code, body
    assert body["type"] == f"/v1/problems/{code}"
    return body


def challenge(reply: Reply) -> str:
    value = reply.header("WWW-Authenticate")
    assert value is not None and value.startswith("Bearer ")
    return value


def served(method: str, path: str) -> bool:
    from app import app

    return method in app.routes.get(path, {})


# --- 400 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["{", "", "[" * 60000], ids=["truncated", "empty", "nested too deeply"]
)
def test_malformed_json(api: ApiClient, raw: str) -> None:
    token = api.token()
    coded(api.request("POST", "/v1/tasks", raw=raw, token=token), 400, "malformed_json")
    coded(api.request("POST", "/v1/auth/login", raw=raw[:100] or "{"), 400, "malformed_json")


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/v1/tasks?limit=0", "limit"),
        ("/v1/tasks?completed=yes", "completed"),
        ("/v1/tasks?due_from=2026-03-02&due_until=2026-03-01", "due_from"),
        ("/v1/tasks?unknown=1", "unknown"),
        ("/v1/sync?limit=501", "limit"),
        ("/v1/notifications?unread=1", "unread"),
    ],
)
def test_invalid_query(api: ApiClient, path: str, needle: str) -> None:
    body = coded(api.request("GET", path, token=api.token()), 400, "invalid_query")
    assert needle in body["detail"]


def test_invalid_cursor_on_lists_and_sync(api: ApiClient) -> None:
    token = api.token()
    for n in range(2):
        api.create(token, title=f"t{n}")
    page = api.request("GET", "/v1/tasks?limit=1", token=token).json
    cursor = quote(page["next_cursor"])
    for path in (
        "/v1/tasks?cursor=forged",
        f"/v1/tasks?limit=1&completed=true&cursor={cursor}",  # another query
        "/v1/notifications?cursor=forged",
        "/v1/sync?since=forged",
    ):
        coded(api.request("GET", path, token=token), 400, "invalid_cursor")
    other = api.token()
    coded(api.request("GET", f"/v1/tasks?limit=1&cursor={cursor}", token=other), 400,
          "invalid_cursor")  # fmt: skip


def test_a_malformed_idempotency_key(api: ApiClient) -> None:
    reply = api.request(
        "POST", "/v1/tasks", {"title": "t"}, token=api.token(), headers={"Idempotency-Key": " "}
    )
    coded(reply, 400, "malformed_request")


@pytest.mark.skipif(
    not served("POST", "/v1/auth/verify-email"), reason="e-mail tokens (issue 17) not served"
)
def test_invalid_email_token(api: ApiClient) -> None:
    reply = api.request("POST", "/v1/auth/verify-email", {"token": "not-a-token"})
    coded(reply, 400, "invalid_email_token")


# --- 401 ----------------------------------------------------------------------------------


def test_unauthenticated_without_a_bearer_token(api: ApiClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        reply = api.request("GET", "/v1/tasks", headers=headers)
        coded(reply, 401, "unauthenticated")
        # Nothing was sent to be invalid: the plain challenge.
        assert challenge(reply) == 'Bearer realm="tasks"'


def test_token_expired(api: ApiClient, clock: FakeClock) -> None:
    token = api.token()
    clock.advance(minutes=16)
    reply = api.request("GET", "/v1/me", token=token)
    coded(reply, 401, "token_expired")
    assert 'error="invalid_token"' in challenge(reply)


def test_token_invalid_when_forged_revoked_or_its_account_is_gone(api: ApiClient) -> None:
    session = api.register()
    token = session["access_token"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert api.request("POST", "/v1/auth/logout", token=token).status == 204
    gone = api.register()
    deleted = api.request("DELETE", "/v1/me", {"password": PASSWORD}, token=gone["access_token"])
    assert deleted.status == 204
    for bad in (forged, "not.a.jwt", token, gone["access_token"]):
        reply = api.request("GET", "/v1/tasks", token=bad)
        coded(reply, 401, "token_invalid")
        assert 'error="invalid_token"' in challenge(reply)
    # A spent-and-revoked refresh token: log in again, refreshing cannot help.
    reused = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    coded(reused, 401, "token_invalid")


def test_invalid_credentials(api: ApiClient) -> None:
    session = api.register()
    email = session["user"]["email"]
    for who in (email, "nobody@example.com"):
        reply = api.request("POST", "/v1/auth/login", {"email": who, "password": "wrong pass"})
        coded(reply, 401, "invalid_credentials")
        assert challenge(reply) == 'Bearer realm="tasks"'
    token = session["access_token"]
    for body in ({"password": "wrong pass"}, None):
        coded(api.request("DELETE", "/v1/me", body, token=token), 401, "invalid_credentials")


# --- 404, 405 -----------------------------------------------------------------------------


def test_not_found(api: ApiClient) -> None:
    token = api.token()
    for method, path in (
        ("GET", "/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        ("POST", "/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/complete"),
        ("POST", "/v1/notifications/nope/read"),
        ("GET", "/v1/no/such/path"),
        ("GET", "/"),
    ):
        coded(api.request(method, path, token=token), 404, "not_found")


def test_method_not_allowed(api: ApiClient) -> None:
    for method, path, allow in (
        ("PUT", "/v1/tasks", "GET, HEAD, POST, OPTIONS"),
        ("POST", "/v1/tasks/abc", "DELETE, GET, HEAD, PATCH, OPTIONS"),
        ("DELETE", "/v1/health", "GET, HEAD, OPTIONS"),
    ):
        # 405 comes first, whatever the body's type (not 415).
        reply = api.request(method, path, headers={"Content-Type": "text/plain"}, raw="x")
        coded(reply, 405, "method_not_allowed")
        assert reply.header("Allow") == allow


def test_head_is_the_get_without_its_body(api: ApiClient) -> None:
    """RFC 9110: wherever GET is, HEAD answers its status and headers (Content-Length
    too, an uptime probe's favourite), authentication included; never a body."""
    token = api.register()["access_token"]
    api.create(token, title="listed")
    for path, auth in (("/v1/health", None), ("/v1/tasks", token), ("/v1/docs", None)):
        got, head = api.request("GET", path, token=auth), api.request("HEAD", path, token=auth)
        assert (head.status, head.body) == (200, b""), path
        assert head.header("Content-Length") == str(len(got.body)), path
        assert head.header("Content-Type") == got.header("Content-Type"), path
    refused = api.request("HEAD", "/v1/tasks")
    assert refused.status == 401 and refused.body == b""
    assert refused.header("WWW-Authenticate") is not None
    missing = api.request("HEAD", "/v1/auth/login")
    assert (missing.status, missing.header("Allow"), missing.body) == (405, "POST, OPTIONS", b"")


# --- 409, 410, 412 ------------------------------------------------------------------------


def test_email_taken(api: ApiClient) -> None:
    email = api.register()["user"]["email"]
    reply = api.request("POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    coded(reply, 409, "email_taken")


def test_idempotency_key_reused(api: ApiClient) -> None:
    token = api.token()
    key = {"Idempotency-Key": "key-1"}
    assert api.request("POST", "/v1/tasks", {"title": "a"}, token=token, headers=key).status == 201
    reply = api.request("POST", "/v1/tasks", {"title": "b"}, token=token, headers=key)
    coded(reply, 409, "idempotency_key_reused")


@pytest.mark.skipif(not served("POST", "/v1/lists"), reason="lists (issue 15) not served")
def test_conflict_for_a_list_that_is_not_empty(api: ApiClient) -> None:
    token = api.token()
    made = api.request("POST", "/v1/lists", {"name": "errands"}, token=token).json
    api.create(token, title="in the list", list_id=made["id"])
    coded(api.request("DELETE", f"/v1/lists/{made['id']}", token=token), 409, "conflict")


def test_sync_expired(api: ApiClient, deps: Deps, clock: FakeClock) -> None:
    token = api.token()
    api.create(token)
    since = api.request("GET", "/v1/sync", token=token).json["next_since"]
    claims = deps.tokens.verify(token, clock.now)
    clock.advance(days=31)
    fresh = deps.tokens.issue(claims.user_id, claims.family_id, clock.now)
    reply = api.request("GET", f"/v1/sync?since={quote(since)}", token=fresh)
    coded(reply, 410, "sync_expired")


def test_version_mismatch(api: ApiClient) -> None:
    token = api.token()
    task = api.create(token)
    path = f"/v1/tasks/{task['id']}"
    stale = {"If-Match": '"7"'}
    coded(api.request("PATCH", path, {"title": "x"}, token=token, headers=stale), 412,
          "version_mismatch")  # fmt: skip
    coded(api.request("DELETE", path, token=token, headers=stale), 412, "version_mismatch")


# --- 413, 415, 422 ------------------------------------------------------------------------


def test_payload_too_large(api: ApiClient) -> None:
    over = '{"title": "' + "x" * (64 * 1024) + '"}'
    coded(api.request("POST", "/v1/tasks", raw=over, token=api.token()), 413, "payload_too_large")


def test_unsupported_media_type(api: ApiClient) -> None:
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": ""}):
        reply = api.request("POST", "/v1/auth/login", raw="{}", headers=headers)
        coded(reply, 415, "unsupported_media_type")


def test_validation_failed(api: ApiClient) -> None:
    token = api.token()
    body = coded(api.request("POST", "/v1/tasks", {"title": " "}, token=token), 422,
                 "validation_failed")  # fmt: skip
    assert body["errors"][0]["field"] == "title"
    coded(api.request("POST", "/v1/tasks", {"title": "t", "id": "x"}, token=token), 422,
          "validation_failed")  # fmt: skip


def test_quota_exceeded(api: ApiClient, deps: Deps) -> None:
    deps.settings = deps.settings.model_copy(update={"max_tasks_per_user": 1})
    token = api.token()
    api.create(token)
    coded(api.request("POST", "/v1/tasks", {"title": "two"}, token=token), 422,
          "quota_exceeded")  # fmt: skip


# --- 429, 500, 503 ------------------------------------------------------------------------


def test_rate_limited(api: ApiClient, deps: Deps) -> None:
    deps.settings = deps.settings.model_copy(update={"login_max_failures_per_account": 1})
    email = api.register()["user"]["email"]
    wrong = {"email": email, "password": "wrong pass"}
    assert api.request("POST", "/v1/auth/login", wrong).status == 401
    reply = api.request("POST", "/v1/auth/login", wrong)
    coded(reply, 429, "rate_limited")
    assert int(reply.header("Retry-After") or 0) >= 1


def test_internal(api: ApiClient, deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    token = api.token()

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(deps.tasks, "get", boom)
    body = coded(api.request("GET", "/v1/tasks/01ABC", token=token), 500, "internal")
    assert "secret" not in str(body)


def test_dependency_unavailable(
    api: ApiClient, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = api.token()

    def unavailable(*_args: Any, **_kwargs: Any) -> None:
        raise DependencyUnavailable("The database is busy; retry shortly", retry_after=2)

    monkeypatch.setattr(deps.tasks, "get", unavailable)
    reply = api.request("GET", "/v1/tasks/01ABC", token=token)
    coded(reply, 503, "dependency_unavailable")
    assert reply.header("Retry-After") == "2"


def test_every_code_of_the_catalogue_has_a_row_here() -> None:
    """A code added to the catalogue needs a test above (or a layer's test, named here)."""
    from chalicelib.problem_docs import PROBLEMS

    here = Path(__file__).read_text()
    elsewhere = {
        # nginx's 408 page (tests/unit/test_nginx_template.py); nginx 1.2x closes a
        # connection that times out without sending it, so no test can receive it.
        "request_timeout": "tests/unit/test_nginx_template.py",
    }
    missing = [code for code in PROBLEMS if f'"{code}"' not in here and code not in elsewhere]
    assert missing == []


def test_expiry_is_only_what_the_clock_says(api: ApiClient, clock: FakeClock) -> None:
    # The boundary the client relies on: still valid just before 15 minutes.
    token = api.token()
    clock.advance(seconds=900 - 1)
    assert api.request("GET", "/v1/me", token=token).status == 200
    clock.advance(seconds=10)  # past the 5 s leeway
    coded(api.request("GET", "/v1/me", token=token), 401, "token_expired")


def test_a_configuration_error_is_a_503_that_says_when_to_retry() -> None:
    """An SSM read throttled at a cold start is a ConfigurationError: still a 503 with
    ``Retry-After``, and none of the operator's details in the body."""
    from chalicelib.problems import from_domain_error
    from taskcore.errors import ConfigurationError

    reply = from_domain_error(ConfigurationError("cannot read SSM parameter /x: throttled"), "r")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "1"
    assert reply.body["code"] == "dependency_unavailable" and "SSM" not in reply.body["detail"]
