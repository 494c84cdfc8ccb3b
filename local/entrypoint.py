"""The container's command: a working API on $PORT with no configuration at all.

    docker run -p 3000:3000 task-management-backend             # runs: python -m local.entrypoint

* Given a DynamoDB endpoint (``DYNAMODB_ENDPOINT_URL``, as docker compose passes) or AWS
  credentials (variables, a mounted profile, an ECS/EKS/EC2 role), it execs gunicorn
  (functions/gunicorn.conf.py) on that store and starts nothing else.
* Otherwise it runs the native stack's emulator (local/dynamodb_emulator.py) inside the
  container on 127.0.0.1, its data snapshotted every 5 s and at stop into
  ``$TASKAPP_DATA_DIR/dynamodb.json`` (default ``/data``: mount a volume there to keep the
  data), creates the tables, signs sessions with a key generated once into
  ``$TASKAPP_DATA_DIR/jwt-secret`` (unless ``JWT_SECRET`` is set), and serves with
  gunicorn as its child. On SIGTERM / Ctrl-C, gunicorn finishes its requests first, then
  the emulator writes its last snapshot.

``TASKAPP_EMBEDDED_DYNAMODB=1`` / ``=0`` forces the choice.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType

from local.keyfile import KeyFileError, read_or_create_key

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "functions/gunicorn.conf.py")]
EMULATOR = ROOT / "local" / "dynamodb_emulator.py"
DEFAULT_DATA_DIR = "/data"
STATE_FILE = "dynamodb.json"
KEY_FILE = "jwt-secret"
SNAPSHOT_INTERVAL = "5"
LOCALHOST = "127.0.0.1"
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0  # gunicorn's graceful_timeout is 20 s

log = logging.getLogger("taskapp.entrypoint")


class EntrypointError(RuntimeError):
    """The embedded store cannot start; the message says why."""


def aws_credentials_available() -> bool:
    """Whether boto would find credentials: variables, profile files, a container role."""
    import botocore.session

    try:
        return botocore.session.get_session().get_credentials() is not None
    except Exception:  # a broken profile file counts as none
        return False


def wants_embedded_store(
    env: Mapping[str, str], has_credentials: Callable[[], bool] = aws_credentials_available
) -> bool:
    """Whether to run the emulator: no endpoint and no AWS credentials, unless forced."""
    forced = env.get("TASKAPP_EMBEDDED_DYNAMODB", "").strip().lower()
    if forced in {"1", "true", "yes"}:
        return True
    if forced in {"0", "false", "no"}:
        return False
    if env.get("DYNAMODB_ENDPOINT_URL"):
        return False
    return not has_credentials()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # moto answers GET / with an error status: it is up
    except (OSError, ValueError):
        return False


def _data_dir(env: Mapping[str, str]) -> Path:
    data = Path(env.get("TASKAPP_DATA_DIR") or DEFAULT_DATA_DIR)
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EntrypointError(f"cannot create the data directory {data}: {error}") from error
    if not os.access(data, os.W_OK | os.X_OK):
        raise EntrypointError(
            f"{data} is not writable by uid {os.getuid()}: mount a volume the container's "
            "user can write, or set TASKAPP_DATA_DIR"
        )
    return data


class EmbeddedStore:
    """The emulator as a child process, with the app settings that point at it."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = _free_port()
        self.url = f"http://{LOCALHOST}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the emulator (restoring the snapshot) and wait until it answers."""
        argv = [sys.executable, str(EMULATOR), "-H", LOCALHOST, "-p", str(self.port)]
        argv += ["--state-file", str(self.data / STATE_FILE)]
        argv += ["--snapshot-interval", SNAPSHOT_INTERVAL]
        log_path = self.data / "dynamodb.log"  # one line per request: not the container log
        with log_path.open("wb") as log_file:
            # Its own session, as gunicorn's: only this process sees a terminal's Ctrl-C,
            # and the store stops after the app.
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
                raise EntrypointError(f"the DynamoDB emulator did not start:\n{tail}")
            time.sleep(0.1)

    def app_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """The app's environment: this store, dummy credentials, the kept signing key."""
        result = dict(env)
        result.update(
            DYNAMODB_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - the emulator's dummy credentials
        )
        result.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        if not result.get("JWT_SECRET"):
            try:
                result["JWT_SECRET"] = read_or_create_key(self.data / KEY_FILE)
            except (OSError, KeyFileError) as error:
                raise EntrypointError(f"cannot read or make the signing key: {error}") from error
        return result

    def stop(self) -> None:
        """SIGTERM: the emulator writes its last snapshot and exits."""
        _stop(self.process, "the DynamoDB emulator")


def _stop(process: subprocess.Popen[bytes] | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        log.warning("%s did not stop within %.0fs; killing it", name, STOP_TIMEOUT)
        process.kill()
        process.wait()


class _Stop(Exception):
    """SIGTERM or SIGINT arrived."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def serve_embedded(env: Mapping[str, str]) -> int:
    """Emulator, tables, gunicorn; stop them in reverse order. gunicorn's exit status."""
    store = EmbeddedStore(_data_dir(env))
    gunicorn: subprocess.Popen[bytes] | None = None
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        log.info("no DynamoDB endpoint or AWS credentials: serving from %s", store.data)
        store.start()
        app_env = store.app_env(env)
        tables = [sys.executable, "-m", "taskcore.admin", "create-tables"]
        subprocess.run(tables, cwd=ROOT, env=app_env, check=True, timeout=120)
        gunicorn = subprocess.Popen(GUNICORN, cwd=ROOT, env=app_env, start_new_session=True)
        while True:
            if gunicorn.poll() is not None:
                log.error("gunicorn exited with status %s", gunicorn.returncode)
                return gunicorn.returncode or 1
            if store.process is not None and store.process.poll() is not None:
                log.error("the DynamoDB emulator exited; see %s", store.data / "dynamodb.log")
                return 1
            time.sleep(0.5)
    except _Stop:
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(gunicorn, "gunicorn")
        store.stop()


def main() -> int:
    """Serve on the configured store, or on the embedded one."""
    logging.basicConfig(level=logging.INFO, format="[entrypoint] %(message)s")
    env = dict(os.environ)
    if not wants_embedded_store(env):
        os.chdir(ROOT)
        # PID 1 becomes gunicorn: signals go straight to it.
        os.execv(GUNICORN[0], GUNICORN)  # noqa: S606 - a fixed argv, no shell
    try:
        return serve_embedded(env)
    except (EntrypointError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        log.error("%s", error)
        return 2


if __name__ == "__main__":
    sys.exit(main())
