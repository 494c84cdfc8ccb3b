"""Every limit the OpenAPI document states is the one the server enforces.

The walk reads the served ``/v1/openapi.json``, not the models: for every property of
every request body and every query parameter, each constraint it states (lengths, item
counts, ranges, enums, booleans, date formats) is tried at its boundary, which the server
must accept, and just past it, which the server must refuse as invalid input (422
``validation_failed`` for a body, 400 ``invalid_query`` for a query). "Accept" means "not
refused as invalid": a boundary refresh token is still an unknown one (401).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from support import ApiClient, Reply
from taskcore.services.deps import Deps

INVALID = {"validation_failed", "invalid_query"}
# Fields that name another object: the walk's boundary values are well formed but name
# nothing, so only their malformed side is checked here (tests/integration/test_lists.py
# covers ids of missing and foreign objects).
REFERENCES = {"list_id", "parent_id", "after_id", "before_id"}
GOOD_DATE_TIME, GOOD_DATE = "2026-03-01T10:00:00+01:00", "2026-03-01"


@dataclass(frozen=True)
class Probe:
    """One value of one property, and whether the document says it is valid."""

    operation: str
    field: str
    constraint: str
    value: Any
    valid: bool


@pytest.fixture
def context(api: ApiClient, deps: Deps) -> dict[str, Any]:
    deps.settings = deps.settings.model_copy(
        update={
            "register_max_per_client": 10**6,
            "login_max_attempts_per_client": 10**6,
            "login_max_failures_per_account": 10**6,
            "task_write_max_per_user": 10**6,
        }
    )
    token = api.token()
    task = api.create(token)
    return {
        "token": token,
        "task_id": task["id"],
        "list_id": task["list_id"],
        "document": api.request("GET", "/v1/openapi.json").json,
    }


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """A property's schema: references followed, ``null`` alternatives dropped."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = {
            **document["components"]["schemas"][name],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        return resolve(
            {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}, document
        )
    return schema


def email_of(length: int) -> str:
    domain = "example.com"
    local = uuid.uuid4().hex[:12]
    filler = length - len(local) - 1 - len(domain)
    # Long addresses get a long subdomain (the local part stops at 64 characters).
    return f"{local}@{'d' * (filler - 1)}.{domain}" if filler > 1 else f"{local}@{domain}"[:length]


def text_of(schema: dict[str, Any], length: int) -> str:
    if schema.get("format") == "email":
        return email_of(length)
    return "a" * length


def probes(
    operation: str, field: str, schema: dict[str, Any], document: dict[str, Any], query: bool
) -> Iterator[Probe]:
    """Boundary values of one property (the ones inside valid, the ones past invalid)."""
    schema = resolve(schema, document)
    kind = "enum" if "enum" in schema else schema.get("type")
    if kind is None and {o.get("format") for o in schema.get("anyOf", [])} >= {"date-time", "date"}:
        kind = "date"
    walk = {
        "enum": _enum,
        "boolean": _boolean,
        "integer": _integer,
        "string": _string,
        "array": _array,
        "date": _date,
    }.get(str(kind))
    if walk is not None:
        for constraint, value, valid in walk(schema, document, query):
            yield Probe(operation, field, constraint, value, valid)


Values = Iterator[tuple[str, Any, bool]]


def _enum(schema: dict[str, Any], document: dict[str, Any], query: bool) -> Values:
    for member in schema["enum"]:
        yield "enum", member, True
    yield "enum", "not-a-member", False


def _boolean(schema: dict[str, Any], document: dict[str, Any], query: bool) -> Values:
    yield "boolean", "true" if query else True, True
    yield "boolean", "false" if query else False, True
    yield "boolean", "yes" if query else "true", False


def _integer(schema: dict[str, Any], document: dict[str, Any], query: bool) -> Values:
    if "minimum" in schema:
        yield "minimum", schema["minimum"], True
        yield "minimum", schema["minimum"] - 1, False
    if "maximum" in schema:
        yield "maximum", schema["maximum"], True
        yield "maximum", schema["maximum"] + 1, False


def _string(schema: dict[str, Any], document: dict[str, Any], query: bool) -> Values:
    if schema.get("minLength", 0) > 0:
        yield "minLength", text_of(schema, schema["minLength"]), True
        yield "minLength", text_of(schema, schema["minLength"] - 1), False
    if "maxLength" in schema:
        yield "maxLength", text_of(schema, schema["maxLength"]), True
        yield "maxLength", text_of(schema, schema["maxLength"] + 1), False


def _array(schema: dict[str, Any], document: dict[str, Any], query: bool) -> Values:
    item = resolve(schema["items"], document)
    if "maxItems" in schema:
        many = [_nth_item(item, n) for n in range(schema["maxItems"])]
        yield "maxItems", many, True
        yield "maxItems", [*many, _nth_item(item, len(many))], False
    for inner in probes("", "", item, document, query):
        yield f"items.{inner.constraint}", [inner.value], inner.valid


def _nth_item(item: dict[str, Any], n: int) -> Any:
    """A valid array item, distinct for each ``n``: text, or the item's example object with
    its numbers shifted."""
    if item.get("type") == "object":
        example = item["examples"][0]
        return {k: v + n if isinstance(v, int) else v for k, v in example.items()}
    return f"{text_of(item, item.get('minLength', 1))}{n}"[: item.get("maxLength", 99)]


def _date(schema: dict[str, Any], document: dict[str, Any], query: bool) -> Values:
    yield "format", GOOD_DATE_TIME, True
    yield "format", GOOD_DATE, True
    yield "format", "2026-03-01T10:00:00", False  # no offset
    yield "format", "soon", False


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            yield method.upper(), path, op


def all_probes(document: dict[str, Any]) -> list[Probe]:
    found = []
    for method, path, op in operations(document):
        name = f"{method} {path}"
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            model = resolve(body["schema"], document)
            for field, prop in model.get("properties", {}).items():
                found += probes(name, field, prop, document, query=False)
        for parameter in op.get("parameters", []):
            if parameter["in"] == "query":
                found += probes(name, parameter["name"], parameter["schema"], document, query=True)
    return found


def base_body(method: str, path: str, document: dict[str, Any]) -> dict[str, Any]:
    """A body the server accepts, to change one property of."""
    if (method, path) == ("POST", "/v1/auth/register"):
        return {"email": email_of(40), "password": "correct horse"}
    if (method, path) == ("DELETE", "/v1/me"):
        return {"password": "not the password"}  # 401: accepted as input, nothing deleted
    op = document["paths"][path][method.lower()]
    schema = resolve(op["requestBody"]["content"]["application/json"]["schema"], document)
    example: dict[str, Any] = (schema.get("examples") or [{}])[0]
    return {k: v for k, v in example.items() if k in schema.get("required", [])} or (
        {"title": "t"} if "title" in schema.get("required", []) else {}
    )


def send(api: ApiClient, probe: Probe, context: dict[str, Any]) -> Reply:
    document = context["document"]
    method, path = probe.operation.split(" ", 1)
    concrete = (
        path.replace("{task_id}", context["task_id"])
        .replace("{list_id}", context["list_id"])
        .replace("{notification_id}", "n1")
    )
    op = document["paths"][path][method.lower()]
    if "requestBody" in op:
        body = {**base_body(method, path, document), probe.field: probe.value}
        # Logging out with the shared token would end it for every later probe.
        token = None if path == "/v1/auth/logout" else context["token"]
        return api.request(method, concrete, body, token=token)
    values = probe.value if isinstance(probe.value, list) else [probe.value]
    text = [("true" if v is True else "false" if v is False else str(v)) for v in values]
    pairs = [(probe.field, v) for v in text]
    if probe.field == "sort" and "position" in text[0]:
        pairs.append(("list_id", context["list_id"]))  # manual order is within a list
    query = urlencode(pairs, quote_via=quote)
    return api.request(method, f"{concrete}?{query}", token=context["token"])


def test_every_stated_limit_is_the_enforced_one(api: ApiClient, context: dict[str, Any]) -> None:
    walked = all_probes(context["document"])
    wrong = []
    for probe in walked:
        if probe.valid and probe.field in REFERENCES:
            continue  # a well-formed id of nothing is refused for what it names, not its form
        reply = send(api, probe, context)
        code = (reply.json or {}).get("code") if reply.status >= 400 else None
        refused = code in INVALID
        if refused == probe.valid or reply.status >= 500:
            shown = probe.value if len(str(probe.value)) < 60 else f"{str(probe.value)[:40]}..."
            where = f"{probe.operation} {probe.field} {probe.constraint}"
            wrong.append(f"{where}={shown!r}: {reply.status} {code}")
        elif refused:
            # The refusal names the field it is about.
            assert probe.field in reply.body.decode(), (probe, reply.json)
    assert wrong == [], "\n".join(wrong)
    # Every request model and query of the document was walked, constraint by constraint.
    covered = {(p.operation, p.field) for p in walked}
    for method, path, op in operations(context["document"]):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            model = resolve(body["schema"], context["document"])
            for field, prop in model["properties"].items():
                if resolve(prop, context["document"]).get("type") != "object":
                    assert (f"{method} {path}", field) in covered or not constrained(
                        prop, context["document"]
                    ), (method, path, field)
    assert len(walked) > 120  # a sanity floor: 133 probes when this was written


def constrained(prop: dict[str, Any], document: dict[str, Any]) -> bool:
    """Whether the document states any limit for a property (a bare string has none)."""
    schema = resolve(prop, document)
    keys = {"enum", "minLength", "maxLength", "minimum", "maximum", "maxItems", "anyOf"}
    return bool(keys & schema.keys()) or schema.get("type") in ("boolean", "integer", "array")
