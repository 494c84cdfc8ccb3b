"""Optional (``--only granian``): granian against gunicorn's sync workers, through nginx.

Both serve functions/wsgi.py's application with 2 processes, one request at a time per
process (gunicorn: functions/gunicorn.conf.py, sync workers; granian: ``--interface wsgi
--workers 2 --blocking-threads 1``; the adapter serialises requests per process anyway).
Each sits behind its own nginx rendered from local/nginx.conf, on the same native stack:
the same moto server, Redis, tables, JWT secret and cache prefix. Measured in alternating
rounds with the standard load generator at 16 connections:

- ``GET /v1/health``;
- authenticated ``GET /v1/tasks?limit=25`` with a warm cache (one user, 30 tasks);
- for reference, ``GET /v1/health`` on each server directly, without nginx.

nginx keeps idle upstream connections (``keepalive 32``); gunicorn's sync workers close
every connection after one response, so nginx opens a new one per request to gunicorn,
while granian keeps them. That difference is part of what the nginx figures measure.

Then a worker-kill check like tests/e2e/test_load_balancer.py's, for granian: nginx in
front of two granian servers (1 worker each), a burst of GETs (health and the cached
list), and one server's whole process group SIGKILLed a third of the way in; every GET
must still answer 200 (nginx retries on the other server). The gunicorn side of that is
the e2e test itself.

granian is not a dependency of the app: ``pip install -e '.[bench]'`` installs it.

Not measured here, and needed before granian could replace gunicorn: granian respawns a
dead worker only with ``--respawn-failed-workers`` (given here) and after a pause
(``--respawn-interval``, 3.5 s); it has no equivalent of gunicorn's ``timeout`` (a stuck
request's worker is killed after 30 s); functions/gunicorn.conf.py's response-head patch
(a killed worker sends all of a response or nothing) has no counterpart; the container
image (Dockerfile, CMD) would need granian in the ``serve`` extra.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

from bench import client, servers
from bench.common import (
    CONNECTIONS,
    FUNCTIONS,
    GUNICORN_PROCESSES,
    LOCALHOST,
    ROOT,
    RUN_DIR,
    Process,
    Result,
    Row,
    find_tool,
    fmt,
    free_port,
    print_rows,
    ratio,
    serving,
)
from bench.http_tier import alternate, get_status, warm_up
from bench.load import LoadResult, measure

NGINX_TEMPLATE = ROOT / "local" / "nginx.conf"
UPSTREAM_HEALTH = "max_fails=2 fail_timeout=5s"  # as local/stack.py renders it
_PLACEHOLDER = re.compile(r"\$\{(LB_[A-Z_]+)\}")
TASKS = 30
LIST_PATH = "/v1/tasks?limit=25"
KILL_BURST = 600


def available() -> bool:
    """Whether granian is installed in this interpreter's environment."""
    return importlib.util.find_spec("granian") is not None


def version() -> str:
    """granian's version."""
    from importlib.metadata import version as package_version

    return package_version("granian")


def granian_argv(port: int, workers: int) -> list[str]:
    """granian serving functions/wsgi.py like gunicorn does: N processes, one request at a
    time each."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        LOCALHOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        "1",
        "--no-ws",
        "--respawn-failed-workers",  # gunicorn's master replaces a dead worker too
        "--log-level",
        "warning",
        "--working-dir",
        str(FUNCTIONS),
        "wsgi:application",
    ]


@contextmanager
def granian(name: str, env: dict[str, str], workers: int) -> Iterator[tuple[int, Process]]:
    """A granian server with the stack's environment; yields its port and process."""
    port = free_port()
    with serving(name, granian_argv(port, workers), env=env, port=port) as process:
        yield port, process


def render_nginx(template: str, values: dict[str, str]) -> str:
    """local/nginx.conf with its ``${LB_*}`` placeholders filled (as local/stack.py does)."""
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise RuntimeError(f"no value for nginx.conf placeholders: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@contextmanager
def nginx(name: str, upstream_ports: list[int]) -> Iterator[int]:
    """nginx from local/nginx.conf in front of ``upstream_ports``; yields its port."""
    binary = find_tool("nginx", "nginx")
    if binary is None:
        raise RuntimeError("nginx is not installed")
    directory = (RUN_DIR / name).resolve()
    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    servers_line = " ".join(f"server {LOCALHOST}:{p} {UPSTREAM_HEALTH};" for p in upstream_ports)
    conf = directory / "nginx.conf"
    conf.write_text(
        render_nginx(
            NGINX_TEMPLATE.read_text(),
            {
                "LB_LISTEN": f"{LOCALHOST}:{port}",
                "LB_UPSTREAM_SERVERS": servers_line,
                "LB_ACCESS_LOG": str(directory / "access.log"),
                "LB_ERROR_LOG": str(directory / "error.log"),
                "LB_PID_FILE": str(directory / "nginx.pid"),
                "LB_TEMP_DIR": str(directory / "tmp"),
            },
        )
    )
    argv = [binary, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")]
    with serving(name, [*argv, "-g", "daemon off;"], env={}, port=port):
        yield port


def _lb(port: int, seconds: float, path: str, headers: dict[str, str] | None) -> LoadResult:
    return measure(port, path, connections=CONNECTIONS, duration=seconds, headers=headers)


def _figures(load: LoadResult) -> Result:
    return load.to_dict()


def kill_check(env: dict[str, str], token: str, *, total: int = KILL_BURST) -> Result:
    """The worker-kill check for granian (see the module docstring)."""
    auth = {"Authorization": f"Bearer {token}"}
    with ExitStack() as stack:
        first_port, first = stack.enter_context(granian("granian-kill-a", env, 1))
        second_port, _ = stack.enter_context(granian("granian-kill-b", env, 1))
        lb = stack.enter_context(nginx("granian-kill-nginx", [first_port, second_port]))
        for port in (first_port, second_port):
            warm_up(port)
        done: Counter[int | str] = Counter()
        lock = threading.Lock()
        third = threading.Event()

        def one(index: int) -> None:
            path = "/v1/health" if index % 2 else LIST_PATH
            status = get_status(lb, path, {} if index % 2 else auth)
            with lock:
                done[status] += 1
                if sum(done.values()) >= total // 3:
                    third.set()

        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(one, i) for i in range(total)]
            if not third.wait(60):
                raise RuntimeError("the burst made no progress")
            _kill_group(first)
            for future in futures:
                future.result()
    lost = total - done.get(200, 0)
    return {
        "requests": total,
        "statuses": {str(k): v for k, v in sorted(done.items(), key=str)},
        "lost": lost,
        "held": lost == 0,
    }


def _kill_group(process: Process) -> None:
    """SIGKILL the server's whole process group (main process and workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.popen.pid, signal.SIGKILL)


def run(redis_port: int, *, round_seconds: float = 4.0, kill: bool = True) -> Result:
    """Measure gunicorn and granian through nginx on one native stack."""
    import bench.http_tier as http_tier

    http_tier.ROUND_SECONDS = round_seconds
    with (
        servers.app_stack(
            "granian", redis_port=redis_port, workers=1, processes_per_worker=GUNICORN_PROCESSES
        ) as stack,
        granian("granian", stack.env, GUNICORN_PROCESSES) as (granian_port, _),
    ):
        gunicorn_port = stack.config.worker_ports[0]
        for port in (gunicorn_port, granian_port):
            warm_up(port)
        with nginx("granian-nginx", [granian_port]) as granian_lb:
            gunicorn_lb = stack.config.port
            token = str(client.register(gunicorn_lb)["access_token"])
            for i in range(TASKS):
                client.create_task(gunicorn_lb, token, {"title": f"Task {i}", "due_at": None})
            auth = {"Authorization": f"Bearer {token}"}
            for lb in (gunicorn_lb, granian_lb):
                status, page = client.call(lb, "GET", LIST_PATH, token=token)
                if status != 200 or len(page["items"]) != 25:
                    raise RuntimeError(f"list answered {status}: {page}")
            both = alternate(
                {
                    "gunicorn health": lambda s: _lb(gunicorn_lb, s, "/v1/health", None),
                    "granian health": lambda s: _lb(granian_lb, s, "/v1/health", None),
                    "gunicorn list": lambda s: _lb(gunicorn_lb, s, LIST_PATH, auth),
                    "granian list": lambda s: _lb(granian_lb, s, LIST_PATH, auth),
                    "gunicorn health, direct": lambda s: _lb(gunicorn_port, s, "/v1/health", None),
                    "granian health, direct": lambda s: _lb(granian_port, s, "/v1/health", None),
                }
            )
        killed = kill_check(stack.env, token) if kill else None
    result: Result = {
        "granian_version": version(),
        "processes": GUNICORN_PROCESSES,
        "through": "nginx (local/nginx.conf), one upstream server with 2 processes",
        "gunicorn": {
            "health": _figures(both["gunicorn health"]),
            "list": _figures(both["gunicorn list"]),
        },
        "granian": {
            "health": _figures(both["granian health"]),
            "list": _figures(both["granian list"]),
        },
        "direct": {
            "gunicorn_health": _figures(both["gunicorn health, direct"]),
            "granian_health": _figures(both["granian health, direct"]),
            "health_ratio_vs_gunicorn": round(
                ratio(both["granian health, direct"].rps, both["gunicorn health, direct"].rps), 3
            ),
        },
        "health_ratio_vs_gunicorn": round(
            ratio(both["granian health"].rps, both["gunicorn health"].rps), 3
        ),
        "list_ratio_vs_gunicorn": round(
            ratio(both["granian list"].rps, both["gunicorn list"].rps), 3
        ),
    }
    if killed is not None:
        result["kill_check"] = killed
    _print(result, both)
    return result


def _print(result: Result, both: dict[str, LoadResult]) -> None:
    rows = [
        Row(
            f"{name} req/s",
            fmt(load.rps),
            f"p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, errors {load.errors} "
            f"({load.tool})",
        )
        for name, load in both.items()
    ]
    rows.append(Row("granian / gunicorn, health", fmt(result["health_ratio_vs_gunicorn"], 2)))
    rows.append(Row("granian / gunicorn, cached list", fmt(result["list_ratio_vs_gunicorn"], 2)))
    rows.append(
        Row(
            "granian / gunicorn, health direct",
            fmt(result["direct"]["health_ratio_vs_gunicorn"], 2),
            "no nginx: the servers alone",
        )
    )
    killed = result.get("kill_check")
    if killed is not None:
        rows.append(
            Row(
                "GETs lost, granian worker killed",
                str(killed["lost"]),
                f"of {killed['requests']}: {killed['statuses']} (must be 0)",
            )
        )
    print_rows(
        f"HTTP server: granian {result['granian_version']} vs gunicorn sync, "
        f"{result['processes']} processes each, through nginx, {CONNECTIONS} connections",
        rows,
    )
