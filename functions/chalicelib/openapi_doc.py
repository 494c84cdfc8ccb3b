"""The OpenAPI 3.1 document, generated from the operations the routes declare
(:mod:`chalicelib.routes`) and the request/response schemas in :mod:`taskcore.schemas`
(the same models that validate requests)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.routes import OPERATIONS, Operation
from taskcore import schemas

# Optional request headers an operation may honour.
REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "description": "Makes a retried create take effect once; replays the first reply "
        "for 24 hours (409 when reused with another body)",
        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    },
    "If-Match": {
        "description": "Act only if the task's (or list's) ETag matches (412 otherwise)",
        "schema": {"type": "string", "maxLength": 256},
    },
    "If-None-Match": {
        "description": "304 when the task's (or list's) ETag matches",
        "schema": {"type": "string", "maxLength": 256},
    },
}
_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {"description": "The request's id (echoed or generated)"},
    "ETag": {"description": "The task's (or list's) version, \"<version>\""},
    "Location": {"description": "Where the new task (or list) is"},
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": _DIGITS},
    "WWW-Authenticate": {"description": "The Bearer challenge"},
}
# Problems that any operation of a kind can answer (DESIGN.md section 3, Errors).
_BODY_PROBLEMS = (400, 413, 415, 422)  # malformed JSON, too large, not JSON, invalid
_WITHOUT_DEPENDENCIES = frozenset({("get", "/v1/health"), ("get", "/v1/openapi.json")})
_READINESS = {
    "type": "object",
    "required": ["status", "dynamodb", "redis"],
    "properties": {
        "status": {"enum": ["ok", "unavailable"]},
        "dynamodb": {"enum": ["ok", "unavailable"]},
        "redis": {"enum": ["ok", "degraded"]},
    },
}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole OpenAPI document (built once per process)."""
    models = _models()
    _, top = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    components: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, Any] = {}
    for (method, path), op in OPERATIONS.items():
        paths.setdefault(path, {})[method] = _operation(method, path, op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Task management API", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def schema_model(name: str) -> type[BaseModel]:
    """The model of :mod:`taskcore.schemas` an operation names."""
    model = getattr(schemas, name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise LookupError(f"taskcore.schemas has no model {name!r}")
    return model


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"Problem": schemas.Problem}
    for op in OPERATIONS.values():
        for name in (op.request, op.response):
            if name is not None:
                found[name] = schema_model(name)
    return list(found.values())


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(method: str, path: str, op: Operation) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "responses": _responses(method, path, op),
    }
    if op.description:
        result["description"] = op.description
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in ("task_id", "list_id", "notification_id")
        if f"{{{name}}}" in path
    ]
    parameters += [
        {"name": name, "in": "header", "required": False, **REQUEST_HEADERS[name]}
        for name in op.headers
    ]
    if op.query is not None:
        parameters += _query_parameters(schema_model(op.query))
    if parameters:
        result["parameters"] = parameters
    if op.request is not None:
        result["requestBody"] = {
            "required": method != "post" or not path.endswith("logout"),
            "content": {"application/json": {"schema": _ref(op.request)}},
        }
    if op.auth:
        result["security"] = [{"bearer": []}]
    return result


def _responses(method: str, path: str, op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {
        "description": "Success",
        "headers": _headers("X-Request-Id", *op.success_headers),
    }
    if op.response is not None:
        success["content"] = {"application/json": {"schema": _ref(op.response)}}
    if (method, path) == ("get", "/v1/ready"):
        success["content"] = {"application/json": {"schema": _READINESS}}
    responses: dict[str, Any] = {str(op.status): success}
    for code in sorted(_problem_codes(method, path, op)):
        responses[str(code)] = _problem_response(code)
    if (method, path) == ("get", "/v1/ready"):
        responses["503"] = {
            "description": "Not ready",
            "headers": _headers("X-Request-Id"),
            "content": {"application/json": {"schema": _READINESS}},
        }
    return responses


def _problem_codes(method: str, path: str, op: Operation) -> set[int]:
    codes = set(op.errors)
    if op.request is not None:
        codes.update(_BODY_PROBLEMS)
    if op.query is not None:
        codes.add(400)
    if op.auth:
        codes.add(401)
    if (method, path) not in _WITHOUT_DEPENDENCIES:
        codes.add(503)
    return codes


def _problem_response(code: int) -> dict[str, Any]:
    if code == 304:
        return {"description": "Not modified", "headers": _headers("X-Request-Id", "ETag")}
    extra = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}
    return {
        "description": "Problem",
        "headers": _headers("X-Request-Id", *extra.get(code, ())),
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


def _headers(*names: str) -> dict[str, Any]:
    return {
        name: {"required": True, "schema": {"type": "string"}, **RESPONSE_HEADERS[name]}
        for name in names
    }


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]
