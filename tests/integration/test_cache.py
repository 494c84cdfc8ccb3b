"""The Redis cache: hits, misses, invalidation, sharing between workers, Redis failures."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.test import Client

from chalicelib import deps as app_deps
from support import ApiClient
from taskcore.bootstrap import bootstrap, build
from taskcore.cache import Cache

REDIS_URL = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_hits_and_misses_per_request(api, runtime, calls) -> None:
    token = api.token()
    task = api.create(token)
    path = f"/v1/tasks/{task['id']}"
    api.request("GET", "/v1/me", token=token)
    cache = runtime.redis
    for expected_hit in (False, True, True):
        hits, misses = cache.hits, cache.misses
        calls.reset()
        assert api.request("GET", path, token=token).status == 200
        # The session check is a hit (GET /v1/me just cached it); the task entry is a
        # miss the first time (one GetItem), then a hit (no DynamoDB request at all).
        assert cache.hits - hits == (2 if expected_hit else 1)
        assert cache.misses - misses == (0 if expected_hit else 1)
        assert calls.total == (0 if expected_hit else 1)
    for page in ("/v1/tasks", "/v1/tasks?completed=false&limit=5"):
        calls.reset()
        api.request("GET", page, token=token)
        assert calls.calls["Query"] == 1
        calls.reset()
        api.request("GET", page, token=token)
        assert calls.total == 0


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"title": "renamed"}),
        ("POST", "/complete", None),
        ("POST", "/reopen", None),
        ("DELETE", "", None),
    ],
)
def test_every_write_invalidates(api, method: str, suffix: str, body) -> None:
    token = api.token()
    task = api.create(token, title="original", completed=suffix == "/reopen")
    path = f"/v1/tasks/{task['id']}"
    before_get = api.request("GET", path, token=token).json
    before_list = api.request("GET", "/v1/tasks", token=token).json
    assert api.request("GET", path, token=token).json == before_get  # now cached
    api.request(method, path + suffix, body, token=token)
    after = api.request("GET", path, token=token)
    listed = api.request("GET", "/v1/tasks", token=token).json
    if method == "DELETE":
        assert after.status == 404 and listed["items"] == []
    else:
        assert after.json["version"] == before_get["version"] + 1
        assert listed["items"] == [after.json] != before_list["items"]


def test_create_invalidates_list_pages(api) -> None:
    token = api.token()
    assert api.request("GET", "/v1/tasks", token=token).json["items"] == []
    task = api.create(token)
    assert [t["id"] for t in api.request("GET", "/v1/tasks", token=token).json["items"]] == [
        task["id"]
    ]


def test_two_app_instances_share_one_redis(aws, clock, cache) -> None:
    """A write through one worker is seen by the next read through another."""
    from app import app

    workers = [
        build(aws, clock=clock, cache=Cache(REDIS_URL, prefix=cache.prefix)) for _ in range(2)
    ]
    with Client(app) as client:
        api = ApiClient(client.http)
        app_deps.use(workers[0].deps)
        token = api.token()
        task = api.create(token, title="v1")
        path = f"/v1/tasks/{task['id']}"
        for worker in workers:  # both cache version 1
            app_deps.use(worker.deps)
            assert api.request("GET", path, token=token).json["title"] == "v1"
            api.request("GET", "/v1/tasks", token=token)
        app_deps.use(workers[0].deps)
        api.request("PATCH", path, {"title": "v2"}, token=token)
        app_deps.use(workers[1].deps)
        assert api.request("GET", path, token=token).json["title"] == "v2"
        assert api.request("GET", "/v1/tasks", token=token).json["items"][0]["title"] == "v2"
        assert workers[1].redis.hits > 0
        app_deps.use(None)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A redis-server of this test's own, to be killed mid-test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is required (make test installs it)")
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield process, port
    process.kill()
    process.wait(timeout=10)


def test_redis_stopped_mid_run_costs_speed_not_answers(aws, clock, own_redis) -> None:
    from app import app

    process, port = own_redis
    deps = bootstrap(aws, clock=clock, cache=Cache(f"redis://127.0.0.1:{port}/0", prefix="t:"))
    with Client(app) as client:
        api = ApiClient(client.http)
        app_deps.use(deps)
        token = api.token()
        task = api.create(token, title="before")
        path = f"/v1/tasks/{task['id']}"
        assert api.request("GET", path, token=token).status == 200
        assert api.request("GET", "/v1/ready", token=token).json["redis"] == "ok"
        process.kill()
        process.wait(timeout=10)
        started = time.monotonic()
        for n in range(20):
            assert api.request("GET", path, token=token).status == 200
            assert api.request("PATCH", path, {"title": f"t{n}"}, token=token).status == 200
            assert api.request("GET", path, token=token).json["title"] == f"t{n}"
            assert api.request("GET", "/v1/tasks", token=token).json["items"][0]["title"] == f"t{n}"
        assert time.monotonic() - started < 30
        ready = api.request("GET", "/v1/ready")
        assert ready.status == 200 and ready.json["redis"] == "degraded"
        # Logout still holds without Redis: the durable record decides.
        assert api.request("POST", "/v1/auth/logout", token=token).status == 204
        assert api.request("GET", path, token=token).status == 401
        app_deps.use(None)


def test_an_unresponsive_redis_times_out_fast(aws, clock) -> None:
    """A peer that accepts connections but never answers: each call waits one timeout at
    most, and the back-off skips Redis entirely afterwards."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    try:
        cache = Cache(f"redis://127.0.0.1:{port}/0", timeout_seconds=0.05)
        started = time.monotonic()
        assert cache.get("x") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(100):
            assert cache.get("x") is None
        rest = time.monotonic() - started
        assert first < 1.0 and rest < 0.5
        assert not cache.available()
    finally:
        listener.close()


def test_a_write_during_a_redis_stall_is_never_hidden_afterwards(aws, clock, own_redis) -> None:
    """Issue #13.2. Redis stalls (SIGSTOP) while worker A changes a task and creates one:
    both succeed, but A cannot bump the generation. Once Redis answers again (SIGCONT),
    neither A nor worker B (which cached the old reads and never saw Redis fail) may
    serve the entries cached before the writes."""
    from app import app

    process, port = own_redis
    url = f"redis://127.0.0.1:{port}/0"
    a, b = (bootstrap(aws, clock=clock, cache=Cache(url, prefix="s:")) for _ in range(2))
    with Client(app) as client:
        api = ApiClient(client.http)
        app_deps.use(a)
        token = api.token()
        task = api.create(token, title="old title")
        path = f"/v1/tasks/{task['id']}"
        for worker in (a, b, a, b):  # both workers cache the task and the list
            app_deps.use(worker)
            assert api.request("GET", path, token=token).json["title"] == "old title"
            assert len(api.request("GET", "/v1/tasks", token=token).json["items"]) == 1
        process.send_signal(signal.SIGSTOP)
        try:
            app_deps.use(a)
            patched = api.request("PATCH", path, {"title": "new title"}, token=token)
            assert patched.status == 200
            created = api.request("POST", "/v1/tasks", {"title": "second"}, token=token)
            assert created.status == 201
        finally:
            process.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        # B may serve the old entries only until A's retried bump lands (every 0.1 s).
        app_deps.use(b)
        while api.request("GET", path, token=token).json["title"] != "new title":
            assert time.monotonic() - resumed < 0.5, "the old entry outlived the window"
            time.sleep(0.01)
        time.sleep(2.1)  # past every client's back-off: Redis is used everywhere again
        for worker in (b, a, b):
            app_deps.use(worker)
            assert api.request("GET", path, token=token).json["title"] == "new title"
            listed = api.request("GET", "/v1/tasks", token=token).json["items"]
            assert sorted(t["title"] for t in listed) == ["new title", "second"]
        hits = b.cache.cache.hits  # type: ignore[attr-defined]
        app_deps.use(b)
        api.request("GET", path, token=token)
        assert b.cache.cache.hits > hits  # type: ignore[attr-defined]  # caching again
        app_deps.use(None)


def test_the_writer_serves_nothing_cached_for_a_user_until_its_bump_lands(monkeypatch) -> None:
    """While a bump is pending, the writing process neither serves nor stores that
    user's entries (other users' entries still hit); the next cache use sends it."""
    from taskcore.cache import UserCache

    cache = Cache(REDIS_URL, prefix=f"p:{uuid.uuid4().hex[:8]}:", timeout_seconds=0.2)
    users = UserCache(cache, retry_interval_seconds=3600)  # no retry in the background
    for user in ("u1", "u2"):
        generation, _ = users.lookup(user, "task:1")
        assert generation is not None
        users.store(user, generation, "task:1", {"title": "old"})
    with monkeypatch.context() as patch:  # the bump cannot reach Redis
        patch.setattr(cache, "incr_many", lambda *args, **kwargs: False)
        users.bump("u1")
        assert users.pending()
        assert users.lookup("u1", "task:1") == (None, None)
        assert users.lookup("u2", "task:1")[1] == {"title": "old"}
    generation, value = users.lookup("u1", "task:1")  # flushed first, then a miss
    assert value is None and generation is not None and not users.pending()


def test_too_many_pending_users_bump_everyone(monkeypatch) -> None:
    from taskcore.cache import UserCache

    cache = Cache(REDIS_URL, prefix=f"p:{uuid.uuid4().hex[:8]}:", timeout_seconds=0.2)
    users = UserCache(cache, retry_interval_seconds=3600, max_pending_users=2)
    for user in ("u1", "u2", "u3", "u4"):
        generation, _ = users.lookup(user, "x")
        assert generation is not None
        users.store(user, generation, "x", 1)
        assert users.lookup(user, "x")[1] == 1
    with monkeypatch.context() as patch:
        patch.setattr(cache, "incr_many", lambda *args, **kwargs: False)
        for user in ("u1", "u2", "u3"):  # the third overflows into an epoch bump
            users.bump(user)
        assert users.lookup("u4", "x") == (None, None)  # every user is off
    for user in ("u1", "u2", "u3", "u4"):
        assert users.lookup(user, "x")[1] is None
    assert not users.pending()
