"""Observability through Powertools for AWS Lambda (chalicelib.observability): off unless
configured, and then nothing of Powertools is even imported; on, the log lines keep their
redaction and gain the Lambda context and the request's correlation id, and every request
and every run of the due-date job is measured as CloudWatch EMF (captured from stdout, as
Powertools' own testing guide does)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.app import CloudWatchEvent
from chalice.test import Client

from chalicelib import deps as app_deps
from chalicelib import observability
from chalicelib.observability import Config
from fakes import fake_deps
from observability_support import captured, metric_lines
from support import ApiClient, FakeClock
from taskcore.bootstrap import Usage

ROOT = Path(__file__).resolve().parents[2]
SERVICE, NAMESPACE = "taskapp-unit", "TaskAppUnit"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> Iterator[ApiClient]:
    """The app on in-memory fakes, through Chalice's test client (it passes a Lambda
    context, as Lambda does)."""
    from app import app

    app_deps.use(fake_deps(clock))
    try:
        with Client(app) as client:
            yield ApiClient(client.http)
    finally:
        app_deps.use(None)


@pytest.fixture
def telemetry(api: ApiClient) -> Iterator[observability.Observability]:
    """Logs and metrics switched on in this process, as app.py does on AWS."""
    from app import app

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    on = observability.configure(
        Config(logs=True, metrics=True, service=SERVICE, namespace=NAMESPACE)
    )
    # app.py registers these at import, first; Chalice builds an HTTP request's middleware
    # chain from this list on every call, so they apply from the next request on.
    added = [(middleware, "all") for middleware in on.lambda_middlewares()]
    app.middleware_handlers[:0] = added
    try:
        yield on
    finally:
        del app.middleware_handlers[: len(added)]
        observability.configure(Config())
        root.handlers, root.level = saved_handlers, saved_level


# --- configuration ------------------------------------------------------------------------------


def test_everything_is_off_unless_configured() -> None:
    assert Config.from_environ({}) == Config()
    config = Config.from_environ(
        {
            "TASKAPP_OBSERVABILITY": "metrics, Traces",
            "POWERTOOLS_SERVICE_NAME": "taskapp-prod",
            "POWERTOOLS_METRICS_NAMESPACE": "Ns",
        }
    )
    assert (config.logs, config.metrics, config.traces) == (False, True, True)
    assert (config.service, config.namespace) == ("taskapp-prod", "Ns")
    every = Config.from_environ({"TASKAPP_OBSERVABILITY": "all"})
    assert every.logs and every.metrics and every.traces


def test_a_misspelt_switch_is_refused() -> None:
    with pytest.raises(ValueError, match="metric"):
        Config.from_environ({"TASKAPP_OBSERVABILITY": "logs,metric"})


# --- the Lambda entry, in a fresh interpreter as on Lambda ---------------------------------------

# Imports the Lambda entry (functions/app.py) with the environment given, answers two API
# Gateway events (health, and /v1/me without a token: a 401) and one scheduled event (the
# due-date job, on in-memory fakes) with a Lambda context, as Lambda calls the handlers, and
# prints what the process loaded from Powertools and the X-Ray SDK as its last line.
ENTRY = textwrap.dedent(
    """
    import json, sys
    from app import app
    from chalicelib import deps
    from chalicelib.handlers.due_date_job import due_date_job
    from fakes import fake_deps

    def event(path, headers):
        return {
            "resource": path, "path": path, "httpMethod": "GET",
            "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "body": None,
            "isBase64Encoded": False,
            "requestContext": {"resourcePath": path, "httpMethod": "GET", "stage": "api",
                               "requestId": "gw-1", "identity": {"sourceIp": "127.0.0.1"}},
        }

    class Context:
        function_name = "taskapp-dev-APIHandler"
        memory_limit_in_mb = "1024"
        aws_request_id = "lambda-request-1"
        invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:api"

    for path in ("/v1/health", "/v1/me"):
        app(event(path, {"host": "example.com", "X-Request-Id": "client-42"}), Context())
    deps.use(fake_deps())
    scheduled = {"version": "0", "account": "000000000000", "region": "us-east-1",
                 "detail": {}, "detail-type": "Scheduled Event", "source": "aws.events",
                 "time": "2026-03-01T12:00:00Z", "id": "event-9", "resources": []}
    due_date_job(scheduled, Context())
    loaded = [m for m in sys.modules if m.startswith(("aws_lambda_powertools", "aws_xray_sdk"))]
    print(json.dumps({"loaded": sorted(loaded)}))
    """
)


def run_entry(**environment: str) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    env.pop("TASKAPP_OBSERVABILITY", None)
    paths = [str(ROOT / "functions"), str(ROOT / "layers"), str(ROOT / "tests")]
    env.update(PYTHONPATH=os.pathsep.join(paths))
    env.update(environment)
    done = subprocess.run(
        [sys.executable, "-c", ENTRY], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_off_the_entry_loads_nothing_of_powertools_and_emits_no_metric() -> None:
    *lines, last = run_entry()
    assert last == {"loaded": []}
    assert [line["message"] for line in lines] == ["request", "request", "due-date job"]
    assert [line.get("status") for line in lines] == [200, 401, None]
    assert not [line for line in lines if "_aws" in line or "correlation_id" in line]


def test_on_the_entry_logs_with_lambda_context_and_correlation_id_and_measures() -> None:
    *lines, last = run_entry(
        TASKAPP_OBSERVABILITY="all",
        POWERTOOLS_SERVICE_NAME=SERVICE,
        POWERTOOLS_METRICS_NAMESPACE=NAMESPACE,
    )
    assert "aws_lambda_powertools" in last["loaded"]
    access = [line for line in lines if line.get("message") == "request"]
    assert [line["status"] for line in access] == [200, 401]
    for line in access:
        assert line["correlation_id"] == line["request_id"] == "client-42"
        assert line["function_name"] == "taskapp-dev-APIHandler"
        assert line["function_request_id"] == "lambda-request-1"
        assert line["service"] == SERVICE
    assert [line["cold_start"] for line in access] == [True, False]
    metrics = metric_lines(lines, NAMESPACE)
    assert [m["metrics"]["Requests"] for m in metrics if "Requests" in m["metrics"]] == [
        [1.0],
        [1.0],
    ]
    assert [m["code"] for m in metrics if "Errors" in m["metrics"]] == ["unauthenticated"]
    (job,) = [line for line in lines if line.get("message") == "due-date job"]
    assert job["correlation_id"] == "event-9" and job["function_name"] == "taskapp-dev-APIHandler"
    (run,) = [m["metrics"] for m in metrics if "JobLagSeconds" in m["metrics"]]
    assert run["NotificationsDelivered"] == run["JobLagSeconds"] == [0.0]  # nothing was due


# --- logs ---------------------------------------------------------------------------------------


def test_powertools_log_lines_keep_every_secret_out(telemetry: observability.Observability) -> None:
    log = logging.getLogger("taskapp.test")
    with captured() as lines:
        log.info("login with password=hunter2", extra={"Authorization": "Bearer hunter2"})
        log.info('{"refresh_token": "hunter2", "email": "a@example.com"}')  # decoded to a dict
        log.info("profile", extra={"body": {"user": {"password": "hunter2"}, "n": [1]}})
        try:
            raise ValueError("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.hunter2")
        except ValueError:
            log.exception("failed")
    text = json.dumps(lines())
    assert "hunter2" not in text
    first, decoded, nested, failed = lines()
    assert first["Authorization"] == "[redacted]" and first["service"] == SERVICE
    assert decoded["message"] == {"refresh_token": "[redacted]", "email": "a@example.com"}
    assert nested["body"] == {"user": {"password": "[redacted]"}, "n": [1]}
    assert failed["exception_name"] == "ValueError"


def test_every_line_of_a_request_carries_its_correlation_id_and_lambda_context(
    api: ApiClient, telemetry: observability.Observability
) -> None:
    with captured() as lines:
        api.request("GET", "/v1/health", headers={"X-Request-Id": "req-1"})
        api.request("GET", "/v1/health")
    first, second = [line for line in lines() if line.get("message") == "request"]
    assert first["correlation_id"] == "req-1"
    assert second["correlation_id"] == second["request_id"] != "req-1"  # a generated one
    for line in (first, second):
        assert line["function_name"] and line["function_request_id"]
        assert line["logger"] == "taskapp.access" and line["level"] == "INFO"
    with captured() as after:
        logging.getLogger("taskapp.test").info("between requests")
    assert "correlation_id" not in after()[0]


# --- metrics ------------------------------------------------------------------------------------


def test_each_request_is_counted_once_and_each_error_by_its_code(
    api: ApiClient, telemetry: observability.Observability, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = api.token()
    with captured() as lines:
        assert api.request("GET", "/v1/health").status == 200
        assert api.request("GET", "/v1/me").status == 401
        assert api.request("GET", "/v1/tasks/01NOPE", token=token).status == 404
        assert api.request("POST", "/v1/tasks", {"title": ""}, token=token).status == 422

        def boom(*_: Any) -> None:
            raise RuntimeError("unexpected")

        monkeypatch.setattr(app_deps.deps().users, "get", boom)
        assert api.request("GET", "/v1/me", token=token).status == 500
    metrics = metric_lines(lines(), NAMESPACE)
    requests = [m for m in metrics if "Requests" in m["metrics"]]
    assert [(m["route"], m["status"]) for m in requests] == [
        ("GET /v1/health", 200),
        ("GET /v1/me", 401),
        ("GET /v1/tasks/{task_id}", 404),
        ("POST /v1/tasks", 422),
        ("GET /v1/me", 500),
    ]
    for m in requests:
        assert m["dimensions"] == [["service"]] and m["service"] == SERVICE
        assert m["metrics"]["Requests"] == [1.0]
        assert set(m["metrics"]) == {"Requests", "DynamoDBCalls", "CacheHits", "CacheMisses"}
    errors = [m for m in metrics if "Errors" in m["metrics"]]
    assert [m["code"] for m in errors] == [
        "unauthenticated",
        "not_found",
        "validation_failed",
        "internal",
    ]
    assert all(m["dimensions"] == [["service", "code"]] for m in errors)


def test_store_usage_is_the_difference_of_two_readings(
    api: ApiClient, telemetry: observability.Observability
) -> None:
    readings = iter([Usage(10, 4, 1), Usage(13, 6, 2)])
    app_deps.use(app_deps.deps(), lambda: next(readings))
    with captured() as lines:
        api.request("GET", "/v1/health")
    (measured,) = metric_lines(lines(), NAMESPACE)
    assert measured["metrics"]["DynamoDBCalls"] == [3.0]
    assert measured["metrics"]["CacheHits"] == [2.0]
    assert measured["metrics"]["CacheMisses"] == [1.0]


def test_a_job_run_reports_deliveries_and_lag(
    api: ApiClient, clock: FakeClock, telemetry: observability.Observability
) -> None:
    from chalicelib.handlers.due_date_job import due_date_job

    token = api.token()
    api.create(token, title="call", due_at="2026-03-01T14:00:00Z")  # due soon at 13:00
    clock.advance(hours=1, minutes=5)
    event = CloudWatchEvent(
        {
            "version": "0",
            "account": "000000000000",
            "region": "us-east-1",
            "detail": {},
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": "2026-03-01T13:05:00Z",
            "id": "event-7",
            "resources": [],
        },
        None,
    )
    with captured() as lines:
        # The function itself: the entry's middleware chain is Chalice's, built once.
        result = due_date_job.func(event)
    assert result["sent"] == {"due_soon": 1}
    (measured,) = metric_lines(lines(), NAMESPACE)
    assert measured["metrics"] == {
        "NotificationsDelivered": [1.0],
        "RemindersExamined": [1.0],
        "JobDynamoDBCalls": [0.0],  # fakes: no reading of the stores
        "JobLagSeconds": [300.0],
    }
    (job_line,) = [line for line in lines() if line.get("message") == "due-date job"]
    assert job_line["correlation_id"] == "event-7"


def test_each_worker_of_a_fanned_out_run_reports_its_own_deliveries(
    api: ApiClient, clock: FakeClock, telemetry: observability.Observability
) -> None:
    from local.worker_pool import sqs_event

    from chalicelib import fanout
    from chalicelib.handlers.due_date_worker import WORK_QUEUE, due_date_worker
    from gateway import lambda_context

    token = api.token()
    api.create(token, title="call", due_at="2026-03-01T14:00:00Z")  # due soon at 13:00
    clock.advance(hours=1, minutes=2)
    shards = range(app_deps.deps().settings.due_index_shards)
    event = sqs_event(fanout.message(shards, "event-8"), WORK_QUEUE, "us-east-1", 0.0)
    with captured() as lines:
        (done,) = due_date_worker(event, lambda_context("lambda-2", "due_date_worker", 60))
    assert done["sent"] == {"due_soon": 1}
    (measured,) = metric_lines(lines(), NAMESPACE)
    assert measured["metrics"]["NotificationsDelivered"] == [1.0]
    assert measured["metrics"]["JobLagSeconds"] == [120.0]
    # The coordinator's run id correlates its workers' lines with its own.
    (job_line,) = [line for line in lines() if line.get("message") == "due-date job"]
    assert job_line["correlation_id"] == "event-8"


def test_off_nothing_is_emitted(api: ApiClient) -> None:
    assert observability.current().metrics is None
    with captured() as lines:
        api.request("GET", "/v1/me")
    (line,) = lines()
    assert line["message"] == "request" and "correlation_id" not in line


def test_a_failure_to_measure_never_fails_the_request(
    api: ApiClient, telemetry: observability.Observability, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import powertools

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("EMF schema")

    monkeypatch.setattr(powertools, "emit", broken)
    with captured() as lines:
        assert api.request("GET", "/v1/health").status == 200
    warning = [line for line in lines() if line.get("level") == "WARNING"]
    assert [line["message"] for line in warning] == ["request metrics not emitted"]
