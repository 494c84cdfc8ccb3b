"""The image's command (local/entrypoint.py), run natively: Docker cannot run here.

A temporary directory stands in for the container's /data volume.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e_support import EMULATOR_PERSISTS, NO_PERSISTENCE, ROOT, HttpApi, free_ports, wait_until

pytestmark = pytest.mark.e2e


def _image_like_env(home: Path, port: int, **extra: str) -> dict[str, str]:
    """What `docker run` gives the command: no AWS, no endpoint, no secret."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),  # no ~/.aws
        "PYTHONUNBUFFERED": "1",
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance role to find on this machine
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "BCRYPT_COST": "4",
    }
    env.update(extra)
    return env


@contextmanager
def _entrypoint(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.entrypoint"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _serving(api: HttpApi, process: subprocess.Popen[bytes], log: Path) -> None:
    def up() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return api.request("GET", "/v1/health").status == 200
        except OSError:
            return False

    assert wait_until(up, timeout=90, interval=0.2), log.read_text()


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0, log.read_text()


@pytest.mark.skipif(not EMULATOR_PERSISTS, reason=NO_PERSISTENCE)
def test_with_no_configuration_it_serves_and_keeps_its_data(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "entrypoint.log"
    (port,) = free_ports(1)
    env = _image_like_env(tmp_path, port, TASKAPP_DATA_DIR=str(data))
    api = HttpApi(f"http://127.0.0.1:{port}")
    email = f"docker-{uuid.uuid4().hex[:10]}@example.com"

    with _entrypoint(env, log) as first:
        _serving(api, first, log)
        token = api.register(email=email)["access_token"]
        task = api.create(token, title="kept in /data")
        _stop(first, log)
    assert (data / "dynamodb.json").exists()
    assert (data / "jwt-secret").stat().st_mode & 0o777 == 0o600
    assert (data / "jwt-secret").read_text().strip() not in log.read_text()

    with _entrypoint(env, log) as second:
        _serving(api, second, log)
        kept = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
        assert kept.status == 200, kept.json
        assert kept.json["title"] == "kept in /data"
        login = api.request("POST", "/v1/auth/login", {"email": email, "password": "correct horse"})
        assert login.status == 200, login.json
        _stop(second, log)


def test_given_an_endpoint_it_execs_gunicorn_and_starts_no_emulator(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "entrypoint.log"
    port, unused = free_ports(2)
    env = _image_like_env(
        tmp_path,
        port,
        TASKAPP_DATA_DIR=str(data),
        DYNAMODB_ENDPOINT_URL=f"http://127.0.0.1:{unused}",
    )
    api = HttpApi(f"http://127.0.0.1:{port}")
    with _entrypoint(env, log) as process:
        _serving(api, process, log)  # liveness needs no store
        # The command became gunicorn itself (exec), with no emulator beside it.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"gunicorn" in cmdline, cmdline
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        for child in children:
            assert b"dynamodb_emulator" not in Path(f"/proc/{child}/cmdline").read_bytes()
        _stop(process, log)
    assert not data.exists()
