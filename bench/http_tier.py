"""1. HTTP tier: ``GET /v1/health`` through the container HTTP server (gunicorn +
functions/wsgi.py, functions/gunicorn.conf.py, 2 processes), against a bare WSGI hello
world under the same settings, and against ``chalice local`` serving the same app.

The app and the baseline are measured in alternating rounds, so that a change in the
machine's load during the run weighs on both alike. Both app servers first answer a few
``GET /v1/ready`` requests: a worker sets up its dependencies, and with them the
structured request log, on the first request that needs them, and a worker in service
has long done so; each health request then writes its log line, as in production.

``chalice local`` answers keep-alive requests only after a ~40 ms stall; it is measured
with the same client as the others (keep-alive requested, 2 s timeout per request) and,
for reference, with ``Connection: close`` on every request.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable

from local.stack import Stack

from bench import servers
from bench.common import CONNECTIONS, LOCALHOST, Result, Row, fmt, print_rows, ratio
from bench.load import LoadResult, measure

TARGET_VS_BARE = 0.6
ROUND_SECONDS = 4.0
ROUNDS = 2
CHALICE_SECONDS = 5.0


def health(port: int, seconds: float, *, close: bool = False) -> LoadResult:
    """``GET /v1/health`` at the standard concurrency."""
    return measure(port, "/v1/health", connections=CONNECTIONS, duration=seconds, close=close)


def alternate(
    runs: dict[str, Callable[[float], LoadResult]], *, rounds: int = ROUNDS
) -> dict[str, LoadResult]:
    """Run each measurement ``rounds`` times, interleaved, after a 1 s warm-up each;
    combine each one's rounds (total requests over total time, worst p99)."""
    for run in runs.values():
        run(1.0)
    done: dict[str, list[LoadResult]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            done[name].append(run(ROUND_SECONDS))
    return {name: combine(results) for name, results in done.items()}


def combine(results: list[LoadResult]) -> LoadResult:
    """Several runs of the same measurement as one."""
    p50s = sorted(r.p50_ms for r in results)
    return LoadResult(
        tool=results[0].tool,
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        duration_s=sum(r.duration_s for r in results),
        p50_ms=p50s[len(p50s) // 2],
        p99_ms=max(r.p99_ms for r in results),
        socket_errors=sum(r.socket_errors for r in results),
    )


def warm_up(port: int, calls: int = 8) -> None:
    """Make every worker of the server at ``port`` set up its dependencies: a few
    ``GET /v1/ready``, each on a new connection, one at a time, with a generous timeout
    (a worker's first one connects to everything, which on a busy machine takes a while)."""
    statuses = [get_status(port, "/v1/ready") for _ in range(calls)]
    if 200 not in statuses:
        raise RuntimeError(f"GET /v1/ready on port {port} answered {statuses}")


def get_status(port: int, path: str, headers: dict[str, str] | None = None) -> int | str:
    """The status of one GET on 127.0.0.1:port, or the name of the error that stopped it."""
    conn = http.client.HTTPConnection(LOCALHOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__
    finally:
        conn.close()


def run(stack: Stack) -> Result:
    """Measure the three servers; the app is the stack's (only) gunicorn worker port."""
    app_port = stack.config.worker_ports[0]
    warm_up(app_port)
    with servers.bare_wsgi() as bare_port:
        both = alternate(
            {
                "app": lambda s: health(app_port, s),
                "bare": lambda s: health(bare_port, s),
            }
        )
    app, bare = both["app"], both["bare"]
    with servers.chalice_local(stack.env) as chalice_port:
        warm_up(chalice_port)
        health(chalice_port, 1.0)
        chalice = health(chalice_port, CHALICE_SECONDS)
        chalice_close = health(chalice_port, CHALICE_SECONDS, close=True)
    result: Result = {
        "rps": round(app.rps, 1),
        "p50_ms": round(app.p50_ms, 2),
        "p99_ms": round(app.p99_ms, 2),
        "errors": app.errors,
        "ratio_vs_bare_wsgi": round(ratio(app.rps, bare.rps), 3),
        "ratio_vs_chalice_local": round(ratio(app.rps, chalice.rps), 1),
        "ratio_vs_chalice_local_connection_close": round(ratio(app.rps, chalice_close.rps), 1),
        "app": app.to_dict(),
        "bare_wsgi": bare.to_dict(),
        "chalice_local": chalice.to_dict(),
        "chalice_local_connection_close": chalice_close.to_dict(),
    }
    print_rows(
        "HTTP tier: GET /v1/health, 16 connections, gunicorn 2 sync workers",
        [
            _row("app (gunicorn + wsgi.py)", app),
            _row("bare WSGI hello world", bare),
            _row("chalice local", chalice),
            _row("chalice local, Connection: close", chalice_close),
            Row("app / bare", fmt(result["ratio_vs_bare_wsgi"], 2), f"target >= {TARGET_VS_BARE}"),
            Row(
                "app / chalice local",
                fmt(result["ratio_vs_chalice_local"]),
                "recorded, no target (DESIGN.md section 6)",
            ),
            Row(
                "app / chalice local (close)",
                fmt(result["ratio_vs_chalice_local_connection_close"]),
                "reference",
            ),
        ],
    )
    return result


def _row(name: str, load: LoadResult) -> Row:
    note = f"p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, errors {load.errors}"
    return Row(f"{name} req/s", fmt(load.rps), f"{note} ({load.tool})")
