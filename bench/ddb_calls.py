"""4. DynamoDB requests per API operation (DESIGN.md section 4), counted with
:class:`taskcore.storage.DynamoCallCounter` while the Chalice test client calls the app
in process, over moto and the real Redis (as tests/integration does)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any

from bench import inprocess
from bench.common import ROOT, Result, Row, print_rows

PASSWORD = "correct horse battery"  # noqa: S105 - a benchmark account's password
# What DESIGN.md section 4 allows (in requests), where it names a number.
BUDGETS = {
    "register": "1 transaction + session write",
    "login": "1 read + session write",
    "get (miss)": "1 GetItem",
    "get (cached)": "0",
    "create": "1 write (+ quota read, end-of-list Query)",
    "update": "1 write (+ read)",
    "complete": "1 write (+ read)",
    "move": "1 transaction (+ read, neighbour Query)",
    "delete": "1 write (+ read, subtask Query)",
    "list page": "1 Query",
    "list by position": "1 Query per page (+ list check, page 1)",
    "create list": "1 transaction (+ account read, lists Query)",
    "lists page": "1 Query",
    "list page (cached)": "0",
    "search": "grows with matches",
    "sync page": "1 Query",
    "due-date job run": "grows with tasks due (3 here): 1 + 2 x shards Queries, 1 write each",
}


class _Api:
    def __init__(self, http: Any) -> None:
        self._http = http
        self.token: str | None = None

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body) if body is not None else None
        response = getattr(self._http, method.lower())(path, headers=headers, body=payload)
        raw = response.body or b""
        return int(response.status_code), json.loads(raw) if raw else None


# One counted operation: its name, the call, the status it must answer.
Step = tuple[str, Callable[[], tuple[int, Any]], int]


def script(api: _Api, clock: Any, built: Any) -> Generator[Step, Any, None]:
    """The operations in the order a client makes them; each ``yield`` is counted by the
    driver, which sends the reply's body back (bench/scale/costs.py prices the same)."""
    from taskcore.services import reminders

    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    account = {"email": email, "password": PASSWORD}
    yield ("register", lambda: api("POST", "/v1/auth/register", account), 201)
    session = yield ("login", lambda: api("POST", "/v1/auth/login", account), 200)
    api.token = session["access_token"]
    api("GET", "/v1/me")  # the session check is cached from here on, as in use
    # A running scheduler has marked every shard of the due-time index already.
    reminders.run_due_date_job(built)
    due = (clock.now + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made = [
        api("POST", "/v1/tasks", {"title": f"Zebra report {i}", "due_at": due})[1] for i in range(3)
    ]
    task = yield (
        "create",
        lambda: api("POST", "/v1/tasks", {"title": "Pay the zebra keeper", "due_at": due}),
        201,
    )
    path = f"/v1/tasks/{task['id']}"
    yield ("get (miss)", lambda: api("GET", path), 200)
    yield ("get (cached)", lambda: api("GET", path), 200)
    yield ("update", lambda: api("PATCH", path, {"title": "Pay the zebra vet"}), 200)
    yield ("complete", lambda: api("POST", f"{path}/complete"), 200)
    after_first = {"after_id": made[0]["id"]}
    yield ("move", lambda: api("POST", f"{path}/move", after_first), 200)
    by_position = f"/v1/tasks?list_id={task['list_id']}&sort=position&limit=25"
    yield ("list by position", lambda: api("GET", by_position), 200)
    yield ("create list", lambda: api("POST", "/v1/lists", {"name": "Zoo"}), 201)
    yield ("lists page", lambda: api("GET", "/v1/lists"), 200)
    yield ("list page", lambda: api("GET", "/v1/tasks?limit=25"), 200)
    yield ("list page (cached)", lambda: api("GET", "/v1/tasks?limit=25"), 200)
    yield ("search", lambda: api("GET", "/v1/tasks?q=zebra"), 200)
    yield ("sync page", lambda: api("GET", "/v1/sync?limit=25"), 200)

    def job() -> tuple[int, Any]:
        report = reminders.run_due_date_job(built)
        return (200 if report.sent else 500), dict(report.sent)

    yield ("due-date job run", job, 200)
    yield ("delete", lambda: api("DELETE", path), 204)


def drive(
    steps: Generator[Step, Any, None], count: Callable[[str, Callable[[], tuple[int, Any]]], Any]
) -> None:
    """Run ``steps``, each through ``count(name, action)``, which returns (status, body)."""
    reply: Any = None
    try:
        name, action, expect = next(steps)
        while True:
            status, reply = count(name, action)
            if status != expect:
                raise RuntimeError(f"{name}: status {status}, expected {expect}: {reply}")
            name, action, expect = steps.send(reply)
    except StopIteration:
        return


def run(redis_port: int) -> Result:
    """Count each operation once, in the order a client would make them."""
    from chalice.test import Client

    from app import app

    clock = inprocess.Clock()
    counts: dict[str, int] = {}
    detail: dict[str, Any] = {}
    with inprocess.deps("calls", redis_port, clock) as built, inprocess.counting(built) as calls:

        def count(name: str, action: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
            calls.reset()
            status, body = action()
            counts[name] = calls.total
            detail[name] = {"requests": dict(calls.calls), "items_read": calls.items_read}
            return status, body

        with Client(app, project_dir=str(ROOT)) as client:
            drive(script(_Api(client.http), clock, built), count)
    scans = sum(d["requests"].get("Scan", 0) for d in detail.values())
    result: Result = {"ddb_calls": counts, "ddb_calls_detail": detail, "scans": scans}
    rows = [
        Row(
            name,
            str(counts[name]),
            f"{_calls(detail[name]['requests'])}; {detail[name]['items_read']} items read"
            f"   [budget: {BUDGETS.get(name, '-')}]",
        )
        for name in counts
    ]
    rows.append(Row("Scan requests, all operations", str(scans), "target 0"))
    print_rows("DynamoDB requests per operation (in process, moto + Redis)", rows)
    return result


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(calls.items())) or "none"
