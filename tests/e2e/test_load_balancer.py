"""nginx in front of the workers: limits, request ids, headers, and surviving failures."""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import HttpApi, make_stack, wait_until

pytestmark = pytest.mark.e2e

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _assert_problem(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    problem: dict[str, Any] = reply.json
    assert problem["status"] == status
    assert problem["type"] == f"/v1/problems/{problem['code']}"
    assert problem["title"]
    assert problem["request_id"] == reply.header("X-Request-Id")
    return problem


def test_nginx_accepts_the_rendered_config(stack: Any) -> None:
    checked = stack.check_nginx_config()
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
    assert not re.search(r"\$\{LB_[A-Z_]+\}", stack.nginx_conf.read_text())


def test_health_has_security_headers_and_one_of_each(api: HttpApi) -> None:
    reply = api.request("GET", "/v1/health")
    assert reply.status == 200
    assert reply.json == {"status": "ok"}
    for name, value in SECURITY_HEADERS.items():
        assert reply.header(name) == value
    assert reply.header("Server") == "nginx"  # server_tokens off: no version
    raw = api.session.get(api.base_url + "/v1/health", timeout=10).raw.headers
    for name in [*SECURITY_HEADERS, "X-Request-Id"]:
        assert len(raw.getlist(name)) == 1, f"{name} sent more than once"


def test_request_id_is_generated(api: HttpApi) -> None:
    first = api.request("GET", "/v1/health").header("X-Request-Id")
    second = api.request("GET", "/v1/health").header("X-Request-Id")
    assert first and second and first != second
    assert re.fullmatch(r"[0-9a-f]{32}", first)


def test_request_id_is_echoed_and_reaches_the_app(api: HttpApi) -> None:
    rid = f"e2e-{uuid.uuid4().hex}"
    assert (
        api.request("GET", "/v1/health", headers={"X-Request-Id": rid}).header("X-Request-Id")
        == rid
    )
    # The app's own problem document carries the id nginx forwarded.
    reply = api.request("GET", "/v1/no-such-route", headers={"X-Request-Id": rid})
    assert _assert_problem(reply, 404)["request_id"] == rid


def test_an_unsafe_request_id_is_replaced(api: HttpApi) -> None:
    reply = api.request("GET", "/v1/health", headers={"X-Request-Id": "x" * 300})
    assert reply.header("X-Request-Id") != "x" * 300


def test_wrong_method_is_problem_405(api: HttpApi) -> None:
    reply = api.request("PUT", "/v1/health")
    _assert_problem(reply, 405)
    assert "GET" in (reply.header("Allow") or "")


def test_body_over_64_kib_is_problem_413(api: HttpApi) -> None:
    reply = api.request("POST", "/v1/tasks", raw=b"x" * (65 * 1024))
    problem = _assert_problem(reply, 413)
    assert "64 KiB" in problem["detail"]
    for name, value in SECURITY_HEADERS.items():
        assert reply.header(name) == value


def test_body_of_exactly_64_kib_reaches_the_app(api: HttpApi) -> None:
    reply = api.request("POST", "/v1/tasks", raw=b" " * (64 * 1024))
    assert reply.status == 401  # the app answered: no token


def _burst(
    call: Callable[[], int | str], total: int, *, during: Callable[[], None] | None = None
) -> Counter[int | str]:
    """``total`` concurrent calls; ``during`` runs once a third of them have completed."""
    done = Counter[int | str]()
    lock = threading.Lock()
    third = threading.Event()

    def one(_: int) -> None:
        status = call()
        with lock:
            done[status] += 1
            if sum(done.values()) >= total // 3:
                third.set()

    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, i) for i in range(total)]
        if during is not None:
            assert third.wait(60), "the burst made no progress"
            during()
        for future in futures:
            future.result(timeout=120)
    return done


def _status_of(session: requests.Session, url: str, **kwargs: Any) -> Callable[[], int | str]:
    def call() -> int | str:
        try:
            return session.get(url, timeout=30, **kwargs).status_code
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"  # shows up in the failed assertion

    return call


def _kill_worker(stack: Any, index: int) -> int:
    port = stack.config.worker_ports[index]
    stack.children[f"app-{port}"].signal(signal.SIGKILL)
    return int(port)


def _worker_healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_worker_killed_during_a_burst_loses_no_request(stack: Any, api: HttpApi) -> None:
    session = requests.Session()
    session.trust_env = False
    killed: list[int] = []
    statuses = _burst(
        _status_of(session, f"{stack.url}/v1/health"),
        600,
        during=lambda: killed.append(_kill_worker(stack, 0)),
    )
    assert statuses == Counter({200: 600})
    # The launcher restarts the worker; the next test wants all three back.
    assert wait_until(lambda: _worker_healthy(killed[0]), timeout=60)


def test_a_worker_killed_during_authenticated_reads_loses_no_request(
    stack: Any, api: HttpApi
) -> None:
    token = api.token()
    task = api.create(token, title="survive a crash")
    session = requests.Session()
    session.trust_env = False
    headers = {"Authorization": f"Bearer {token}"}
    urls = [f"{stack.url}/v1/tasks?limit=25", f"{stack.url}/v1/tasks/{task['id']}"]
    calls = [_status_of(session, url, headers=headers) for url in urls]
    counter = iter(range(10**6))
    killed: list[int] = []
    statuses = _burst(
        lambda: calls[next(counter) % 2](),
        300,
        during=lambda: killed.append(_kill_worker(stack, 1)),
    )
    assert statuses == Counter({200: 300})
    assert wait_until(lambda: _worker_healthy(killed[0]), timeout=60)


def test_auth_endpoints_are_rate_limited_with_problem_429(stack: Any, api: HttpApi) -> None:
    session = requests.Session()
    session.trust_env = False
    seen: list[requests.Response] = []
    lock = threading.Lock()

    def login(_: int) -> None:
        response = session.post(
            f"{stack.url}/v1/auth/login",
            json={"email": "nobody@example.com", "password": "not the password"},
            timeout=30,
        )
        with lock:
            seen.append(response)

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(login, range(80)))
        limited = [r for r in seen if r.status_code == 429]
        assert limited, Counter(r.status_code for r in seen)
        assert {r.status_code for r in seen} <= {401, 429}
        response = limited[0]
        assert response.headers["Content-Type"] == "application/problem+json"
        # nginx's limit_req answers with 1 s; the app's own brute-force limit (which may
        # trip first) says how long its window has left.
        assert int(response.headers["Retry-After"]) >= 1
        problem = response.json()
        assert problem["status"] == 429
        assert problem["request_id"] == response.headers["X-Request-Id"]
        # Only the credential endpoints are limited.
        assert api.request("GET", "/v1/health").status == 200
    finally:
        time.sleep(3)  # let the bucket drain (10 r/s, burst 20) for later tests


def test_redis_stopped_mid_run_every_request_still_answers(tmp_path: Path) -> None:
    with make_stack(tmp_path, workers=2, own_redis=True) as own:
        api = HttpApi(own.url)
        token = api.token()
        api.create(token, title="before redis stops")
        assert api.request("GET", "/v1/ready").json["redis"] == "ok"

        own.children["redis"].signal(signal.SIGKILL)
        own.children["redis"].popen.wait(10)

        statuses: Counter[int] = Counter()
        redis_states: Counter[str] = Counter()
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            statuses[api.request("GET", "/v1/health").status] += 1
            ready = api.request("GET", "/v1/ready")
            statuses[ready.status] += 1
            redis_states[ready.json["redis"]] += 1
        assert set(statuses) == {200}, statuses
        assert redis_states["degraded"] > 0, redis_states
        # Writes and reads keep working without the cache.
        created = api.create(token, title="after redis stopped")
        listed = api.request("GET", "/v1/tasks", token=token)
        assert listed.status == 200
        assert created["id"] in {t["id"] for t in listed.json["items"]}
