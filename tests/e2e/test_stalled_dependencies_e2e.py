"""Dependencies failing under the running stack, through nginx and real processes.

* DynamoDB stalled (SIGSTOP of the emulator: the kernel still accepts connections,
  nothing answers): every route is a 503 problem+json with Retry-After within 10 s
  (the budget of layers/taskcore/storage/models.py), and all is well after SIGCONT.
* Redis stalled: readiness and the API answer at once (Redis timeouts are tens of ms).
* DynamoDB killed: the launcher restarts it on its port and creates its tables again;
  meanwhile requests are 503 problem+json (never 502), and the stack serves again.

One stack of its own (its own redis-server, so stopping Redis touches no other test);
the kill comes last, since it empties the in-memory store.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import EMULATOR_PERSISTS, NO_PERSISTENCE, HttpApi, make_stack, wait_until

pytestmark = pytest.mark.e2e

# DESIGN §3: a dependency that is down or too slow is a 503 within 10 s.
CONTRACT_SECONDS = 10.0


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    stack = make_stack(tmp_path_factory.mktemp("stalls"), workers=2, own_redis=True)
    # Registration is the probe of "serves again": more than the default 10 an hour.
    stack.config.extra_env["REGISTER_MAX_PER_CLIENT"] = "1000"
    with stack as running:
        yield running


def _timed(api: HttpApi, method: str, path: str, body: Any = None, **kw: Any) -> tuple[Any, float]:
    started = time.monotonic()
    reply = api.request(method, path, body, **kw)
    return reply, time.monotonic() - started


def _assert_503(reply: Any, elapsed: float, what: str) -> None:
    assert reply.status == 503, (what, reply.status, reply.body[:300])
    assert reply.header("Content-Type") == "application/problem+json", what
    assert int(reply.header("Retry-After") or "0") >= 1, what
    doc = reply.json
    assert doc["status"] == 503 and doc["request_id"] == reply.header("X-Request-Id"), what
    assert elapsed < CONTRACT_SECONDS, (what, elapsed)


def _stopped(pid: int) -> Any:
    class Stopped:
        def __enter__(self) -> None:
            os.kill(pid, signal.SIGSTOP)

        def __exit__(self, *_: object) -> None:
            os.kill(pid, signal.SIGCONT)

    return Stopped()


def test_a_stalled_store_is_503_within_10_s_on_every_route_then_recovers(own: Any) -> None:
    api = HttpApi(own.url)
    token = api.token()
    task = api.create(token, title="never read, so not cached")
    with _stopped(own.children["dynamodb"].pid):
        for method, path, body in (
            ("GET", "/v1/ready", None),
            ("POST", "/v1/tasks", {"title": "while stalled"}),
            ("GET", f"/v1/tasks/{task['id']}", None),
        ):
            reply, elapsed = _timed(api, method, path, body, token=token)
            _assert_503(reply, elapsed, f"{method} {path}")
            print(f"{method} {path}: 503 in {elapsed:.2f}s")  # the measured time-to-503
    # Back at once after SIGCONT.
    assert wait_until(lambda: api.request("GET", "/v1/ready").status == 200, timeout=10)
    got = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
    assert got.status == 200 and got.json["title"] == "never read, so not cached"
    assert api.request("POST", "/v1/tasks", {"title": "after"}, token=token).status == 201


def test_a_stalled_redis_is_skipped_quickly(own: Any) -> None:
    api = HttpApi(own.url)
    token = api.token()
    task = api.create(token, title="cache stalled")
    with _stopped(own.children["redis"].pid):
        reply, elapsed = _timed(api, "GET", "/v1/ready")
        assert reply.status == 200 and reply.json["redis"] == "degraded", reply.body
        assert elapsed < 1.0, elapsed
        got, elapsed = _timed(api, "GET", f"/v1/tasks/{task['id']}", token=token)
        assert got.status == 200 and elapsed < 2.0, (got.status, elapsed)
    assert wait_until(lambda: api.request("GET", "/v1/ready").json["redis"] == "ok", timeout=10)


def test_a_killed_store_is_restarted_and_503_meanwhile(own: Any) -> None:
    api = HttpApi(own.url)
    store = own.children["dynamodb"]
    old_pid = store.pid
    store.signal(signal.SIGKILL)
    store.popen.wait(10)

    statuses: Counter[int] = Counter()
    started = time.monotonic()
    while time.monotonic() - started < 60:
        reply, elapsed = _timed(api, "GET", "/v1/ready")
        statuses[reply.status] += 1
        if reply.status == 200:
            break
        _assert_503(reply, elapsed, "GET /v1/ready while the store is away")
        time.sleep(0.2)
    back_after = time.monotonic() - started
    assert statuses[200] == 1, statuses  # ready again ...
    assert back_after < 30, back_after  # ... within a bounded time
    assert set(statuses) <= {200, 503}, statuses  # never a 502 or a 500
    assert store.pid != old_pid and store.alive()
    assert not own.broken.is_set(), own.failure
    # The tables exist again (created one after the other, each a 503 until it is
    # there): the whole flow works on the restarted (empty) store.
    registered: Counter[int] = Counter()

    def registers() -> bool:
        reply = api.request(
            "POST",
            "/v1/auth/register",
            {"email": f"back-{time.time_ns()}@example.com", "password": "correct horse"},
        )
        registered[reply.status] += 1
        return reply.status == 201

    assert wait_until(registers, timeout=20, interval=0.2), registered
    assert set(registered) <= {201, 503}, registered
    token = api.token()
    # A task write needs tables made after the account's (the list index): 503 until then.
    created: list[dict[str, Any]] = []
    writes: Counter[int] = Counter()

    def creates() -> bool:
        reply = api.request(
            "POST", "/v1/tasks", {"title": "after the store came back"}, token=token
        )
        writes[reply.status] += 1
        if reply.status == 201:
            created.append(reply.json)
        return reply.status == 201

    assert wait_until(creates, timeout=20, interval=0.2), writes
    assert set(writes) <= {201, 503}, writes
    assert api.request("GET", f"/v1/tasks/{created[0]['id']}", token=token).status == 200


def test_writes_while_the_store_is_down_are_503_not_502(own: Any) -> None:
    api = HttpApi(own.url)
    token = api.token()
    store = own.children["dynamodb"]
    store.signal(signal.SIGKILL)
    store.popen.wait(10)
    # Until the launcher notices (every 0.5 s) and the emulator is up, nothing listens.
    seen: Counter[int] = Counter()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reply, elapsed = _timed(api, "POST", "/v1/tasks", {"title": "t"}, token=token)
        seen[reply.status] += 1
        if reply.status != 503:
            break
        _assert_503(reply, elapsed, "POST /v1/tasks while the store is away")
    # Then an answer from the restarted, empty store: it no longer knows this session.
    assert seen[503] >= 1 and reply.status in (201, 401, 404), seen
    assert not own.broken.is_set(), own.failure


@pytest.mark.skipif(not EMULATOR_PERSISTS, reason=NO_PERSISTENCE)
def test_a_killed_persistent_store_comes_back_with_its_data(tmp_path: Path) -> None:
    with make_stack(tmp_path, workers=1, persist=True) as running:
        api = HttpApi(running.url)
        token = api.token()
        task = api.create(token, title="kept across a store crash")
        time.sleep(running.config.snapshot_interval + 1)  # in the snapshot by now
        store = running.children["dynamodb"]
        store.signal(signal.SIGKILL)
        store.popen.wait(10)

        def served() -> bool:
            reply = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
            assert reply.status in (200, 503), reply.body
            return reply.status == 200

        assert wait_until(served, timeout=30, interval=0.2)
        assert not running.broken.is_set(), running.failure
