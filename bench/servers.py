"""The servers under test: the native stack (local/stack/), a bare WSGI hello world under
the same gunicorn settings, ``chalice local``, and a Redis for all of them."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.stack import Stack, StackConfig, redis_ping

from bench.common import (
    BENCH,
    FUNCTIONS,
    GUNICORN_CONFIG,
    GUNICORN_PROCESSES,
    LOCALHOST,
    ROOT,
    RUN_DIR,
    Process,
    base_env,
    find_tool,
    free_port,
    serving,
    wait_until,
)

DEFAULT_REDIS_PORT = 6379


@contextmanager
def redis() -> Iterator[int]:
    """The port of a Redis for the whole run: the one answering on 6379, else our own
    redis-server on a free port (installed with apt-get when missing). Every stack uses
    its own key prefix, so a shared Redis is not disturbed."""
    if redis_ping(DEFAULT_REDIS_PORT):
        yield DEFAULT_REDIS_PORT
        return
    server = find_tool("redis-server", "redis-server")
    if server is None:
        raise RuntimeError("no Redis on 6379 and redis-server cannot be installed")
    port = free_port()
    options = ["--port", str(port), "--bind", LOCALHOST, "--save", "", "--appendonly", "no"]
    process = Process("redis", [server, *options], env=base_env())
    try:
        wait_until(lambda: redis_ping(port), 15, "redis-server")
        yield port
    finally:
        process.stop()


@contextmanager
def app_stack(
    name: str, *, redis_port: int, workers: int, processes_per_worker: int = 1
) -> Iterator[Stack]:
    """The native stack (moto server, gunicorn app workers, nginx) on free ports, with a
    Redis key prefix of its own."""
    ports = tuple(free_port() for _ in range(workers))
    config = StackConfig(
        port=free_port(),
        workers=workers,
        app_ports=ports,
        processes_per_worker=processes_per_worker,
        dynamodb_port=free_port(),
        smtp_port=free_port(),
        redis_port=redis_port,
        start_redis=False,
        run_dir=RUN_DIR / name,
        scheduler_interval=3600.0,  # the job's own cost is measured in process
        table_prefix=f"bench-{name}-",
        extra_env={
            "REDIS_KEY_PREFIX": f"bench:{name}:{uuid.uuid4().hex[:8]}:",
            # The mix's few users write far faster than people do.
            "TASK_WRITE_MAX_PER_USER": "1000000",
        },
    )
    with Stack(config) as stack:
        yield stack


def gunicorn_argv(port: int, app: str, pythonpath: Path) -> list[str]:
    """gunicorn with the container's settings file and worker count, as the stack runs it."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(GUNICORN_CONFIG),
        "--bind",
        f"{LOCALHOST}:{port}",
        "--workers",
        str(GUNICORN_PROCESSES),
        "--pythonpath",
        str(pythonpath),
        app,
    ]


@contextmanager
def bare_wsgi() -> Iterator[int]:
    """bench/hello.py under gunicorn with the app's settings; yields its port."""
    port = free_port()
    argv = gunicorn_argv(port, "hello:application", BENCH)
    with serving("bare-wsgi", argv, env=base_env(), port=port):
        yield port


@contextmanager
def chalice_local(stack_env: dict[str, str]) -> Iterator[int]:
    """``chalice local`` serving the same app from functions/, with the stack's settings
    (its moto server, Redis and tables); yields its port. The stage is one that
    .chalice/config.json does not define, so none of the AWS stages' variables apply."""
    port = free_port()
    chalice = Path(sys.executable).with_name("chalice")
    argv = [str(chalice), "local", "--host", LOCALHOST, "--port", str(port), "--no-autoreload"]
    argv += ["--stage", "bench"]
    env = {**stack_env, "PYTHONPATH": os.pathsep.join([str(FUNCTIONS), str(ROOT)])}
    with serving("chalice-local", argv, env=env, port=port, cwd=FUNCTIONS):
        yield port
