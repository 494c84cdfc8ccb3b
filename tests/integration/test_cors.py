"""CORS (DESIGN §3, "Cross-origin and documentation") through the WSGI gateway the
containers run: the allowed origins of ``CORS_ALLOWED_ORIGINS`` can read every reply,
errors included, and preflight without a token; any other origin gets no CORS header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import cors
from support import ApiClient, Reply

ALLOWED = "https://app.example"
OTHER_ALLOWED = "http://localhost:5173"
DESIGN_HEADERS = {"authorization", "content-type", "if-match", "if-none-match", "idempotency-key"}
EXPOSED = {"etag", "location", "retry-after", "x-request-id", "idempotent-replayed"}


@pytest.fixture
def origins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f" {ALLOWED}, {OTHER_ALLOWED}/ ")
    cors.allowed_origins.cache_clear()
    yield
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS")
    cors.allowed_origins.cache_clear()


def cors_of(reply: Reply) -> dict[str, str]:
    return {k.lower(): v for k, v in reply.headers.items() if k.lower().startswith("access-")}


def listed(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def assert_readable_by(reply: Reply, origin: str) -> None:
    assert reply.header("Access-Control-Allow-Origin") == origin
    assert "origin" in listed(reply.header("Vary"))
    assert listed(reply.header("Access-Control-Expose-Headers")) == EXPOSED


def test_allowed_origins_read_every_reply_errors_included(api: ApiClient, origins: None) -> None:
    token = api.token()
    task = api.create(token)
    for origin in (ALLOWED, OTHER_ALLOWED):
        sent = {"Origin": origin}
        replies = [
            api.request("GET", "/v1/health", headers=sent),  # served without a Call
            api.request("POST", "/v1/tasks", {"title": "x"}, token=token, headers=sent),
            api.request("GET", f"/v1/tasks/{task['id']}", token=token, headers=sent),
            api.request("GET", "/v1/tasks", headers=sent),  # 401
            api.request("GET", "/v1/tasks?limit=0", token=token, headers=sent),  # 400
            api.request("PUT", "/v1/tasks", headers=sent),  # 405
            api.request("GET", "/v1/nowhere", headers=sent),  # 404 from the gateway
        ]
        assert [r.status for r in replies] == [200, 201, 200, 401, 400, 405, 404]
        for reply in replies:
            assert_readable_by(reply, origin)


def test_other_origins_get_no_cors_header(api: ApiClient, origins: None) -> None:
    token = api.token()
    for origin in ("https://evil.example", "https://app.example.evil", "null", ALLOWED + ":443"):
        sent = {"Origin": origin}
        for method, path in (("GET", "/v1/tasks"), ("OPTIONS", "/v1/tasks"), ("GET", "/x")):
            reply = api.request(method, path, token=token, headers=sent)
            assert cors_of(reply) == {}, (origin, method, path)


def test_no_origin_is_allowed_by_default(api: ApiClient) -> None:
    cors.allowed_origins.cache_clear()
    reply = api.request("OPTIONS", "/v1/tasks", headers={"Origin": ALLOWED})
    assert reply.status == 204 and cors_of(reply) == {}
    assert cors_of(api.request("GET", "/v1/health", headers={"Origin": ALLOWED})) == {}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/tasks", {"GET", "HEAD", "POST"}),
        ("/v1/tasks/01ABC", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("/v1/me", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("/v1/auth/login", {"POST"}),
    ],
)
def test_preflight_answers_204_without_a_token(
    api: ApiClient, origins: None, path: str, methods: set[str]
) -> None:
    reply = api.request(
        "OPTIONS",
        path,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": sorted(methods)[0],
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert reply.status == 204 and reply.body == b""
    assert_readable_by(reply, ALLOWED)
    assert {m.upper() for m in listed(reply.header("Access-Control-Allow-Methods"))} == methods
    assert listed(reply.header("Access-Control-Allow-Headers")) >= DESIGN_HEADERS
    assert int(reply.header("Access-Control-Max-Age") or 0) > 0
    assert reply.header("WWW-Authenticate") is None


def test_a_plain_options_request_lists_the_methods(api: ApiClient) -> None:
    reply = api.request("OPTIONS", "/v1/tasks/01ABC")
    assert reply.status == 204
    assert listed(reply.header("Allow")) == {"delete", "get", "head", "patch"}
