"""3. A realistic mix through nginx in front of 3 app workers, 30 s, several users:
70% reads (list pages, single tasks), 15% creates, 10% updates or completions, 5% searches.

DESIGN.md section 6 (v1.1): p99 <= 150 ms, and a rate of at least 0.1x the rate of
``GET /v1/health`` through the same nginx and workers; that health rate is measured in the
same run, half just before the mix and half just after, with the standard load generator
(wrk when installed). The whole latency distribution is kept (quantiles, a histogram, and
p50 / p99 per kind of request) for the chart.

The accounts and a few tasks each are made before the measured window, one registration
at a time: nginx's ``limit_req`` on /v1/auth/ and the app's per-address registration limit
are for attackers, and a burst of sign-ups from one address is what they stop.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import client
from bench.common import CONNECTIONS, Result, Row, distribution, fmt, percentile, print_rows, ratio
from bench.http_tier import combine, health
from bench.load import LoadResult, Request, run_python

SECONDS = 30.0
HEALTH_SECONDS = 8.0  # in total, half before the mix and half after
TARGET_P99_MS = 150.0
TARGET_VS_HEALTH = 0.1
USERS = 8
TASKS_PER_USER = 10
WORDS = ("groceries", "report", "dentist", "invoice", "garden", "meeting", "laundry", "taxes")
LISTS = ("/v1/tasks?limit=25", "/v1/tasks?limit=25&completed=false&sort=due_at")


@dataclass
class _User:
    token: str
    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def some_id(self, rng: random.Random) -> str:
        with self.lock:
            return rng.choice(self.ids)

    def add(self, task_id: str) -> None:
        with self.lock:
            self.ids.append(task_id)


def _task_fields(rng: random.Random) -> dict[str, object]:
    word = rng.choice(WORDS)
    due = None if rng.random() < 0.3 else f"2030-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {
        "title": f"{word.capitalize()} {rng.randint(1, 999)}",
        "description": f"about {word}",
        "due_at": due,
    }


def _next_request(user: _User, rng: random.Random) -> Request:
    auth = {"Authorization": f"Bearer {user.token}", "Content-Type": "application/json"}
    roll = rng.random()
    if roll < 0.35:
        return Request("GET", rng.choice(LISTS), headers=auth, label="list")
    if roll < 0.70:
        return Request("GET", f"/v1/tasks/{user.some_id(rng)}", headers=auth, label="get")
    if roll < 0.85:
        body = json.dumps(_task_fields(rng)).encode()
        return Request("POST", "/v1/tasks", body=body, headers=auth, label="create")
    if roll < 0.90:
        body = json.dumps({"title": f"Renamed {rng.randint(1, 999)}"}).encode()
        path = f"/v1/tasks/{user.some_id(rng)}"
        return Request("PATCH", path, body=body, headers=auth, label="update")
    if roll < 0.95:
        path = f"/v1/tasks/{user.some_id(rng)}/complete"
        return Request("POST", path, headers=auth, label="complete")
    return Request("GET", f"/v1/tasks?q={rng.choice(WORDS)[:5]}", headers=auth, label="search")


def _set_up(port: int) -> list[_User]:
    rng = random.Random(3)
    users: list[_User] = []
    for _ in range(USERS):
        session = client.register(port)
        user = _User(token=str(session["access_token"]))
        for _ in range(TASKS_PER_USER):
            user.add(str(client.create_task(port, user.token, _task_fields(rng))["id"]))
        users.append(user)
        time.sleep(0.15)  # well under nginx's 10 requests/s on /v1/auth/
    return users


def _log_files(log_dir: Path | None) -> dict[Path, int]:
    if log_dir is None or not log_dir.is_dir():
        return {}
    files = [*sorted(log_dir.glob("app-*.log")), log_dir / "nginx-access.log"]
    return {path: path.stat().st_size for path in files if path.exists()}


def _appended(offsets: dict[Path, int]) -> Iterator[tuple[Path, Result]]:
    """The JSON lines written to each file since ``offsets``."""
    for path, offset in offsets.items():
        with path.open("rb") as handle:
            handle.seek(offset)
            for raw in handle:
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(line, dict):
                    yield path, line


def _seconds(text: object) -> float | None:
    # nginx's upstream_response_time: "0.012", "0.004, 0.010" (retried), or "-".
    try:
        return sum(float(part) for part in str(text).split(","))
    except ValueError:
        return None


def server_time(offsets: dict[Path, int]) -> Result:
    """Where the mix's time went, from the log lines written since ``offsets``."""
    app: list[float] = []
    upstream: list[float] = []
    total: list[float] = []
    for path, line in _appended(offsets):
        if path.name.startswith("app-"):
            if line.get("logger") == "taskapp.access" and "duration_ms" in line:
                app.append(float(line["duration_ms"]))
            continue
        waited = _seconds(line.get("upstream_s"))
        whole = _seconds(line.get("duration_s"))
        if waited is not None and whole is not None:
            upstream.append(waited * 1000)
            total.append(whole * 1000)

    def shape(values: list[float]) -> Result:
        ordered = sorted(values)
        return {
            "count": len(ordered),
            "mean_ms": round(sum(ordered) / len(ordered), 2) if ordered else 0.0,
            "p50_ms": round(percentile(ordered, 0.5), 2),
            "p99_ms": round(percentile(ordered, 0.99), 2),
        }

    return {"nginx_ms": shape(total), "upstream_ms": shape(upstream), "app_ms": shape(app)}


def run(
    nginx_port: int,
    workers: int,
    *,
    seconds: float = SECONDS,
    health_seconds: float = HEALTH_SECONDS,
    log_dir: Path | None = None,
) -> Result:
    """Drive the mix through nginx on ``nginx_port`` for ``seconds``, between two halves
    of ``health_seconds`` of ``GET /v1/health`` through the same nginx. ``log_dir``: the
    stack's log directory, for the server-side times."""
    users = _set_up(nginx_port)

    def on_response(index: int, request: Request, status: int, body: bytes) -> None:
        if request.label == "create" and status == 201:
            users[index % USERS].add(str(json.loads(body)["id"]))

    health(nginx_port, 1.0)  # warm-up, unmeasured
    before = health(nginx_port, health_seconds / 2)
    offsets = _log_files(log_dir)
    load = run_python(
        nginx_port,
        lambda index, rng: _next_request(users[index % USERS], rng),
        connections=CONNECTIONS,
        duration=seconds,
        timeout=10.0,
        on_response=on_response,
    )
    time.sleep(0.5)  # nginx and the workers write their log lines after answering
    servers = server_time(offsets) if offsets else None
    after = health(nginx_port, health_seconds / 2)
    healthy = combine([before, after])
    result = _result(load, healthy, workers)
    if servers is not None:
        result["server_time"] = servers
    _print(result, load, healthy, workers, seconds)
    return result


def _result(load: LoadResult, healthy: LoadResult, workers: int) -> Result:
    kinds: dict[str, int] = {}
    for key, count in load.statuses.items():
        kind = key.split(":", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + count
    everything = sorted(x for values in load.latencies_ms.values() for x in values)
    return {
        "rps": round(load.rps, 1),
        "p50_ms": round(load.p50_ms, 2),
        "p90_ms": round(percentile(everything, 0.90), 2),
        "p99_ms": round(load.p99_ms, 2),
        "max_ms": round(everything[-1], 2) if everything else 0.0,
        "errors": load.errors,
        "health_rps": round(healthy.rps, 1),
        "ratio_vs_health": round(ratio(load.rps, healthy.rps), 4),
        "requests": load.requests,
        "workers": workers,
        "users": USERS,
        "connections": CONNECTIONS,
        "duration_s": round(load.duration_s, 1),
        "by_kind": kinds,
        "latency": distribution(everything),
        "latency_by_kind": {
            kind: {
                "count": len(values),
                "p50_ms": round(percentile(values, 0.50), 2),
                "p90_ms": round(percentile(values, 0.90), 2),
                "p99_ms": round(percentile(values, 0.99), 2),
            }
            for kind, values in load.latencies_ms.items()
        },
        "health": healthy.to_dict(),
        "statuses": load.statuses,
    }


def _print(
    result: Result, load: LoadResult, healthy: LoadResult, workers: int, seconds: float
) -> None:
    kinds: dict[str, int] = result["by_kind"]
    shares = ", ".join(
        f"{k} {100 * v / max(1, load.requests):.0f}%" for k, v in sorted(kinds.items())
    )
    per_kind = ", ".join(
        f"{kind} {row['p50_ms']:.0f}/{row['p99_ms']:.0f}"
        for kind, row in result["latency_by_kind"].items()
    )
    print_rows(
        f"Mix through nginx, {workers} workers, {USERS} users, {CONNECTIONS} connections, "
        f"{seconds:g} s",
        [
            Row("req/s", fmt(load.rps), shares),
            Row("p50 ms", fmt(load.p50_ms, 2), f"p50/p99 ms by kind: {per_kind}"),
            Row("p90 ms", fmt(result["p90_ms"], 2)),
            Row("p99 ms", fmt(load.p99_ms, 2), f"target <= {TARGET_P99_MS:g}"),
            Row("errors", str(load.errors), "target 0"),
            Row(
                "health req/s, same nginx",
                fmt(healthy.rps),
                f"p99 {healthy.p99_ms:.2f} ms, errors {healthy.errors} ({healthy.tool})",
            ),
            Row(
                "mix / health",
                fmt(result["ratio_vs_health"], 3),
                f"target >= {TARGET_VS_HEALTH:g}",
            ),
            *_server_rows(result.get("server_time")),
        ],
    )


def _server_rows(servers: Result | None) -> list[Row]:
    if not servers:
        return []
    names = (
        ("nginx_ms", "  in nginx, mean ms", "whole request as nginx saw it"),
        ("upstream_ms", "  waiting for a worker, mean ms", "upstream_s: queue + app"),
        ("app_ms", "  in the app, mean ms", "duration_ms: app + DynamoDB (+ emulator queue)"),
    )
    return [
        Row(
            label,
            fmt(servers[key]["mean_ms"], 2),
            f"p50 {servers[key]['p50_ms']:.1f}, p99 {servers[key]['p99_ms']:.1f}, "
            f"{servers[key]['count']} lines; {what}",
        )
        for key, label, what in names
    ]
