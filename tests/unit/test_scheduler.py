"""The local scheduler invokes ``@app.schedule`` handlers the way EventBridge + Lambda do.

The tiny app lives at module level because Lambda resolves a handler from its
``module.function`` handler string, and so does the scheduler.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from chalice.app import Blueprint, Chalice, Cron, Rate

ROOT = Path(__file__).resolve().parents[2]


def _load_scheduler() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "scheduler_under_test", ROOT / "local/scheduler.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


scheduler = _load_scheduler()
THIS_MODULE = sys.modules[__name__]

calls: list[tuple[str, Any, Any]] = []
middleware_seen: list[str] = []

app = Chalice(app_name="tiny-scheduled")
bp = Blueprint(__name__)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def every_minute(event: Any) -> None:
    calls.append(("every_minute", event, event.context))


@bp.schedule(Cron(0, 3, "*", "*", "?", "*"), name="nightly")
def nightly_job(event: Any) -> None:
    calls.append(("nightly", event, event.context))


@app.schedule("rate(5 minutes)")
def broken(event: Any) -> None:
    raise RuntimeError("boom")


@app.on_sqs_message(queue="tiny-work", name="tiny_worker")
def tiny_worker(event: Any) -> None:
    calls.append(("tiny_worker", event, event.context))


def _middleware(event: Any, get_response: Any) -> Any:
    middleware_seen.append(type(event).__name__)
    return get_response(event)


app.register_middleware(_middleware, "scheduled")
app.register_blueprint(bp)


def _scheduler(handlers: list[Any] | None = None, **kwargs: Any) -> tuple[Any, list[Any]]:
    lines: list[dict[str, Any]] = []
    found = scheduler.discover(app, THIS_MODULE) if handlers is None else handlers
    return scheduler.Scheduler(app, found, emit=lines.append, **kwargs), lines


def test_discovers_app_and_blueprint_handlers() -> None:
    handlers = {h.name: h for h in scheduler.discover(app, THIS_MODULE)}
    assert set(handlers) == {"every_minute", "nightly", "broken"}
    assert handlers["every_minute"].handler_string == "app.every_minute"
    assert handlers["every_minute"].expression == "rate(1 minute)"
    assert handlers["nightly"].expression == "cron(0 3 * * ? *)"
    # Resolved from the handler string to the object Lambda would import.
    assert handlers["every_minute"].function is every_minute
    assert handlers["nightly"].function is nightly_job


def test_run_once_invokes_handlers_with_a_scheduled_event() -> None:
    calls.clear()
    middleware_seen.clear()
    runner, lines = _scheduler()
    results = runner.run_once()
    assert [name for name, _, _ in calls] == ["every_minute", "nightly"]
    _, event, context = calls[0]
    assert event.detail_type == "Scheduled Event"
    assert event.source == "aws.events"
    assert event.detail == {}
    assert event.resources[0].startswith("arn:aws:events:")
    assert re.search(r":rule/tiny-scheduled-[a-z]+-every_minute$", event.resources[0])
    assert event.time.endswith("Z")
    assert context.aws_request_id
    assert 0 < context.get_remaining_time_in_millis() <= 60_000
    # Chalice's own wrapper ran, middleware included: the Lambda code path.
    assert middleware_seen.count("CloudWatchEvent") == 3
    assert {r["name"]: r["ok"] for r in results} == {
        "every_minute": True,
        "nightly": True,
        "broken": False,
    }
    assert len(lines) == 1


def test_a_failing_handler_is_logged_and_the_rest_still_run() -> None:
    calls.clear()
    runner, lines = _scheduler()
    results = {r["name"]: r for r in runner.run_once()}
    assert results["broken"]["error"] == "RuntimeError: boom"
    assert "Traceback" in results["broken"]["traceback"]
    assert len(calls) == 2
    (line,) = lines
    assert line["level"] == "ERROR"
    assert {h["name"] for h in line["handlers"]} == {"every_minute", "nightly", "broken"}


def test_no_handlers_idles_and_says_so() -> None:
    runner, lines = _scheduler(handlers=[])
    assert runner.run_once() == []
    assert "no @app.schedule handlers" in lines[0]["message"]
    assert lines[0]["level"] == "INFO"


def test_run_forever_stops_when_asked() -> None:
    runner, lines = _scheduler(handlers=[], interval=0.05)
    thread = threading.Thread(target=runner.run_forever)
    thread.start()
    deadline = time.monotonic() + 5
    while len(lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stopping.set()
    thread.join(5)
    assert not thread.is_alive()
    assert len(lines) >= 2


def test_scheduled_event_shape() -> None:
    from datetime import UTC, datetime

    event = scheduler.scheduled_event("rule-x", "eu-west-1", datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert event["time"] == "2024-05-01T12:00:00Z"
    assert event["region"] == "eu-west-1"
    assert event["resources"] == ["arn:aws:events:eu-west-1:000000000000:rule/rule-x"]
    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }


def test_discovers_the_sqs_handler_the_worker_pool_runs() -> None:
    from local import worker_pool

    (handler,) = worker_pool.discover(app, THIS_MODULE)
    assert handler == worker_pool.QueueHandler("tiny_worker", "app.tiny_worker", "tiny-work")
    # Not a scheduled handler: EventBridge never invokes it.
    assert "tiny_worker" not in {h.name for h in scheduler.discover(app, THIS_MODULE)}


def test_the_pool_delivers_the_event_sqs_would() -> None:
    from chalice.app import SQSEvent
    from local import worker_pool

    raw = worker_pool.sqs_event('{"first": 0}', "tiny-work", "eu-west-1", 1_700_000_000.5)
    (record,) = raw["Records"]
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:000000000000:tiny-work"
    assert record["attributes"]["SentTimestamp"] == "1700000000500"
    (parsed,) = SQSEvent(raw, None)  # what the handler iterates over
    assert parsed.body == '{"first": 0}'
