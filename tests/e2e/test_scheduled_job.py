"""The local scheduler runs the app's @app.schedule handlers against the running stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e_support import HttpApi, run_scheduler_once

pytestmark = pytest.mark.e2e


def test_one_scheduler_run_sends_the_due_soon_notification(stack: Any, api: HttpApi) -> None:
    token = api.token()
    due = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    task = api.create(token, title="renew the passport", due_at=due)

    run = run_scheduler_once(stack.env)
    assert {h["name"] for h in run["handlers"]} >= {"due_date_job"}
    assert all(h["ok"] for h in run["handlers"]), run
    # The coordinator handed its groups of shards to the worker handler, which ran in the
    # scheduler's process pool, once per group, every shard once.
    (job,) = [h for h in run["handlers"] if h["name"] == "due_date_job"]
    workers = job["workers"]
    assert workers and all(w["ok"] for w in workers), workers
    covered = sorted(s for w in workers for s in range(*w["result"][0]["shards"]))
    assert covered == list(range(covered[-1] + 1))
    assert sum(w["result"][0]["sent"].get("due_soon", 0) for w in workers) >= 1

    reply = api.request("GET", "/v1/notifications", token=token)
    assert reply.status == 200, reply.body
    kinds = {(n["task_id"], n["type"]) for n in reply.json["items"]}
    assert (task["id"], "due_soon") in kinds
