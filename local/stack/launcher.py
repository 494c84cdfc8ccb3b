"""The :class:`Stack`: starts the processes in order, supervises them, stops them."""

from __future__ import annotations

import functools
import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import commands, probes, state
from .children import Child, Role, find_executable
from .config import LOCALHOST, ROOT, StackConfig, StackError
from .nginx import NginxSite

log = logging.getLogger("taskapp.stack")


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
            cors_allowed_origins=commands.app_setting(self.config, "CORS_ALLOWED_ORIGINS"),
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
    def maildir(self) -> Path:
        """The Maildir of the stack's SMTP server: every message the app sent."""
        return self.run_dir / self.config.maildir.name

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
            self.env = commands.environment(self.config, self.run_dir)
            self._start_stores(redis_server)
            self._start_mail()
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
        # The emulator writes its last snapshot on SIGTERM: give it time to. It is
        # restarted like an app worker when it dies (on the same port, from its snapshot
        # when persisting; the tables are created again): meanwhile the API answers 503.
        argv = commands.emulator_argv(cfg, self.run_dir)
        self._spawn("dynamodb", argv, "restart", stop_timeout=30)
        if self._own_redis:
            self._spawn("redis", commands.redis_argv(cfg, self.run_dir, redis_server), "optional")
        self._wait_for("dynamodb", lambda: probes.http_status(self.env["DYNAMODB_ENDPOINT_URL"]))
        if self._own_redis:
            self._wait_for("redis", functools.partial(probes.redis_ping, cfg.redis_port))

    def _start_mail(self) -> None:
        # Restarted when it dies; meanwhile messages wait in the outbox (nothing is lost).
        self._spawn("mail", commands.mail_argv(self.config, self.run_dir), "restart")
        self._wait_for("mail", functools.partial(probes.smtp_ready, self.config.smtp_port))

    def _start_apps(self) -> None:
        cfg = self.config
        for port in cfg.worker_ports:  # all boot in parallel, then each is awaited
            self._spawn(f"app-{port}", commands.gunicorn_argv(cfg, port), "restart")
        for port in cfg.worker_ports:
            self._wait_for(f"app-{port}", functools.partial(probes.healthy, port))
        self._spawn("scheduler", commands.scheduler_argv(cfg), "restart")

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
        wanted = {
            cfg.port: "nginx (--port)",
            cfg.dynamodb_port: "moto server (--dynamodb-port)",
            cfg.smtp_port: "the SMTP server (--smtp-port)",
        }
        for port in cfg.worker_ports:
            wanted[port] = "an app worker (--app-base-port)"
        if self._own_redis:
            wanted[cfg.redis_port] = "redis-server (--redis-port)"
        if len(wanted) != 3 + len(cfg.worker_ports) + int(self._own_redis):
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

    def _spawn(self, name: str, argv: Sequence[str], role: Role, stop_timeout: float = 10) -> Child:
        child = Child(name, argv, role, self.log_dir / f"{name}.log", stop_timeout)
        with self._lock:
            self.children[name] = child
            child.start(self.env)
        return child

    def _create_tables(self) -> None:
        command = commands.setup_command(self.config)
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
        if child.name == "dynamodb":
            # Off the supervisor's thread: the other children stay watched meanwhile.
            threading.Thread(target=self._restore_tables, name="stack-tables", daemon=True).start()

    def _restore_tables(self) -> None:
        """After the store restarted: wait for it, then create whatever tables it lacks
        (all of them without persistence; none when its snapshot had them)."""
        endpoint = self.env["DYNAMODB_ENDPOINT_URL"]
        deadline = time.monotonic() + self.config.startup_timeout
        while probes.http_status(endpoint) is None:
            if self._stopping.is_set() or time.monotonic() > deadline:
                return  # a store that does not come back is the crash-loop guard's
            time.sleep(0.1)
        try:
            self._create_tables()
        except StackError as error:
            log.error("the restarted store has no tables: %s", error)
            return
        log.info("dynamodb is back, with its tables")

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
                "mail",
                "dynamodb",
                "redis",
            ]
            for name in order:
                child = self.children.get(name)
                if child is not None:
                    child.stop()
        self._run_dir_lock.release()
