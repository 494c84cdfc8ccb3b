"""The `make up` launcher as a user runs it: start, serve, refuse busy ports, stop cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from e2e_support import ROOT, free_ports, local_stack, wait_until

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
    nginx_port, dynamodb_port = free_ports(2)
    app_base = _consecutive_free_ports(2)
    command = [
        sys.executable,
        str(ROOT / "local" / "stack.py"),
        f"--port={nginx_port}",
        f"--dynamodb-port={dynamodb_port}",
        "--workers=2",
        f"--app-base-port={app_base}",
        f"--run-dir={tmp_path}",
    ]
    launcher = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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
    # Every process of the stack is gone, so every port is free again.
    deadline = time.monotonic() + 10
    ports = [nginx_port, dynamodb_port, app_base, app_base + 1]
    while any(_listening(p) for p in ports) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in ports if _listening(p)]
