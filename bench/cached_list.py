"""2. Cached read path: authenticated ``GET /v1/tasks?limit=25`` with a warm Redis cache,
as a share of the ``GET /v1/health`` rate of the same server (alternating rounds)."""

from __future__ import annotations

from bench import client
from bench.common import CONNECTIONS, Result, Row, fmt, print_rows, ratio
from bench.http_tier import alternate, health
from bench.load import measure

TARGET = 0.4
TASKS = 30
PATH = "/v1/tasks?limit=25"


def run(app_port: int) -> Result:
    """Measure on the stack's gunicorn worker ``app_port``."""
    token = str(client.register(app_port)["access_token"])
    for i in range(TASKS):
        client.create_task(
            app_port,
            token,
            {"title": f"Task {i}", "description": "benchmark task", "due_at": "2030-01-01"},
        )
    status, page = client.call(app_port, "GET", PATH, token=token)  # fills the cache
    if status != 200 or len(page["items"]) != 25:
        raise RuntimeError(f"list answered {status}: {page}")
    auth = {"Authorization": f"Bearer {token}"}
    both = alternate(
        {
            "list": lambda s: measure(
                app_port, PATH, connections=CONNECTIONS, duration=s, headers=auth
            ),
            "health": lambda s: health(app_port, s),
        }
    )
    listed, healthy = both["list"], both["health"]
    result: Result = {
        "rps": round(listed.rps, 1),
        "p50_ms": round(listed.p50_ms, 2),
        "p99_ms": round(listed.p99_ms, 2),
        "errors": listed.errors,
        "health_rps": round(healthy.rps, 1),
        "ratio_vs_health": round(ratio(listed.rps, healthy.rps), 3),
        "list": listed.to_dict(),
        "health": healthy.to_dict(),
    }
    print_rows(
        "Cached read path: GET /v1/tasks?limit=25 (warm cache), 16 connections",
        [
            Row(
                "list req/s",
                fmt(listed.rps),
                f"p50 {listed.p50_ms:.2f} ms, p99 {listed.p99_ms:.2f} ms, "
                f"errors {listed.errors} ({listed.tool})",
            ),
            Row("health req/s (same rounds)", fmt(healthy.rps)),
            Row("list / health", fmt(result["ratio_vs_health"], 2), f"target >= {TARGET}"),
        ],
    )
    return result
