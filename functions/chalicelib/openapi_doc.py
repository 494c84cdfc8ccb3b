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


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("get", "/v1/health"): Operation("Liveness", 200, auth=False),
    ("get", "/v1/ready"): Operation("Readiness", 200, auth=False, errors=(503,)),
    ("get", "/v1/openapi.json"): Operation("This document", 200, auth=False),
    ("post", "/v1/auth/register"): Operation(
        "Register", 201, schemas.RegisterRequest, schemas.Session, False, errors=(400, 409, 422)
    ),
    ("post", "/v1/auth/login"): Operation(
        "Log in", 200, schemas.LoginRequest, schemas.Session, False, errors=(400, 401, 422)
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
        "Create a task", 201, schemas.TaskCreate, schemas.TaskOut, errors=(400, 422)
    ),
    ("get", "/v1/tasks"): Operation(
        "List tasks", 200, response=schemas.TaskPage, query=schemas.ListParams, errors=(400,)
    ),
    ("get", "/v1/tasks/{task_id}"): Operation(
        "Get a task", 200, response=schemas.TaskOut, errors=(404,)
    ),
    ("patch", "/v1/tasks/{task_id}"): Operation(
        "Change a task", 200, schemas.TaskUpdate, schemas.TaskOut, errors=(400, 404, 412, 422)
    ),
    ("delete", "/v1/tasks/{task_id}"): Operation("Delete a task", 204, errors=(404, 412)),
    ("post", "/v1/tasks/{task_id}/complete"): Operation(
        "Complete a task", 200, response=schemas.TaskOut, errors=(404,)
    ),
    ("post", "/v1/tasks/{task_id}/reopen"): Operation(
        "Reopen a task", 200, response=schemas.TaskOut, errors=(404,)
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
        "responses": _responses(op),
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in ("task_id", "notification_id")
        if f"{{{name}}}" in path
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


def _responses(op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": _ref(op.response)}}
    responses: dict[str, Any] = {str(op.status): success}
    problem = {
        "description": "Problem",
        "content": {"application/problem+json": {"schema": _ref(schemas.Problem)}},
    }
    codes = set(op.errors) | ({401} if op.auth else set())
    for code in sorted(codes):
        responses[str(code)] = problem
    return responses


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]
