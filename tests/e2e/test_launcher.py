"""The `make up` launcher as a user runs it: start, serve, refuse busy ports, stop cleanly,
keep its data and sessions across a restart."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from e2e_support import (
    EMULATOR_PERSISTS,
    NO_PERSISTENCE,
    ROOT,
    HttpApi,
    free_ports,
    local_stack,
    make_stack,
    wait_until,
)

pytestmark = pytest.mark.e2e


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_busy_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    nginx_port, dynamodb_port, app_port = free_ports(3)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", nginx_port))
        squatter.listen()
        config = local_stack.StackConfig(
            port=nginx_port, app_ports=(app_port,), dynamodb_port=dynamodb_port, run_dir=tmp_path
        )
        stack = local_stack.Stack(config)
        with pytest.raises(local_stack.StackError, match=rf"127\.0\.0\.1:{nginx_port} for nginx"):
            stack.start()
        assert stack.children == {}


def _consecutive_free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports (``--app-base-port`` needs them)."""
    for _ in range(50):
        base = int(free_ports(1)[0])
        try:
            with ExitStack() as held:
                for port in range(base, base + count):
                    held.enter_context(socket.socket()).bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise AssertionError(f"no {count} consecutive free ports found")


def test_the_command_line_serves_until_sigterm_then_stops_everything(tmp_path: Path) -> None:
    nginx_port, dynamodb_port, smtp_port = free_ports(3)
    app_base = _consecutive_free_ports(2)
    command = [
        sys.executable,
        "-m",
        "local.stack",
        f"--port={nginx_port}",
        f"--dynamodb-port={dynamodb_port}",
        f"--smtp-port={smtp_port}",
        "--workers=2",
        f"--app-base-port={app_base}",
        f"--run-dir={tmp_path}",
        *([] if EMULATOR_PERSISTS else ["--in-memory"]),
    ]
    launcher = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(launcher.stdout or ()), daemon=True)
    reader.start()
    try:
        # The launcher says it is ready only once nginx answers /v1/health.
        assert wait_until(lambda: any("ready:" in line for line in lines), timeout=90), lines
        session = requests.Session()
        session.trust_env = False
        health = session.get(f"http://127.0.0.1:{nginx_port}/v1/health", timeout=5)
        assert health.status_code == 200
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(60)
        reader.join(10)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait(10)
    text = "".join(lines)
    assert launcher.returncode == 0, text
    assert f"ready: http://127.0.0.1:{nginx_port}" in text
    assert str(tmp_path / "logs") in text
    assert f"mail: every message the app sends is in {tmp_path / 'mail'}" in text
    # Every process of the stack is gone, so every port is free again.
    deadline = time.monotonic() + 10
    ports = [nginx_port, dynamodb_port, smtp_port, app_base, app_base + 1]
    while any(_listening(p) for p in ports) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in ports if _listening(p)]


@pytest.mark.skipif(not EMULATOR_PERSISTS, reason=NO_PERSISTENCE)
def test_data_and_sessions_survive_a_restart_on_the_same_run_dir(tmp_path: Path) -> None:
    email = f"keep-{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse"
    with make_stack(tmp_path, workers=1, persist=True) as first:
        api = HttpApi(first.url)
        session = api.register(email=email)
        token = session["access_token"]
        task = api.create(token, title="still here after a restart")
    key_file = tmp_path / "jwt-secret"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "dynamodb.json").exists()

    with make_stack(tmp_path, workers=1, persist=True) as second:
        api = HttpApi(second.url)
        # The access token from before the restart still works: same key, same session.
        kept = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
        assert kept.status == 200, kept.json
        assert kept.json["title"] == "still here after a restart"
        login = api.request("POST", "/v1/auth/login", {"email": email, "password": password})
        assert login.status == 200, login.json
        listed = api.request("GET", "/v1/tasks", token=login.json["access_token"])
        assert [item["id"] for item in listed.json["items"]] == [task["id"]]


def test_two_stacks_never_share_a_run_dir(tmp_path: Path) -> None:
    with make_stack(tmp_path, workers=1) as running:
        assert running.url
        second = make_stack(tmp_path, workers=1)
        with pytest.raises(local_stack.StackError, match="already runs on"):
            second.start()
        assert second.children == {}
