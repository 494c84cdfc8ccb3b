"""The OpenAPI document is valid 3.1 and describes every route the app serves."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_complete(api) -> None:
    from app import app

    reply = api.request("GET", "/v1/openapi.json")
    assert reply.status == 200
    spec = reply.json
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    served = {(method.lower(), path) for path, methods in app.routes.items() for method in methods}
    documented = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert served == documented


def test_request_schemas_are_the_validation_schemas(api) -> None:
    spec = api.request("GET", "/v1/openapi.json").json
    create = spec["components"]["schemas"]["TaskCreate"]
    assert create["additionalProperties"] is False
    assert create["required"] == ["title"]
    assert set(create["properties"]) == {
        "title",
        "description",
        "due_at",
        "priority",
        "tags",
        "completed",
        "list_id",  # v1.1
        "parent_id",
    }
