"""The OpenAPI 3.1 document, generated from the request/response schemas in
:mod:`taskcore.schemas` (the same models that validate requests)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from taskcore import schemas


@dataclass(frozen=True)
class Operation:
    """What the document says about one route."""

    summary: str
    status: int
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    auth: bool = True
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()  # names in REQUEST_HEADERS
    success_headers: tuple[str, ...] = ()  # names in RESPONSE_HEADERS


# Optional request headers an operation may honour.
REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "description": "Makes a retried create take effect once; replays the first reply "
        "for 24 hours (409 when reused with another body)",
        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    },
    "If-Match": {
        "description": "Act only if the task's ETag matches (412 otherwise)",
        "schema": {"type": "string", "maxLength": 256},
    },
    "If-None-Match": {
        "description": "304 when the task's ETag matches",
        "schema": {"type": "string", "maxLength": 256},
    },
}
_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {"description": "The request's id (echoed or generated)"},
    "ETag": {"description": 'The task\'s version, "<version>"'},
    "Location": {"description": "Where the new task is"},
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

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("get", "/v1/health"): Operation("Liveness", 200, auth=False),
    ("get", "/v1/ready"): Operation("Readiness", 200, auth=False, errors=(503,)),
    ("get", "/v1/openapi.json"): Operation("This document", 200, auth=False),
    ("post", "/v1/auth/register"): Operation(
        "Register", 201, schemas.RegisterRequest, schemas.Session, False, errors=(409, 429)
    ),
    ("post", "/v1/auth/login"): Operation(
        "Log in", 200, schemas.LoginRequest, schemas.Session, False, errors=(401, 429)
    ),
    ("post", "/v1/auth/refresh"): Operation(
        "Refresh a session",
        200,
        schemas.RefreshRequest,
        schemas.Session,
        False,
        errors=(400, 401, 422),
    ),
    ("post", "/v1/auth/logout"): Operation("Log out", 204, schemas.LogoutRequest),
    ("get", "/v1/me"): Operation("The caller's account", 200, response=schemas.User),
    ("patch", "/v1/me"): Operation(
        "Change the account", 200, schemas.ProfileUpdate, schemas.User, errors=(400, 422)
    ),
    ("delete", "/v1/me"): Operation("Delete the account", 204),
    ("post", "/v1/tasks"): Operation(
        "Create a task",
        201,
        schemas.TaskCreate,
        schemas.TaskOut,
        errors=(409,),
        headers=("Idempotency-Key",),
        success_headers=("Location", "ETag"),
    ),
    ("get", "/v1/tasks"): Operation(
        "List tasks", 200, response=schemas.TaskPage, query=schemas.ListParams, errors=(400,)
    ),
    ("get", "/v1/tasks/{task_id}"): Operation(
        "Get a task",
        200,
        response=schemas.TaskOut,
        errors=(304, 404),
        headers=("If-None-Match",),
        success_headers=("ETag",),
    ),
    ("patch", "/v1/tasks/{task_id}"): Operation(
        "Change a task",
        200,
        schemas.TaskUpdate,
        schemas.TaskOut,
        errors=(404, 412),
        headers=("If-Match",),
        success_headers=("ETag",),
    ),
    ("delete", "/v1/tasks/{task_id}"): Operation(
        "Delete a task", 204, errors=(404, 412), headers=("If-Match",)
    ),
    ("post", "/v1/tasks/{task_id}/complete"): Operation(
        "Complete a task", 200, response=schemas.TaskOut, errors=(404,), success_headers=("ETag",)
    ),
    ("post", "/v1/tasks/{task_id}/reopen"): Operation(
        "Reopen a task", 200, response=schemas.TaskOut, errors=(404,), success_headers=("ETag",)
    ),
    ("get", "/v1/sync"): Operation(
        "Changes since the last sync",
        200,
        response=schemas.SyncPage,
        query=schemas.SyncParams,
        errors=(400, 410),
    ),
    ("get", "/v1/notifications"): Operation(
        "Due-date notifications",
        200,
        response=schemas.NotificationPageOut,
        query=schemas.NotificationParams,
        errors=(400,),
    ),
    ("post", "/v1/notifications/{notification_id}/read"): Operation(
        "Mark a notification read", 204, errors=(404,)
    ),
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


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"Problem": schemas.Problem}
    for op in OPERATIONS.values():
        for model in (op.request, op.response):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(method: str, path: str, op: Operation) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": op.summary,
        "responses": _responses(method, path, op),
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in ("task_id", "notification_id")
        if f"{{{name}}}" in path
    ]
    parameters += [
        {"name": name, "in": "header", "required": False, **REQUEST_HEADERS[name]}
        for name in op.headers
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
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


def _operation_id(method: str, path: str) -> str:
    words = path.strip("/").replace("{", "").replace("}", "").replace(".", "_").split("/")
    return "_".join([method, *words])


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
        "content": {"application/problem+json": {"schema": _ref(schemas.Problem)}},
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
