"""7. Cold start: a fresh interpreter that imports the Lambda entry module (functions/app.py)
and answers one API Gateway event for ``GET /v1/health``, beside a fresh interpreter that
only imports boto3. Whole-process wall time (start to exit), median of several runs,
interleaved, after one unmeasured run of each (so both find their ``.pyc`` files).

Twice: as configured by default (the local stacks: observability off), and as on AWS, with
Powertools' logs, metrics and traces on (``TASKAPP_OBSERVABILITY=all``, in a Lambda-like
environment so that the tracer does not switch itself off; its segments go to a daemon
address on the loopback that nothing listens on)."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import FUNCTIONS, ROOT, Result, Row, base_env, fmt, median, print_rows, ratio

TARGET = 2.5
RUNS = 7

_APP = """
import json, sys, time
began = time.perf_counter()
from app import app
imported = time.perf_counter()
event = {
    "resource": "/v1/health", "path": "/v1/health", "httpMethod": "GET",
    "headers": {"host": "example.com"}, "multiValueHeaders": {"host": ["example.com"]},
    "queryStringParameters": None, "multiValueQueryStringParameters": None,
    "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {
        "resourcePath": "/v1/health", "httpMethod": "GET", "path": "/api/v1/health",
        "stage": "api", "requestId": "cold-start", "accountId": "000000000000",
        "apiId": "bench", "identity": {"sourceIp": "127.0.0.1"},
    },
}
class Context:
    function_name = "task-management-backend-dev"
    memory_limit_in_mb = "1024"
    aws_request_id = "cold-start"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    def get_remaining_time_in_millis(self):
        return 15000
reply = app(event, Context())
answered = time.perf_counter()
assert reply["statusCode"] == 200, reply
print(json.dumps({"import_ms": (imported - began) * 1000,
                  "event_ms": (answered - imported) * 1000}))
"""
_BOTO3 = "import boto3"
# What Lambda and the template set that makes Powertools behave as on AWS.
AWS_OBSERVABILITY = {
    "TASKAPP_OBSERVABILITY": "all",
    "POWERTOOLS_SERVICE_NAME": "taskapp-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "TaskApp",
    "LAMBDA_TASK_ROOT": str(FUNCTIONS),
    "AWS_LAMBDA_FUNCTION_NAME": "task-management-backend-dev",
    "_X_AMZN_TRACE_ID": (
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    ),
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}


def _wall(code: str, **extra: str) -> tuple[float, str]:
    env = base_env(
        TASKAPP_STAGE="dev",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - dummy credentials, nothing is called
        PYTHONPATH=str(FUNCTIONS),
        PYTHONDONTWRITEBYTECODE="",
        **extra,
    )
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"cold start run failed:\n{done.stderr[-2000:]}")
    return seconds * 1000, done.stdout


def run() -> Result:
    """Measure both, interleaved."""
    import json

    _wall(_APP)
    _wall(_APP, **AWS_OBSERVABILITY)
    _wall(_BOTO3)
    app_ms: list[float] = []
    aws_ms: list[float] = []
    boto3_ms: list[float] = []
    inside: list[dict[str, float]] = []
    for _ in range(RUNS):
        ms, out = _wall(_APP)
        app_ms.append(ms)
        inside.append(json.loads(out.strip().splitlines()[-1]))
        aws_ms.append(_wall(_APP, **AWS_OBSERVABILITY)[0])
        boto3_ms.append(_wall(_BOTO3)[0])
    app, aws, boto3 = median(app_ms), median(aws_ms), median(boto3_ms)
    import_ms = median([x["import_ms"] for x in inside])
    event_ms = median([x["event_ms"] for x in inside])
    result: Result = {
        "ms": round(app, 1),
        "boto3_import_ms": round(boto3, 1),
        "ratio_vs_boto3_import": round(ratio(app, boto3), 3),
        "import_app_ms": round(import_ms, 1),
        "first_event_ms": round(event_ms, 2),
        "observability_ms": round(aws, 1),
        "observability_ratio_vs_boto3_import": round(ratio(aws, boto3), 3),
        "runs": RUNS,
        "samples_ms": [round(x, 1) for x in app_ms],
        "observability_samples_ms": [round(x, 1) for x in aws_ms],
        "boto3_samples_ms": [round(x, 1) for x in boto3_ms],
    }
    print_rows(
        f"Cold start: fresh interpreter, median of {RUNS} runs (wall time, start to exit)",
        [
            Row(
                "import app + GET /v1/health ms",
                fmt(app),
                f"of which import {import_ms:.0f} ms, event {event_ms:.1f} ms",
            ),
            Row("the same, observability on (as on AWS) ms", fmt(aws)),
            Row("import boto3 only ms", fmt(boto3)),
            Row("ratio", fmt(result["ratio_vs_boto3_import"], 2), f"target <= {TARGET}"),
            Row(
                "ratio, observability on",
                fmt(result["observability_ratio_vs_boto3_import"], 2),
                f"target <= {TARGET}",
            ),
        ],
    )
    return result
