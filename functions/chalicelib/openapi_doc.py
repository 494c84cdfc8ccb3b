"""The OpenAPI 3.1 document, generated from the operations the routes declare
(:mod:`chalicelib.routes`) and the request/response schemas in :mod:`taskcore.schemas`
(the same models that validate requests)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.problem_docs import PROBLEM_KINDS, PROBLEM_TYPE, problem_document
from chalicelib.routes import OPERATIONS, Operation
from taskcore import schemas

DESCRIPTION = """\
The HTTP JSON API of a task-management app: accounts and sessions, tasks with due dates,
filtering, keyword search, incremental sync and due-date notifications.

* **Authentication**: `Authorization: Bearer <access_token>` from register, log in or
  refresh. An expired access token is a 401 with `code: token_expired` (refresh it); a
  revoked or forged one is `token_invalid` (log in again).
* **Errors** are `application/problem+json` documents with a stable `code` and
  `type: /v1/problems/<code>`; every code is explained at [/v1/docs](/v1/docs#problems).
* **Cross-origin**: the origins the operator lists in `CORS_ALLOWED_ORIGINS` may call the
  API from a browser; a preflight needs no token.
* **Times** are RFC 3339; replies are in UTC with milliseconds (`2026-03-29T07:00:00.000Z`).
"""
# Example values of path parameters, by name.
PATH_EXAMPLES = {
    "task_id": schemas.TASK_ID_EXAMPLE,
    "list_id": "01JQ5ZA1B2C3D4E5F6G7H8J9K0",
    "notification_id": "01JQ5ZB0C1D2E3F4G5H6J7K8M9",
    "code": "validation_failed",
    "name": "docs.js",
}

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
    "WWW-Authenticate": {
        "description": 'The Bearer challenge; error="invalid_token" when a token was sent '
        "but is not valid (expired, forged, revoked)"
    },
    "Allow": {"description": "The methods of this path"},
    "Idempotent-Replayed": {"description": "true when this is the replay of a first reply"},
    "Content-Security-Policy": {"description": "What the page may load: only this API"},
}
# Problems that any operation of a kind can answer (DESIGN.md section 3, Errors).
_BODY_PROBLEMS = (400, 413, 415, 422)  # malformed JSON, too large, not JSON, invalid
_WITHOUT_DEPENDENCIES = frozenset(
    {
        ("get", "/v1/health"),
        ("get", "/v1/openapi.json"),
        ("get", "/v1/docs"),
        ("get", "/v1/problems/{code}"),
    }
)
# The state of each dependency, in /v1/ready's reply and in its 503 problem document.
_DEPENDENCY_STATES = {
    "dynamodb": {"enum": ["ok", "unavailable"]},
    "redis": {"enum": ["ok", "degraded"]},
}
_READINESS = {
    "type": "object",
    "required": ["status", *_DEPENDENCY_STATES],
    "properties": {"status": {"enum": ["ok", "unavailable"]}, **_DEPENDENCY_STATES},
}
_READINESS_MEMBERS = {
    "type": "object",
    "required": [*_DEPENDENCY_STATES],
    "properties": _DEPENDENCY_STATES,
}


# Success replies that no model of taskcore.schemas describes.
_OTHER_REPLIES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/v1/health"): {
        "schema": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}},
        },
        "example": {"status": "ok"},
    },
    ("get", "/v1/ready"): {
        "schema": _READINESS,
        "example": {"status": "ok", "dynamodb": "ok", "redis": "degraded"},
    },
    ("get", "/v1/openapi.json"): {
        "schema": {"type": "object", "required": ["openapi"]},
        "example": {"openapi": "3.1.0", "info": {"title": "Task management API"}},
    },
    ("get", "/v1/docs"): {
        "schema": {"type": "string"},
        "example": '<!DOCTYPE html>\n<html lang="en">...',
    },
    ("get", "/v1/problems/{code}"): {
        "schema": {"type": "string"},
        "example": '<!DOCTYPE html>\n<html lang="en">...',
    },
}
_ASSETS_PATH = ("get", "/v1/docs/assets/{name}")
_ASSET_REPLIES: dict[str, Any] = {
    "text/javascript": {
        "schema": {"type": "string"},
        "example": 'window.addEventListener("load", function () { ... });',
    },
    "text/css": {"schema": {"type": "string"}, "example": "body { margin: 0; }"},
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
        "info": {"title": "Task management API", "version": "1.1.0", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The access_token of a session (15 minutes)",
                }
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
        "tags": [_tag(path)],
        "summary": op.summary,
        "responses": _responses(method, path, op),
    }
    if op.description:
        result["description"] = op.description
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _path_schema(name),
            "example": example,
        }
        for name, example in PATH_EXAMPLES.items()
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
        optional = path.endswith("logout") or (method, path) == ("delete", "/v1/me")
        result["requestBody"] = {
            "required": not optional,
            "content": {"application/json": _media(op.request)},
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
        success["content"] = {op.media_type: _media(op.response)}
    elif (method, path) == _ASSETS_PATH:
        success["content"] = _ASSET_REPLIES
    elif (method, path) in _OTHER_REPLIES:
        success["content"] = {op.media_type: _OTHER_REPLIES[(method, path)]}
    elif op.media_type != "application/json":
        success["content"] = {op.media_type: {"schema": {"type": "string"}, "example": "..."}}
    responses: dict[str, Any] = {str(op.status): success}
    for code in sorted(_problem_codes(method, path, op)):
        responses[str(code)] = _problem_response(code)
    if (method, path) == ("get", "/v1/ready"):
        # The problem document, with the state of each dependency as extension members.
        not_ready = _problem_response(503)
        media = not_ready["content"][PROBLEM_TYPE]
        media["schema"] = {"allOf": [_ref("Problem"), _READINESS_MEMBERS]}
        media["example"] = {**media["example"], "dynamodb": "unavailable", "redis": "ok"}
        not_ready["description"] = "Not ready: a problem naming each dependency's state"
        responses["503"] = not_ready
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


def _problem_response(status: int) -> dict[str, Any]:
    if status == 304:
        return {"description": "Not modified", "headers": _headers("X-Request-Id", "ETag")}
    extra = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}
    codes = [kind for kind in PROBLEM_KINDS if kind.statuses[0] == status]
    example = (
        problem_document(
            status, codes[0].meaning if codes else None, "4f1c2a9e0b7d4e8f", code=codes[0].code
        )
        if codes
        else None
    )
    listed = ", ".join(f"`{kind.code}`" for kind in codes)
    media: dict[str, Any] = {"schema": _ref("Problem")}
    if example is not None:
        media["example"] = example
    return {
        "description": f"Problem ({listed})" if listed else "Problem",
        "headers": _headers("X-Request-Id", *extra.get(status, ())),
        "content": {PROBLEM_TYPE: media},
    }


# Groups of the documentation page, by the path's first segment after /v1.
_TAGS = {
    "auth": "Accounts",
    "me": "Accounts",
    "health": "Operations",
    "ready": "Operations",
    "openapi.json": "Documentation",
    "docs": "Documentation",
    "problems": "Documentation",
}


def _tag(path: str) -> str:
    segment = path.split("/")[2]
    return _TAGS.get(segment, segment.capitalize())


def _media(model_name: str) -> dict[str, Any]:
    """A media type object: the model's schema and its first example."""
    media: dict[str, Any] = {"schema": _ref(model_name)}
    examples = schema_model(model_name).model_json_schema().get("examples")
    if examples:
        media["example"] = examples[0]
    return media


def _path_schema(name: str) -> dict[str, Any]:
    if name == "code":
        return {"type": "string", "enum": [kind.code for kind in PROBLEM_KINDS]}
    if name == "name":
        from chalicelib.docs import ASSETS

        return {"type": "string", "enum": list(ASSETS)}
    return {"type": "string", "minLength": 1}


def _headers(*names: str) -> dict[str, Any]:
    return {
        name: {"required": True, "schema": {"type": "string"}, **RESPONSE_HEADERS[name]}
        for name in names
    }


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        described = _without_null(prop)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False}
        for key in ("description", "examples"):
            if key in described:
                value = described.pop(key)
                parameter["description" if key == "description" else "example"] = (
                    value if key == "description" else value[0]
                )
        if described.get("type") == "array":
            parameter["style"], parameter["explode"] = "form", True  # ?tag=a&tag=b
        parameter["schema"] = described
        parameters.append(parameter)
    return parameters


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: a parameter is absent or has a value, never null."""
    prop = {k: v for k, v in prop.items() if k != "title"}
    options = prop.get("anyOf")
    if options is not None:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            del prop["anyOf"]
            prop = {**kept[0], **prop}
        else:
            prop["anyOf"] = kept
    if prop.get("default", 0) is None:
        del prop["default"]
    return prop
