"""The native dev stack: the docker-compose topology from local processes, no Docker.

    python local/stack.py [--port 8080] [--workers 3] [--dynamodb-port 8000] ...

starts, on 127.0.0.1 only:

- moto server as the DynamoDB endpoint (local/dynamodb_emulator.py: in memory, so every
  run starts empty, and one DynamoDB request at a time, so concurrent writes are safe);
- Redis: the one already answering on --redis-port, else its own redis-server;
- the tables (``taskapp-admin create-tables``, idempotent);
- N app workers, each a gunicorn serving functions/wsgi.py on its own port;
- the scheduler (local/scheduler.py), which runs the ``@app.schedule`` handlers;
- nginx from local/nginx.conf (the template docker compose uses too) on --port.

It waits until ``GET /v1/health`` answers through nginx, prints the URL and the log
directory, restarts an app worker or the scheduler that dies, and stops everything on
Ctrl-C or SIGTERM. Missing nginx / redis-server are installed with apt-get when running
as root. Tests use :class:`Stack` directly, on free ports.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
NGINX_TEMPLATE = ROOT / "local" / "nginx.conf"
GUNICORN_CONFIG = FUNCTIONS / "gunicorn.conf.py"
SCHEDULER = ROOT / "local" / "scheduler.py"
# moto's server, with DynamoDB requests serialised so concurrent workers lose no writes.
DYNAMODB_EMULATOR = ROOT / "local" / "dynamodb_emulator.py"
LOCALHOST = "127.0.0.1"
# Passive health of each upstream server; local/docker-compose.yml says the same.
UPSTREAM_HEALTH = "max_fails=2 fail_timeout=5s"
# nginx's own variables are lower-case, so only these are template placeholders.
_PLACEHOLDER = re.compile(r"\$\{(LB_[A-Z_]+)\}")
# Inherited variables that must not leak into the stack (real credentials, endpoints).
_SCRUBBED_ENV = re.compile(r"^(AWS_|DYNAMODB_|REDIS_|TABLE_PREFIX$|JWT_|TASKAPP_)")

log = logging.getLogger("taskapp.stack")

Role = Literal["critical", "restart", "optional"]


def _die_with_parent_linux() -> None:
    # Runs in the child between fork and exec: if the launcher dies without cleaning up
    # (SIGKILL, a test runner's timeout), the kernel sends this process SIGTERM, so no
    # stack is left behind holding its ports. Only async-signal-safe work happens here:
    # libc was loaded before the fork.
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


if sys.platform == "linux":
    import ctypes

    _LIBC = ctypes.CDLL(None, use_errno=True)
    _PR_SET_PDEATHSIG = 1
    _die_with_parent: Callable[[], None] | None = _die_with_parent_linux
else:
    _die_with_parent = None


class StackError(RuntimeError):
    """The stack cannot start; the message says why and what to do about it."""


@dataclass
class StackConfig:
    """Where and how the stack runs. Every port is on 127.0.0.1."""

    port: int = 8080
    workers: int = 3
    app_base_port: int = 3001
    app_ports: tuple[int, ...] = ()  # explicit worker ports; default base, base+1, ...
    processes_per_worker: int = 1  # gunicorn processes behind each worker port
    dynamodb_port: int = 8000
    redis_port: int = 6379
    redis_db: int = 0
    start_redis: bool | None = None  # None: reuse a Redis answering on redis_port
    run_dir: Path = ROOT / ".run"
    scheduler_interval: float = 60.0
    log_level: str = "INFO"
    jwt_secret: str | None = None  # a random one per run when unset
    table_prefix: str = "taskapp-local-"
    extra_env: dict[str, str] = field(default_factory=dict)
    # What the workers and the scheduler serve, and how the tables are made; tests may
    # point these at a stand-in app.
    wsgi_app: str = "wsgi:application"
    scheduler_app: str = "app:app"
    pythonpath: tuple[str, ...] = ()
    setup_command: tuple[str, ...] | None = None  # default: taskapp-admin create-tables
    install_missing: bool = True
    startup_timeout: float = 60.0

    @property
    def worker_ports(self) -> tuple[int, ...]:
        """The port of each app worker."""
        if self.app_ports:
            return self.app_ports
        return tuple(self.app_base_port + i for i in range(self.workers))


class Child:
    """One process of the stack, in its own process group so it can be stopped whole."""

    def __init__(self, name: str, argv: Sequence[str], role: Role, log_path: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.role = role
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts: list[float] = []

    @property
    def pid(self) -> int:
        """Process id (also the process group id)."""
        assert self.popen is not None, f"{self.name} was never started"
        return self.popen.pid

    def start(self, env: dict[str, str]) -> None:
        """Start (or restart) the process, appending to its log file."""
        with self.log_path.open("ab") as log_file:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the launcher only; it stops us
                preexec_fn=_die_with_parent,
            )
        self.starts.append(time.monotonic())

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the whole process group (gunicorn master and workers)."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the group, wait up to ``timeout``, then SIGKILL it."""
        if self.popen is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs; killing it", self.name, timeout)
        # Leftover group members (e.g. orphaned gunicorn workers) go too.
        self.signal(signal.SIGKILL)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            log.error("%s (pid %d) survived SIGKILL", self.name, self.popen.pid)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the process's log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Stack:
    """The whole local topology; a context manager for tests."""

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.run_dir = self.config.run_dir.resolve()
        self.log_dir = self.run_dir / "logs"
        self.nginx_dir = self.run_dir / "nginx"
        self.nginx_conf = self.nginx_dir / "nginx.conf"
        self.children: dict[str, Child] = {}
        self.broken = threading.Event()  # set when a critical process has exited
        self.failure: str | None = None
        self.env: dict[str, str] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self._own_redis = False

    @property
    def url(self) -> str:
        """Base URL of the API through nginx."""
        return f"http://{LOCALHOST}:{self.config.port}"

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- start -------------------------------------------------------------------------

    def start(self) -> Stack:
        """Start every process and wait until the API answers through nginx."""
        try:
            self._own_redis = self._decide_redis()
            self._check_ports()  # before anything is installed or started
            nginx = self._require("nginx", "nginx")
            redis_server = self._require("redis-server", "redis-server") if self._own_redis else ""
            self._prepare_dirs()
            self.env = self._environment()
            self._start_stores(redis_server)
            self._create_tables()
            self._start_apps()
            self._start_nginx(nginx)
        except BaseException:
            self.stop()
            raise
        self._supervisor = threading.Thread(
            target=self._supervise, name="stack-supervisor", daemon=True
        )
        self._supervisor.start()
        return self

    def _start_stores(self, redis_server: str) -> None:
        cfg = self.config
        emulator = [sys.executable, str(DYNAMODB_EMULATOR)]
        self._spawn(
            "dynamodb", [*emulator, "-H", LOCALHOST, "-p", str(cfg.dynamodb_port)], "critical"
        )
        if self._own_redis:
            self._spawn("redis", self._redis_argv(redis_server), "optional")
        self._wait_for("dynamodb", lambda: _http_status(self.env["DYNAMODB_ENDPOINT_URL"]))
        if self._own_redis:
            self._wait_for("redis", functools.partial(redis_ping, cfg.redis_port))

    def _start_apps(self) -> None:
        cfg = self.config
        for port in cfg.worker_ports:  # all boot in parallel, then each is awaited
            self._spawn(f"app-{port}", self._gunicorn_argv(port), "restart")
        for port in cfg.worker_ports:
            self._wait_for(f"app-{port}", functools.partial(_health, port))
        interval = str(cfg.scheduler_interval)
        scheduler = [sys.executable, str(SCHEDULER), "--interval", interval]
        self._spawn("scheduler", [*scheduler, "--app", cfg.scheduler_app], "restart")

    def _start_nginx(self, nginx: str) -> None:
        self.nginx_conf.write_text(self.render_nginx())
        checked = self.check_nginx_config()
        if checked.returncode != 0:
            raise StackError(f"nginx rejects {self.nginx_conf}:\n{checked.stderr.strip()}")
        self._spawn("nginx", [nginx, *self._nginx_args(nginx), "-g", "daemon off;"], "critical")
        self._wait_for("nginx", functools.partial(_health, self.config.port))

    def _require(self, binary: str, package: str) -> str:
        found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
        if found:
            return found
        can_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
        if not (self.config.install_missing and can_install):
            raise StackError(f"{binary} is not installed: run `sudo apt-get install -y {package}`")
        log.info("%s is missing: installing the %s package with apt-get", binary, package)
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
            done = subprocess.run(argv, env=apt_env, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise StackError(f"`{' '.join(argv)}` failed:\n{done.stderr.strip()[-2000:]}")
        found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
        if not found:
            raise StackError(f"{package} was installed but {binary} is still not found")
        return found

    def _decide_redis(self) -> bool:
        """True when the stack must run its own redis-server."""
        cfg = self.config
        answering = redis_ping(cfg.redis_port)
        if cfg.start_redis is None:
            return not answering
        if not cfg.start_redis and not answering:
            raise StackError(f"no Redis answers PING on {LOCALHOST}:{cfg.redis_port}")
        return cfg.start_redis

    def _check_ports(self) -> None:
        cfg = self.config
        wanted = {cfg.port: "nginx (--port)", cfg.dynamodb_port: "moto server (--dynamodb-port)"}
        for port in cfg.worker_ports:
            wanted[port] = "an app worker (--app-base-port)"
        if self._own_redis:
            wanted[cfg.redis_port] = "redis-server (--redis-port)"
        if len(wanted) != 2 + len(cfg.worker_ports) + int(self._own_redis):
            raise StackError("two components of the stack are configured on the same port")
        taken = [
            f"  {LOCALHOST}:{port} for {what}"
            for port, what in wanted.items()
            if not _port_free(port)
        ]
        if taken:
            raise StackError(
                "ports already in use (another stack running? stop it or choose other "
                "ports):\n" + "\n".join(taken)
            )

    def _prepare_dirs(self) -> None:
        for directory in (self.log_dir, self.nginx_dir / "tmp", self.run_dir / "redis"):
            directory.mkdir(parents=True, exist_ok=True)

    def _environment(self) -> dict[str, str]:
        cfg = self.config
        env = {k: v for k, v in os.environ.items() if not _SCRUBBED_ENV.match(k)}
        env.update(
            TASKAPP_STAGE="local",
            DYNAMODB_ENDPOINT_URL=f"http://{LOCALHOST}:{cfg.dynamodb_port}",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's dummy credentials
            TABLE_PREFIX=cfg.table_prefix,
            REDIS_URL=f"redis://{LOCALHOST}:{cfg.redis_port}/{cfg.redis_db}",
            JWT_SECRET=cfg.jwt_secret or secrets.token_urlsafe(48),
            LOG_LEVEL=cfg.log_level,
            PYTHONUNBUFFERED="1",
        )
        paths = [str(FUNCTIONS), *cfg.pythonpath]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env.update(cfg.extra_env)
        return env

    def _spawn(self, name: str, argv: Sequence[str], role: Role) -> Child:
        child = Child(name, argv, role, self.log_dir / f"{name}.log")
        with self._lock:
            self.children[name] = child
            child.start(self.env)
        return child

    def _redis_argv(self, redis_server: str) -> list[str]:
        # A cache only (DESIGN §4): nothing is persisted.
        port = str(self.config.redis_port)
        options = ["--port", port, "--bind", LOCALHOST, "--save", "", "--appendonly", "no"]
        return [redis_server, *options, "--daemonize", "no", "--dir", str(self.run_dir / "redis")]

    def _gunicorn_argv(self, port: int) -> list[str]:
        cfg = self.config
        paths = ",".join([str(FUNCTIONS), *cfg.pythonpath])
        gunicorn = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
        where = ["--bind", f"{LOCALHOST}:{port}", "--workers", str(cfg.processes_per_worker)]
        return [*gunicorn, *where, "--pythonpath", paths, "--name", f"taskapp-{port}", cfg.wsgi_app]

    def _create_tables(self) -> None:
        command = list(self.config.setup_command or self._default_setup_command())
        log_path = self.log_dir / "create-tables.log"
        with log_path.open("ab") as log_file:
            try:
                done = subprocess.run(
                    command,
                    cwd=ROOT,
                    env=self.env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    timeout=120,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise StackError(f"creating the tables failed: {error}") from error
        if done.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            raise StackError(f"`{' '.join(command)}` exited with {done.returncode}:\n{tail}")

    @staticmethod
    def _default_setup_command() -> list[str]:
        # The console script of the same environment as this interpreter.
        script = Path(sys.executable).with_name("taskapp-admin")
        if not script.exists():
            found = shutil.which("taskapp-admin")
            if found is None:
                raise StackError("taskapp-admin is not installed: run `pip install -e .`")
            script = Path(found)
        return [str(script), "create-tables"]

    def render_nginx(self) -> str:
        """local/nginx.conf with this stack's ports and paths filled in."""
        servers = " ".join(
            f"server {LOCALHOST}:{port} {UPSTREAM_HEALTH};" for port in self.config.worker_ports
        )
        values = {
            "LB_LISTEN": f"{LOCALHOST}:{self.config.port}",
            "LB_UPSTREAM_SERVERS": servers,
            "LB_ACCESS_LOG": str(self.log_dir / "nginx-access.log"),
            "LB_ERROR_LOG": str(self.log_dir / "nginx-error.log"),
            "LB_PID_FILE": str(self.nginx_dir / "nginx.pid"),
            "LB_TEMP_DIR": str(self.nginx_dir / "tmp"),
        }
        return render_template(NGINX_TEMPLATE.read_text(), values)

    def _nginx_args(self, nginx: str) -> list[str]:
        args = ["-p", str(self.nginx_dir), "-c", str(self.nginx_conf)]
        if _nginx_version(nginx) >= (1, 19, 5):
            # Messages from before the configuration is read go to our log too, not to
            # the system's /var/log/nginx (older nginx has no -e).
            args += ["-e", str(self.log_dir / "nginx-error.log")]
        return args

    def check_nginx_config(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` on the rendered configuration."""
        nginx = self._require("nginx", "nginx")
        argv = [nginx, "-t", *self._nginx_args(nginx)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)

    def _wait_for(self, name: str, probe: Callable[[], object]) -> None:
        deadline = time.monotonic() + self.config.startup_timeout
        child = self.children.get(name)
        while time.monotonic() < deadline:
            if child is not None and not child.alive():
                raise StackError(
                    f"{name} exited during start-up; the end of "
                    f"{child.log_path}:\n{child.log_tail()}"
                )
            if probe():
                return
            time.sleep(0.1)
        tail = f"; the end of {child.log_path}:\n{child.log_tail()}" if child else ""
        raise StackError(f"{name} not ready after {self.config.startup_timeout:.0f}s{tail}")

    # -- run ---------------------------------------------------------------------------

    def _supervise(self) -> None:
        """Restart dead app workers and the scheduler; flag the stack broken otherwise."""
        while not self._stopping.wait(0.5):
            with self._lock:
                if self._stopping.is_set():
                    return
                for child in self.children.values():
                    if not child.alive():
                        self._handle_exit(child)

    def _handle_exit(self, child: Child) -> None:
        code = child.popen.returncode if child.popen else None
        if child.role == "optional":
            if child.popen is not None:
                log.warning("%s exited (%s); the API carries on without it", child.name, code)
                child.popen = None  # reported once; not restarted
            return
        if child.role == "critical":
            self.failure = f"{child.name} exited with status {code}; see {child.log_path}"
            self.broken.set()
            return
        recent = [t for t in child.starts if time.monotonic() - t < 60]
        if len(recent) >= 5:
            self.failure = f"{child.name} keeps crashing; see {child.log_path}"
            self.broken.set()
            return
        log.warning("%s exited (%s); restarting it", child.name, code)
        child.start(self.env)

    # -- stop --------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every process: the entry point first, the data stores last."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
        with self._lock:
            order = [
                "nginx",
                "scheduler",
                *(n for n in self.children if n.startswith("app-")),
                "dynamodb",
                "redis",
            ]
            for name in order:
                child = self.children.get(name)
                if child is not None:
                    child.stop()


def render_template(template: str, values: dict[str, str]) -> str:
    """Fill ``${LB_*}`` placeholders like envsubst; refuse to leave any unfilled."""
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise StackError(f"no value for nginx.conf placeholders: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@functools.cache
def _nginx_version(nginx: str) -> tuple[int, ...]:
    done = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=10, check=False)
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", done.stderr + done.stdout)
    return tuple(int(part) for part in found.groups()) if found else (0, 0, 0)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as servers use it: a port in TIME_WAIT counts as free, a listener not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_status(url: str, timeout: float = 1.0) -> int | None:
    """The status code ``url`` answers with, or None when nothing answers."""
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def _health(port: int) -> bool:
    return _http_status(f"http://{LOCALHOST}:{port}/v1/health") == 200


def redis_ping(port: int, timeout: float = 0.5) -> bool:
    """Whether a Redis answers PING on 127.0.0.1:port."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _parse_args(argv: Sequence[str] | None) -> StackConfig:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx port (default 8080)")
    parser.add_argument("--workers", type=int, default=3, help="app workers (default 3)")
    parser.add_argument(
        "--app-base-port",
        type=int,
        default=3001,
        help="port of the first app worker; the others follow (default 3001)",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="gunicorn processes per app worker (default 1)"
    )
    parser.add_argument(
        "--dynamodb-port", type=int, default=8000, help="moto server port (default 8000)"
    )
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--redis-db", type=int, default=0)
    parser.add_argument(
        "--own-redis",
        action="store_true",
        help="start a redis-server even if one answers on --redis-port",
    )
    parser.add_argument("--scheduler-interval", type=float, default=60.0)
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=ROOT / ".run",
        help="logs, nginx config and temp files (default .run/)",
    )
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if args.workers < 1 or args.processes < 1:
        parser.error("--workers and --processes must be at least 1")
    return StackConfig(
        port=args.port,
        workers=args.workers,
        app_base_port=args.app_base_port,
        processes_per_worker=args.processes,
        dynamodb_port=args.dynamodb_port,
        redis_port=args.redis_port,
        redis_db=args.redis_db,
        start_redis=True if args.own_redis else None,
        run_dir=args.run_dir,
        scheduler_interval=args.scheduler_interval,
        log_level=args.log_level,
        jwt_secret=os.environ.get("JWT_SECRET") or None,
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack exactly like Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: run the stack until Ctrl-C / SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="[stack] %(message)s")
    config = _parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(config)
    try:
        log.info("starting (logs in %s)", stack.log_dir)
        stack.start()
        ports = ", ".join(map(str, config.worker_ports))
        log.info("ready: %s  (app workers on ports %s)", stack.url, ports)
        log.info("try: curl %s/v1/health", stack.url)
        log.info("logs: %s/*.log   stop: Ctrl-C", stack.log_dir)
        while not stack.broken.wait(1.0):
            pass
        log.error("stopping: %s", stack.failure)
        return 1
    except StackError as error:
        log.error("%s", error)
        return 2
    except KeyboardInterrupt:
        log.info("stopping")
        return 0
    finally:
        # A second Ctrl-C must not cut the clean-up short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
