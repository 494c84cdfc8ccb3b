"""The WSGI adapter replays requests as API Gateway (REST v1) proxy events.

A tiny Chalice app defined here stands in for the real one, so these tests pin the
translation itself: request -> event -> ``app(event, context)`` -> proxy reply -> response.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from chalice.app import Chalice, CORSConfig, Response

ROOT = Path(__file__).resolve().parents[2]


def _load_adapter() -> ModuleType:
    # Loaded from its file so the test neither needs functions/ on sys.path nor the real app.
    spec = importlib.util.spec_from_file_location("wsgi_under_test", ROOT / "functions/wsgi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


wsgi = _load_adapter()


def _tiny_app() -> Chalice:
    app = Chalice(app_name="tiny")

    def echo(**path_params: str) -> dict[str, Any]:
        request = app.current_request
        assert request is not None
        raw_body = request.raw_body
        assert isinstance(raw_body, bytes)
        return {
            "event": request.to_original_event(),
            "context": {
                "aws_request_id": app.lambda_context.aws_request_id,
                "function_name": app.lambda_context.function_name,
                "remaining": app.lambda_context.get_remaining_time_in_millis(),
            },
            "json_body": request.json_body if request.method == "POST" else None,
            "raw_body_b64": base64.b64encode(raw_body).decode(),
        }

    app.route("/items", methods=["GET", "POST"])(echo)
    app.route("/items/special")(echo)
    app.route("/items/{item_id}", methods=["GET", "DELETE"])(echo)
    app.route("/items/{item_id}/notes/{note_id}")(echo)
    app.route("/upload", methods=["POST"], content_types=["application/octet-stream"])(echo)

    @app.route("/created", methods=["POST"])
    def created() -> Response:
        return Response(
            body={"ok": True},
            status_code=201,
            headers={"Location": "/items/1", "Set-Cookie": ["a=1", "b=2"], "Connection": "x"},
        )

    @app.route("/png")
    def png() -> Response:
        return Response(body=b"\x89PNG\r\n\x00\xff", headers={"Content-Type": "image/png"})

    @app.route("/cors", cors=CORSConfig(allow_origin="https://example.test"))
    def with_cors() -> dict[str, str]:
        return {"cors": "yes"}

    return app


class Reply:
    """What a WSGI server would send."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split(" ", 1)[0])
        self.status = status
        self.header_list = headers
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    application: Any,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    peer: str = "127.0.0.1",
) -> Reply:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": peer,
    }
    setup_testing_defaults(environ)
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    if body is not None:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body or b"")
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        captured["status"], captured["headers"] = status, response_headers

    chunks = application(environ, start_response)
    return Reply(captured["status"], captured["headers"], b"".join(chunks))


@pytest.fixture(scope="module")
def app() -> Any:
    return wsgi.create_application(_tiny_app())


def event_of(reply: Reply) -> dict[str, Any]:
    assert reply.status_code == 200, reply.body
    event: dict[str, Any] = reply.json()["event"]
    return event


def test_query_string_with_repeated_keys(app: Any) -> None:
    event = event_of(call(app, "GET", "/items", query="tag=a&tag=b&q=groc%20list&empty="))
    assert event["multiValueQueryStringParameters"] == {
        "tag": ["a", "b"],
        "q": ["groc list"],
        "empty": [""],
    }
    # As API Gateway does, the single-valued map keeps the last value.
    assert event["queryStringParameters"] == {"tag": "b", "q": "groc list", "empty": ""}


def test_no_query_string_is_null(app: Any) -> None:
    event = event_of(call(app, "GET", "/items"))
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_path_parameters_and_resource(app: Any) -> None:
    event = event_of(call(app, "GET", "/items/42/notes/n-7"))
    assert event["resource"] == "/items/{item_id}/notes/{note_id}"
    assert event["requestContext"]["resourcePath"] == "/items/{item_id}/notes/{note_id}"
    assert event["path"] == "/items/42/notes/n-7"
    assert event["pathParameters"] == {"item_id": "42", "note_id": "n-7"}


def test_static_segment_wins_over_parameter(app: Any) -> None:
    event = event_of(call(app, "GET", "/items/special"))
    assert event["resource"] == "/items/special"
    assert event["pathParameters"] is None


def test_path_parameters_are_utf8_decoded(app: Any) -> None:
    # PEP 3333: PATH_INFO carries the percent-decoded bytes as latin-1 text.
    latin1_path = "/items/café".encode().decode("latin-1")
    event = event_of(call(app, "GET", latin1_path))
    assert event["pathParameters"] == {"item_id": "café"}


def test_trailing_slash_is_ignored(app: Any) -> None:
    assert event_of(call(app, "GET", "/items/"))["resource"] == "/items"


def test_forwarded_for_counts_only_from_a_trusted_proxy(app: Any) -> None:
    spoofed = {"X-Forwarded-For": "1.2.3.4"}
    direct = event_of(call(app, "GET", "/items", headers=spoofed, peer="203.0.113.7"))
    assert direct["requestContext"]["identity"]["sourceIp"] == "203.0.113.7"
    proxied = event_of(call(app, "GET", "/items", headers=spoofed, peer="127.0.0.1"))
    assert proxied["requestContext"]["identity"]["sourceIp"] == "1.2.3.4"


def test_headers_and_request_context(app: Any) -> None:
    reply = call(
        app,
        "GET",
        "/items",
        headers={"X-Custom-Thing": "v1", "X-Forwarded-For": "1.2.3.4, 10.1.1.1"},
    )
    event = event_of(reply)
    assert event["headers"]["x-custom-thing"] == "v1"
    assert event["multiValueHeaders"]["x-custom-thing"] == ["v1"]
    assert event["httpMethod"] == "GET"
    context = event["requestContext"]
    assert context["httpMethod"] == "GET"
    assert context["stage"]
    # From our proxy (loopback), only the entry it appended is trusted.
    assert context["identity"]["sourceIp"] == "10.1.1.1"
    lambda_context = reply.json()["context"]
    assert lambda_context["aws_request_id"] == context["requestId"]
    assert lambda_context["function_name"].startswith("tiny-")
    assert 0 < lambda_context["remaining"] <= 30_000


def test_source_ip_without_proxy_is_the_peer(app: Any) -> None:
    event = event_of(call(app, "GET", "/items", peer="10.0.0.9"))
    assert event["requestContext"]["identity"]["sourceIp"] == "10.0.0.9"


def test_json_body(app: Any) -> None:
    payload = {"title": "Buy milk ✓"}
    reply = call(
        app,
        "POST",
        "/items",
        headers={"Content-Type": "application/json"},
        body=json.dumps(payload).encode(),
    )
    event = event_of(reply)
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == payload
    assert reply.json()["json_body"] == payload


def test_no_body_is_null(app: Any) -> None:
    event = event_of(call(app, "GET", "/items"))
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_binary_body_is_base64(app: Any) -> None:
    raw = bytes(range(256))
    reply = call(
        app,
        "POST",
        "/upload",
        headers={"Content-Type": "application/octet-stream"},
        body=raw,
    )
    event = event_of(reply)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    assert base64.b64decode(reply.json()["raw_body_b64"]) == raw


def test_status_and_headers_back(app: Any) -> None:
    reply = call(app, "POST", "/created", headers={"Content-Type": "application/json"}, body=b"{}")
    assert reply.status == "201 Created"
    assert reply.headers["location"] == "/items/1"
    assert [v for k, v in reply.header_list if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    # Hop-by-hop headers never reach the server; the length is recomputed.
    assert "connection" not in reply.headers
    assert reply.headers["content-length"] == str(len(reply.body))
    assert reply.json() == {"ok": True}


def test_base64_response_body_is_decoded(app: Any) -> None:
    reply = call(app, "GET", "/png", headers={"Accept": "image/png"})
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "image/png"
    assert reply.body == b"\x89PNG\r\n\x00\xff"


def test_unknown_path_is_problem_404(app: Any) -> None:
    reply = call(app, "GET", "/nope", headers={"X-Request-Id": "req-123"})
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["x-request-id"] == "req-123"
    problem = reply.json()
    assert problem["type"] == "/v1/problems/not_found"
    assert problem["code"] == "not_found"
    assert problem["title"] == "Not found"
    assert problem["status"] == 404
    assert problem["detail"]
    assert problem["request_id"] == "req-123"


def test_wrong_method_is_problem_405(app: Any) -> None:
    reply = call(app, "PUT", "/items/1")
    assert reply.status_code == 405
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["allow"] == "DELETE, GET"
    problem = reply.json()
    assert problem["status"] == 405
    assert problem["code"] == "method_not_allowed"
    assert problem["title"] == "Method not allowed"
    # Without a usable client id the generated one is reported.
    assert problem["request_id"] == reply.headers["x-request-id"]


def test_unsafe_client_request_id_is_replaced(app: Any) -> None:
    reply = call(app, "GET", "/nope", headers={"X-Request-Id": "bad id\r\nx"})
    assert reply.json()["request_id"] != "bad id\r\nx"


def test_cors_preflight(app: Any) -> None:
    reply = call(app, "OPTIONS", "/cors")
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "https://example.test"
    assert reply.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert call(app, "OPTIONS", "/items").status_code == 405


def test_oversized_body_is_problem_413(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import gateway.events

    monkeypatch.setattr(gateway.events, "MAX_BODY_BYTES", 10)
    reply = call(
        app, "POST", "/items", headers={"Content-Type": "application/json"}, body=b"x" * 11
    )
    assert reply.status_code == 413
    assert reply.json()["status"] == 413
    assert reply.json()["code"] == "payload_too_large"


def test_gateway_answers_carry_the_apps_cors_headers(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import cors

    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example")
    cors.allowed_origins.cache_clear()
    try:
        allowed = call(app, "GET", "/nope", headers={"Origin": "https://app.example"})
        other = call(app, "GET", "/nope", headers={"Origin": "https://evil.example"})
    finally:
        monkeypatch.delenv("CORS_ALLOWED_ORIGINS")
        cors.allowed_origins.cache_clear()
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert allowed.headers["vary"] == "Origin"
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    assert not [name for name in other.headers if name.startswith("access-control-")]


class _Crashing:
    """An app object whose invocation fails the way a crashed Lambda would."""

    def __init__(self) -> None:
        self._inner = _tiny_app()
        self.routes = self._inner.routes
        self.api = self._inner.api
        self.app_name = "crashing"

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("secret detail that must not leak")


def test_crash_is_problem_500_without_details() -> None:
    reply = call(wsgi.create_application(_Crashing()), "GET", "/items")
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/problem+json"
    assert b"secret" not in reply.body
    assert reply.json() == {
        "type": "/v1/problems/internal",
        "title": "Internal server error",
        "status": 500,
        "code": "internal",
        "request_id": reply.headers["x-request-id"],
    }


def test_routes_with_authorizers_are_refused() -> None:
    app = Chalice(app_name="authz")

    @app.authorizer()
    def auth(request: Any) -> Any:
        raise AssertionError("never called")

    @app.route("/private", authorizer=auth)
    def private() -> dict[str, str]:
        return {}

    with pytest.raises(ValueError, match="authorizers"):
        wsgi.create_application(app)


def test_lambda_context_counts_down() -> None:
    context = wsgi.lambda_context("rid", "fn", 0.0)
    assert context.get_remaining_time_in_millis() == 0
    assert context.aws_request_id == "rid"
    assert context.function_version == "$LATEST"


def test_application_is_built_lazily() -> None:
    # Importing the adapter must not import the real app (tests, scheduler, tooling).
    assert "application" not in vars(wsgi)
