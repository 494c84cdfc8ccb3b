"""The :class:`Stack`: starts the processes in order, supervises them, stops them."""

from __future__ import annotations

import functools
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from local.keyfile import KeyFileError, read_or_create_key

from . import probes, state
from .children import Child, Role, find_executable
from .config import (
    DYNAMODB_EMULATOR,
    FUNCTIONS,
    GUNICORN_CONFIG,
    LOCALHOST,
    ROOT,
    SCHEDULER,
    StackConfig,
    StackError,
)
from .nginx import NginxSite

log = logging.getLogger("taskapp.stack")

# Inherited variables that must not leak into the stack (real credentials, endpoints).
_SCRUBBED_ENV = re.compile(r"^(AWS_|DYNAMODB_|REDIS_|TABLE_PREFIX$|JWT_|TASKAPP_)")


class Stack:
    """The whole local topology; a context manager for tests."""

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.run_dir = self.config.run_dir.resolve()
        self.log_dir = self.run_dir / "logs"
        self.nginx = NginxSite(
            port=self.config.port,
            worker_ports=self.config.worker_ports,
            log_dir=self.log_dir,
            nginx_dir=self.run_dir / "nginx",
        )
        self.state_file = self.run_dir / state.STATE_FILE
        self.children: dict[str, Child] = {}
        self.broken = threading.Event()  # set when a critical process has exited
        self.failure: str | None = None
        self.env: dict[str, str] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self._own_redis = False
        self._run_dir_lock = state.RunDirLock(self.run_dir)

    @property
    def url(self) -> str:
        """Base URL of the API through nginx."""
        return f"http://{LOCALHOST}:{self.config.port}"

    @property
    def nginx_conf(self) -> Path:
        """The rendered nginx configuration."""
        return self.nginx.conf

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- start -------------------------------------------------------------------------

    def start(self) -> Stack:
        """Start every process and wait until the API answers through nginx."""
        try:
            self._own_redis = self._decide_redis()
            self._check_ports()  # before anything is started
            nginx = find_executable("nginx")
            redis_server = find_executable("redis-server") if self._own_redis else ""
            self._run_dir_lock.acquire()
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
        # The emulator writes its last snapshot on SIGTERM: give it time to.
        self._spawn("dynamodb", self._emulator_argv(), "critical", stop_timeout=30)
        if self._own_redis:
            self._spawn("redis", self._redis_argv(redis_server), "optional")
        self._wait_for("dynamodb", lambda: probes.http_status(self.env["DYNAMODB_ENDPOINT_URL"]))
        if self._own_redis:
            self._wait_for("redis", functools.partial(probes.redis_ping, cfg.redis_port))

    def _start_apps(self) -> None:
        cfg = self.config
        for port in cfg.worker_ports:  # all boot in parallel, then each is awaited
            self._spawn(f"app-{port}", self._gunicorn_argv(port), "restart")
        for port in cfg.worker_ports:
            self._wait_for(f"app-{port}", functools.partial(probes.healthy, port))
        interval = str(cfg.scheduler_interval)
        scheduler = [sys.executable, str(SCHEDULER), "--interval", interval]
        self._spawn("scheduler", [*scheduler, "--app", cfg.scheduler_app], "restart")

    def _start_nginx(self, nginx: str) -> None:
        self.nginx.write()
        checked = self.nginx.check(nginx)
        if checked.returncode != 0:
            raise StackError(f"nginx rejects {self.nginx.conf}:\n{checked.stderr.strip()}")
        self._spawn("nginx", self.nginx.argv(nginx), "critical")
        self._wait_for("nginx", functools.partial(probes.healthy, self.config.port))

    def _decide_redis(self) -> bool:
        """True when the stack must run its own redis-server."""
        cfg = self.config
        answering = probes.redis_ping(cfg.redis_port)
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
            if not probes.port_free(port)
        ]
        if taken:
            raise StackError(
                "ports already in use (another stack running? stop it or choose other "
                "ports):\n" + "\n".join(taken)
            )

    def _prepare_dirs(self) -> None:
        if self.config.fresh:
            for path in state.discard(self.run_dir):
                log.info("fresh start: deleted %s", path)
        for directory in (self.log_dir, self.nginx.nginx_dir / "tmp", self.run_dir / "redis"):
            directory.mkdir(parents=True, exist_ok=True)

    def _jwt_secret(self) -> str:
        cfg = self.config
        if cfg.jwt_secret:
            return cfg.jwt_secret
        if not cfg.persist:
            return secrets.token_urlsafe(48)
        try:
            return read_or_create_key(self.run_dir / state.KEY_FILE)
        except (OSError, KeyFileError) as error:
            raise StackError(f"cannot read or make the signing key: {error}") from error

    def _environment(self) -> dict[str, str]:
        cfg = self.config
        env = {k: v for k, v in os.environ.items() if not _SCRUBBED_ENV.match(k)}
        for name, value in cfg.env_defaults.items():
            env.setdefault(name, value)
        env.update(
            TASKAPP_STAGE="local",
            DYNAMODB_ENDPOINT_URL=f"http://{LOCALHOST}:{cfg.dynamodb_port}",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's dummy credentials
            TABLE_PREFIX=cfg.table_prefix,
            REDIS_URL=f"redis://{LOCALHOST}:{cfg.redis_port}/{cfg.redis_db}",
            REDIS_KEY_PREFIX=state.redis_key_prefix(self.run_dir),
            JWT_SECRET=self._jwt_secret(),
            LOG_LEVEL=cfg.log_level,
            PYTHONUNBUFFERED="1",
        )
        paths = [str(FUNCTIONS), *cfg.pythonpath]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env.update(cfg.extra_env)
        return env

    def _spawn(self, name: str, argv: Sequence[str], role: Role, stop_timeout: float = 10) -> Child:
        child = Child(name, argv, role, self.log_dir / f"{name}.log", stop_timeout)
        with self._lock:
            self.children[name] = child
            child.start(self.env)
        return child

    def _emulator_argv(self) -> list[str]:
        cfg = self.config
        argv = [
            sys.executable,
            str(DYNAMODB_EMULATOR),
            "-H",
            LOCALHOST,
            "-p",
            str(cfg.dynamodb_port),
        ]
        if cfg.persist:
            interval = f"{cfg.snapshot_interval:g}"
            argv += ["--state-file", str(self.state_file), "--snapshot-interval", interval]
        return argv

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
        command = list(self.config.setup_command or _default_setup_command())
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

    def render_nginx(self) -> str:
        """local/nginx.conf with this stack's ports and paths filled in."""
        return self.nginx.render()

    def check_nginx_config(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` on the rendered configuration."""
        return self.nginx.check(find_executable("nginx"))

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
        self._run_dir_lock.release()


def _default_setup_command() -> list[str]:
    # The console script of the same environment as this interpreter.
    script = Path(sys.executable).with_name("taskapp-admin")
    if not script.exists():
        found = shutil.which("taskapp-admin")
        if found is None:
            raise StackError("taskapp-admin is not installed: run `make venv`")
        script = Path(found)
    return [str(script), "create-tables"]
