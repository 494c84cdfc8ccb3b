"""8. Where a request's time goes, in process: the store's own time beside the app's.

Each request goes through functions/wsgi.py's WSGI application (the container's code path
without the HTTP server) over moto's DynamoDB and the real Redis, all in this process, one
at a time. Its wall time is split into:

- ``emulator_ms``: inside moto's DynamoDB handler (what the emulator costs; DynamoDB's own
  service time would replace it on AWS);
- ``client_ms``: the rest of each DynamoDB call, from botocore's ``before-parameter-build``
  to its ``after-call`` event (request building, signing, parsing the reply, and moto's
  request plumbing);
- ``redis_ms``: Redis round trips (time in :meth:`taskcore.cache.Cache._run`);
- ``app_ms``: everything else: the WSGI adapter, Chalice routing, authentication,
  validation, the service and repository code, JSON. This is the app's own overhead per
  request, and the figure that stays when the emulator is replaced by DynamoDB.

The hooks are installed from here (botocore's event system on the models' clients, a
wrapper around the cache's one entry point); nothing in layers/ knows about them. Means
are reported because the parts of a mean add up to the whole; ``p50_ms`` is the median of
the wall time. Reads are measured twice: with the Redis cache warm, and with no cache at
all (every read reaches DynamoDB).
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import inprocess
from bench.common import Result, Row, fmt, print_rows

REQUESTS = 40  # per operation
PASSWORD = "correct horse battery"  # noqa: S105 - a benchmark account's password
TASKS = 30  # the user's tasks, so a list page has 25 items
PARTS = ("emulator_ms", "client_ms", "redis_ms", "app_ms")


@dataclass
class _Clocks:
    """Seconds spent in DynamoDB calls and Redis calls so far (one thread)."""

    ddb: float = 0.0
    redis: float = 0.0
    _call_began: float | None = None
    _clients: list[Any] = field(default_factory=list)

    def _before(self, **_: Any) -> None:
        self._call_began = time.perf_counter()

    def _after(self, **_: Any) -> None:
        if self._call_began is not None:
            self.ddb += time.perf_counter() - self._call_began
            self._call_began = None

    def attach(self, built: Any) -> None:
        """Time every DynamoDB call of the models and of ``built``'s connection."""
        from taskcore.storage import ALL_MODELS

        clients = [m._get_connection().connection.client for m in ALL_MODELS]
        clients.append(inprocess.connection_of(built).client)
        for client in {id(c): c for c in clients}.values():
            client.meta.events.register("before-parameter-build.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)
            client.meta.events.register("after-call-error.dynamodb", self._after)
            self._clients.append(client)

    def detach(self) -> None:
        """Remove the hooks."""
        for client in self._clients:
            client.meta.events.unregister("before-parameter-build.dynamodb", self._before)
            client.meta.events.unregister("after-call.dynamodb", self._after)
            client.meta.events.unregister("after-call-error.dynamodb", self._after)
        self._clients.clear()


@contextmanager
def _timing_redis(clocks: _Clocks) -> Iterator[None]:
    from taskcore.cache.client import Cache

    original = Cache._run

    def timed_run(self: Any, command: Any, *, force: bool = False) -> Any:
        began = time.perf_counter()
        try:
            return original(self, command, force=force)
        finally:
            clocks.redis += time.perf_counter() - began

    Cache._run = timed_run  # type: ignore[method-assign]
    try:
        yield
    finally:
        Cache._run = original  # type: ignore[method-assign]


class _Wsgi:
    """Calls the WSGI application in process, like a server would."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.token: str | None = None

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        path, _, query = path.partition("?")
        raw = json.dumps(body).encode() if body is not None else b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:3000",
            "wsgi.input": io.BytesIO(raw),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
        }
        if raw:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(raw))
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
            status.append(line)

        reply = b"".join(self.application(environ, start_response))
        return int(status[0].split(" ", 1)[0]), json.loads(reply) if reply else None


@dataclass
class _Samples:
    wall: list[float] = field(default_factory=list)
    emulator: list[float] = field(default_factory=list)
    ddb: list[float] = field(default_factory=list)
    redis: list[float] = field(default_factory=list)

    def summary(self) -> Result:
        def mean(values: list[float]) -> float:
            return statistics.fmean(values) * 1000 if values else 0.0

        wall, emulator, ddb, redis = (
            mean(self.wall),
            mean(self.emulator),
            mean(self.ddb),
            mean(self.redis),
        )
        return {
            "requests": len(self.wall),
            "total_ms": round(wall, 3),
            "p50_ms": round(statistics.median(self.wall) * 1000, 3) if self.wall else 0.0,
            "emulator_ms": round(emulator, 3),
            "client_ms": round(max(0.0, ddb - emulator), 3),
            "redis_ms": round(redis, 3),
            "app_ms": round(max(0.0, wall - ddb - redis), 3),
            "store_share": round((ddb / wall) if wall else 0.0, 3),
        }


class _Measurer:
    def __init__(self, timer: inprocess.EmulatorTimer, clocks: _Clocks, requests: int) -> None:
        self.timer = timer
        self.clocks = clocks
        self.requests = requests
        self.results: dict[str, Result] = {}

    def measure(
        self, name: str, call: Callable[[], tuple[int, Any]], expect: int, *, warm: bool = True
    ) -> None:
        """Time ``call`` ``requests`` times (after one unmeasured call when ``warm``)."""
        if warm:
            call()
        samples = _Samples()
        for _ in range(self.requests):
            emulator, ddb, redis = self.timer.seconds, self.clocks.ddb, self.clocks.redis
            began = time.perf_counter()
            status, body = call()
            samples.wall.append(time.perf_counter() - began)
            if status != expect:
                raise RuntimeError(f"{name}: status {status}, expected {expect}: {body}")
            samples.emulator.append(self.timer.seconds - emulator)
            samples.ddb.append(self.clocks.ddb - ddb)
            samples.redis.append(self.clocks.redis - redis)
        self.results[name] = samples.summary()


def _session(api: _Wsgi) -> None:
    import uuid

    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    status, session = api("POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    if status != 201:
        raise RuntimeError(f"register answered {status}: {session}")
    api.token = session["access_token"]


def _operations(measurer: _Measurer, api: _Wsgi, cached: bool) -> None:
    ids = []
    for i in range(TASKS):
        status, task = api("POST", "/v1/tasks", {"title": f"Zebra task {i}", "due_at": None})
        if status != 201:
            raise RuntimeError(f"create answered {status}: {task}")
        ids.append(task["id"])
    path = f"/v1/tasks/{ids[0]}"
    suffix = " (cached)" if cached else " (no cache)"
    measurer.measure("health", lambda: api("GET", "/v1/health"), 200)
    measurer.measure("get" + suffix, lambda: api("GET", path), 200)
    measurer.measure("list page" + suffix, lambda: api("GET", "/v1/tasks?limit=25"), 200)
    if cached:
        return
    measurer.measure("search (no cache)", lambda: api("GET", "/v1/tasks?q=zebra"), 200)
    counter = iter(range(10**6))
    measurer.measure(
        "create",
        lambda: api("POST", "/v1/tasks", {"title": f"Created {next(counter)}"}),
        201,
    )
    measurer.measure(
        "update",
        lambda: api("PATCH", f"/v1/tasks/{ids[next(counter) % TASKS]}", {"title": "Renamed"}),
        200,
    )


def run(timer: inprocess.EmulatorTimer, redis_port: int, *, requests: int = REQUESTS) -> Result:
    """Measure each operation ``requests`` times, with a warm cache and with none."""
    from app import app
    from wsgi import create_application

    api = _Wsgi(create_application(app))
    clocks = _Clocks()
    measurer = _Measurer(timer, clocks, requests)
    with _timing_redis(clocks):
        for cached in (True, False):
            name = "apptime-cached" if cached else "apptime-nocache"
            with inprocess.deps(name, redis_port if cached else None) as built:
                clocks.attach(built)
                try:
                    api.token = None
                    _session(api)
                    _operations(measurer, api, cached)
                finally:
                    clocks.detach()
    result: Result = {"requests_per_operation": requests, "operations": measurer.results}
    rows = [
        Row(
            name,
            fmt(figures["total_ms"], 2),
            "  ".join(f"{part[:-3]} {figures[part]:.2f}" for part in PARTS)
            + f"   (store {100 * figures['store_share']:.0f}%)",
        )
        for name, figures in measurer.results.items()
    ]
    print_rows(
        f"Time per request in process (WSGI app, moto, Redis), mean ms of {requests}: "
        "total = emulator + client + redis + app",
        rows,
    )
    return result
