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
        "due_tz",
        "recurrence",
        "reminders",
    }


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
