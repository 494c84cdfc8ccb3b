"""7. Cold start: a fresh interpreter that imports the Lambda entry module (functions/app.py)
and answers one API Gateway event for ``GET /v1/health``, beside a fresh interpreter that
only imports boto3. Whole-process wall time (start to exit), median of several runs,
interleaved, after one unmeasured run of each (so both find their ``.pyc`` files)."""

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


def _wall(code: str) -> tuple[float, str]:
    env = base_env(
        TASKAPP_STAGE="dev",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - dummy credentials, nothing is called
        PYTHONPATH=str(FUNCTIONS),
        PYTHONDONTWRITEBYTECODE="",
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
    _wall(_BOTO3)
    app_ms: list[float] = []
    boto3_ms: list[float] = []
    inside: list[dict[str, float]] = []
    for _ in range(RUNS):
        ms, out = _wall(_APP)
        app_ms.append(ms)
        inside.append(json.loads(out.strip().splitlines()[-1]))
        boto3_ms.append(_wall(_BOTO3)[0])
    app, boto3 = median(app_ms), median(boto3_ms)
    import_ms = median([x["import_ms"] for x in inside])
    event_ms = median([x["event_ms"] for x in inside])
    result: Result = {
        "ms": round(app, 1),
        "boto3_import_ms": round(boto3, 1),
        "ratio_vs_boto3_import": round(ratio(app, boto3), 3),
        "import_app_ms": round(import_ms, 1),
        "first_event_ms": round(event_ms, 2),
        "runs": RUNS,
        "samples_ms": [round(x, 1) for x in app_ms],
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
            Row("import boto3 only ms", fmt(boto3)),
            Row("ratio", fmt(result["ratio_vs_boto3_import"], 2), f"target <= {TARGET}"),
        ],
    )
    return result
