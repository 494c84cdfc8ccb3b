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
    from chalicelib.fallbacks import FALLBACK_VIEWS

    served = {
        (method.lower(), path)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if entry.view_name not in FALLBACK_VIEWS  # preflight and 405: not operations
    }
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
        "due_tz",
        "recurrence",
        "reminders",
    }


def _operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_every_operation_is_documented_for_people_and_generators(api) -> None:
    import re

    spec = api.request("GET", "/v1/openapi.json").json
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids))
    verbs = ("get", "list", "create", "update", "delete", "complete", "reopen", "log", "refresh",
             "register", "sync", "mark", "change", "request", "confirm", "verify", "resend",
             "move")  # fmt: skip
    for method, path, op in _operations(spec):
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", op["operationId"]), op["operationId"]
        assert op["operationId"].startswith(verbs), op["operationId"]
        assert op["summary"] and op["description"] and op["tags"], (method, path)
        examples = [p.get("example") for p in op.get("parameters", [])]
        for content in [op.get("requestBody", {}).get("content", {})] + [
            r.get("content", {}) for r in op["responses"].values()
        ]:
            examples += [media.get("example") for media in content.values()]
        assert any(e is not None for e in examples), (method, path)


def test_the_document_states_types_and_formats(api) -> None:
    spec = api.request("GET", "/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    create = schemas["TaskCreate"]["properties"]
    assert create["title"]["maxLength"] == 200 and create["title"]["minLength"] == 1
    assert create["tags"]["maxItems"] == 20 and create["tags"]["items"]["maxLength"] == 32
    assert {o.get("format") for o in create["due_at"]["anyOf"]} == {"date-time", "date", None}
    assert schemas["RegisterRequest"]["properties"]["email"]["maxLength"] == 254
    assert schemas["TaskOut"]["properties"]["created_at"]["format"] == "date-time"
    assert "code" in schemas["Problem"]["required"]
    parameters = {p["name"]: p for p in spec["paths"]["/v1/tasks"]["get"]["parameters"]}
    for flag in ("completed", "overdue", "has_due"):
        assert parameters[flag]["schema"] == {"type": "boolean"}
    assert parameters["tag"]["schema"]["type"] == "array" and parameters["tag"]["explode"]
    sort = parameters["sort"]["schema"]
    assert len(sort["x-enum-varnames"]) == len(sort["enum"])
    assert "CREATED_AT_DESC" in sort["x-enum-varnames"]


def test_problem_types_resolve_to_pages(api) -> None:
    from chalicelib.problem_docs import PROBLEMS

    for code in PROBLEMS:
        page = api.request("GET", f"/v1/problems/{code}")
        assert page.status == 200 and code in page.body.decode()
        assert page.header("Content-Type").startswith("text/html")
        assert "default-src 'none'" in page.header("Content-Security-Policy")
    missing = api.request("GET", "/v1/problems/no_such_code").json
    assert missing["code"] == "not_found"


def test_the_v11_task_fields_state_their_limits(api) -> None:
    schemas = api.request("GET", "/v1/openapi.json").json["components"]["schemas"]
    recurrence = schemas["RecurrenceIn"]
    assert recurrence["required"] == ["rule"] and recurrence["additionalProperties"] is False
    assert recurrence["properties"]["rule"]["maxLength"] == 500
    assert recurrence["properties"]["from"]["enum"] == ["due", "completion"]
    reminder = schemas["ReminderIn"]
    minutes = reminder["properties"]["before_minutes"]["anyOf"][0]
    assert (minutes["minimum"], minutes["maximum"]) == (0, 40320)
    assert reminder["oneOf"] == [{"required": ["before_minutes"]}, {"required": ["at"]}]
    reminders = schemas["TaskUpdate"]["properties"]["reminders"]["anyOf"][0]
    assert reminders["maxItems"] == 5
    task = schemas["TaskOut"]
    assert {"due_tz", "due_local", "recurrence", "reminders", "last_completed_at"} <= set(
        task["required"]
    )
    notification = schemas["Notification"]
    assert notification["properties"]["type"]["enum"] == ["due_soon", "overdue", "reminder"]
    assert {"occurrence_due_at", "remind_at"} <= set(notification["required"])


def test_every_example_is_valid_against_its_own_schema(api) -> None:
    """A client generated from the document, or a person copying an example, gets
    something the schema (and so the server) accepts."""
    import jsonschema

    spec = api.request("GET", "/v1/openapi.json").json
    components = {"components": spec["components"]}
    checked = 0
    for schema in spec["components"]["schemas"].values():
        for example in schema.get("examples", []):
            jsonschema.validate(example, {**schema, **components})
            checked += 1
    for method, path, op in _operations(spec):
        bodies = [op.get("requestBody", {}).get("content", {})] + [
            reply.get("content", {}) for reply in op["responses"].values()
        ]
        for media in (m for content in bodies for m in content.values()):
            if "example" in media:
                try:
                    jsonschema.validate(media["example"], {**media["schema"], **components})
                except jsonschema.ValidationError as error:
                    raise AssertionError((method, path, error.message)) from None
                checked += 1
    assert checked > 40
