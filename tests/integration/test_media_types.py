"""A request body must be declared JSON in UTF-8: otherwise 415 ``Unsupported media type``
as a problem document (DESIGN §3), whichever layer notices (Chalice for a declared
non-JSON type, the body parser for a missing type or another charset)."""

from __future__ import annotations

import json

import pytest

from security_support import problem
from support import ApiClient

BODY = json.dumps({"title": "media"})


def _post(api: ApiClient, token: str, payload: bytes | str, content_type: str | None) -> object:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.send("POST", "/v1/tasks", headers, payload)


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        (BODY, None),
        (BODY.encode("utf-16"), "application/json; charset=utf-16"),
        (BODY, "application/json; charset=utf-16"),
        (BODY, "application/json; charset=latin-1"),
        (BODY, "text/plain"),
        (BODY, "application/x-www-form-urlencoded"),
        (BODY, "*/*"),
        (BODY, "application/jsonx"),
    ],
    ids=["missing", "utf-16", "utf-16-declared", "latin-1", "text", "form", "any", "jsonx"],
)
def test_a_body_not_declared_json_in_utf8_is_415(
    api: ApiClient, payload: bytes | str, content_type: str | None
) -> None:
    token = api.token()
    reply = _post(api, token, payload, content_type)
    doc = problem(reply, 415)  # type: ignore[arg-type]
    assert doc["title"] == "Unsupported media type"
    listed = api.request("GET", "/v1/tasks", token=token).json["items"]
    assert listed == []  # nothing was created


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", 'Application/JSON; charset="UTF-8"'],
)
def test_json_in_utf8_is_accepted(api: ApiClient, content_type: str) -> None:
    token = api.token()
    reply = _post(api, token, BODY, content_type)
    assert reply.status == 201, reply.body  # type: ignore[attr-defined]


def test_a_request_without_a_body_needs_no_content_type(api: ApiClient) -> None:
    token = api.token()
    task = api.create(token, title="no body")
    headers = {"Authorization": f"Bearer {token}"}
    reply = api.send("POST", f"/v1/tasks/{task['id']}/complete", headers, None)
    assert reply.status == 200, reply.body
    assert api.send("GET", "/v1/tasks", headers, None).status == 200
