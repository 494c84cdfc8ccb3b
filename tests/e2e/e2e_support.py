"""Helpers for the end-to-end tests: the launcher package, free ports, an HTTP client."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import local.stack as local_stack
import requests

from support import ApiClient, Reply

ROOT = Path(__file__).resolve().parents[2]
# The emulator keeps its data in a file once it has --state-file (local/dynamodb_emulator.py
# gains it on another branch); until then, what needs persistence is skipped.
EMULATOR_PERSISTS = "--state-file" in (ROOT / "local" / "dynamodb_emulator.py").read_text()
NO_PERSISTENCE = "local/dynamodb_emulator.py has no --state-file yet: nothing can persist"

CORS_ORIGINS = "https://app.example,http://localhost:5173"

__all__ = ["local_stack"]


def free_ports(count: int) -> list[int]:
    """Distinct ports nothing listens on right now."""
    with ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
    return ports


def make_stack(
    run_dir: Path, *, workers: int = 3, own_redis: bool = False, persist: bool = False
) -> Any:
    """A stack on free ports, with fast password hashing; in memory unless ``persist``.

    Its Redis key prefix derives from ``run_dir`` (a fresh temporary directory), so its
    rate-limit counters are its own.
    """
    nginx_port, dynamodb_port, redis_port, smtp_port, *app_ports = free_ports(4 + workers)
    config = local_stack.StackConfig(
        port=nginx_port,
        workers=workers,
        app_ports=tuple(app_ports),
        dynamodb_port=dynamodb_port,
        redis_port=redis_port if own_redis else 6379,
        smtp_port=smtp_port,
        start_redis=True if own_redis else None,
        run_dir=run_dir,
        persist=persist,
        scheduler_interval=60.0,
        # Browser origins the CORS tests use; no other test sends an Origin.
        extra_env={"BCRYPT_COST": "4", "CORS_ALLOWED_ORIGINS": CORS_ORIGINS},
    )
    return local_stack.Stack(config)


class HttpApi(ApiClient):
    """The same client interface as the in-process one, over real HTTP through nginx."""

    def __init__(self, base_url: str) -> None:
        super().__init__(http=None)
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # never route 127.0.0.1 through a proxy

    def send(
        self, method: str, path: str, headers: dict[str, str], payload: bytes | str | None
    ) -> Reply:
        response = self.session.request(
            method, self.base_url + path, headers=headers, data=payload, timeout=30
        )
        return Reply(response.status_code, dict(response.headers), response.content)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run_scheduler_once(env: dict[str, str], only: str | None = None) -> dict[str, Any]:
    """One run of ``local/scheduler.py --once`` (``only``: that handler) with the stack's
    environment, exactly what its own scheduler process gets: the run's report line."""
    command = [sys.executable, str(ROOT / "local" / "scheduler.py"), "--once"]
    done = subprocess.run(
        [*command, *(["--only", only] if only else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runs = [
        json.loads(line)
        for line in done.stdout.splitlines()
        if line.startswith("{") and '"taskapp.scheduler"' in line
    ]
    assert len(runs) == 1, done.stdout
    return dict(runs[0])
