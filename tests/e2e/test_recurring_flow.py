"""A recurring task with reminders over HTTP through nginx and real workers: the
scheduler's reminder, a double-clicked complete, sync, the end of the series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from e2e_support import HttpApi, run_scheduler_once

pytestmark = pytest.mark.e2e


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_recurring_task_is_reminded_completed_once_per_click_and_ends(
    stack: Any, api: HttpApi
) -> None:
    token = api.token(timezone="Asia/Kolkata")
    due = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0)
    created = api.request(
        "POST",
        "/v1/tasks",
        {
            "title": "take the pills",
            "due_at": due.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recurrence": {"rule": "RRULE:FREQ=DAILY;COUNT=2"},
            "reminders": [{"before_minutes": 15}, {"before_minutes": 5}],
        },
        token=token,
    )
    assert created.status == 201, created.body
    task = created.json
    kolkata = due.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%Y-%m-%dT%H:%M:%S")
    assert (task["due_tz"], task["due_local"]) == ("Asia/Kolkata", kolkata)
    assert task["recurrence"] == {"rule": "FREQ=DAILY;COUNT=2", "from": "due"}
    since = api.request("GET", "/v1/sync", token=token).json["next_since"]

    run_scheduler_once(stack.env)  # the 15-minute reminder has fallen due, the other not
    notes = api.request("GET", "/v1/notifications", token=token).json["items"]
    assert [(n["type"], n["occurrence_due_at"], n["remind_at"]) for n in notes] == [
        ("reminder", _stamp(due), _stamp(due - timedelta(minutes=15)))
    ]

    path = f"/v1/tasks/{task['id']}/complete"
    shown = {"If-Match": f'"{task["version"]}"'}
    first = api.request("POST", path, token=token, headers=shown)
    assert first.status == 200, first.body
    advanced = first.json
    assert advanced["due_at"] == _stamp(due + timedelta(days=1))
    assert advanced["due_local"][11:] == task["due_local"][11:]  # the same wall time
    assert advanced["completed"] is False and advanced["last_completed_at"]
    assert first.header("ETag") == f'"{task["version"] + 1}"'
    second = api.request("POST", path, token=token, headers=shown)  # the double click
    assert second.status == 412, second.body
    assert second.header("Content-Type") == "application/problem+json"
    stored = api.request("GET", f"/v1/tasks/{task['id']}", token=token).json
    assert stored["due_at"] == advanced["due_at"]  # one occurrence, not two

    changes = api.request("GET", f"/v1/sync?since={quote(since)}", token=token).json["changes"]
    assert [(c["id"], c["due_at"]) for c in changes] == [(task["id"], advanced["due_at"])]

    last = api.request(
        "POST", path, token=token, headers={"If-Match": f'"{advanced["version"]}"'}
    ).json
    assert last["completed"] is True and last["due_at"] == advanced["due_at"]  # COUNT=2
    reopened = api.request("POST", f"/v1/tasks/{task['id']}/reopen", token=token).json
    assert reopened["completed"] is False
