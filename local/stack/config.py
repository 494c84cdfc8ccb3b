"""Where and how the native stack runs: paths, ports, settings of its processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
NGINX_TEMPLATE = ROOT / "local" / "nginx.conf"
GUNICORN_CONFIG = FUNCTIONS / "gunicorn.conf.py"
SCHEDULER = ROOT / "local" / "scheduler.py"
MAIL_SERVER = ROOT / "local" / "mailserver.py"
MAILDIR = "mail"  # in the run directory: every message the app sends (a Maildir)
# moto's server, with DynamoDB requests serialised so concurrent workers lose no writes.
DYNAMODB_EMULATOR = ROOT / "local" / "dynamodb_emulator.py"
DEFAULT_RUN_DIR = ROOT / ".run"
LOCALHOST = "127.0.0.1"
# Passive health of each upstream server; local/docker-compose.yml says the same.
UPSTREAM_HEALTH = "max_fails=2 fail_timeout=5s"
# How often the emulator writes its snapshot: a crash loses at most this much.
SNAPSHOT_INTERVAL_SECONDS = 5.0

# `make up` serves a developer's UI and its test suite, which register and log in far
# more often from one address than a person does. The production defaults (config.py,
# README) stay in force everywhere else; a variable set in the environment wins.
LOCAL_LIMITS: dict[str, str] = {
    "REGISTER_MAX_PER_CLIENT": "10000",
    "LOGIN_MAX_ATTEMPTS_PER_CLIENT": "10000",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000",
    "TASK_WRITE_MAX_PER_USER": "100000",
    "PASSWORD_RESET_MAX_PER_CLIENT": "10000",
    "PASSWORD_RESET_MAX_PER_ACCOUNT": "1000",
    "VERIFICATION_MAX_PER_ACCOUNT": "1000",
}


class StackError(RuntimeError):
    """The stack cannot start; the message says why and what to do about it."""


@dataclass
class StackConfig:
    """Where and how the stack runs. Every port is on 127.0.0.1.

    The defaults suit tests and benchmarks: nothing is kept once the stack stops. The
    command line (``python -m local.stack``) keeps data in the run directory.
    """

    port: int = 8080
    workers: int = 3
    app_base_port: int = 3001
    app_ports: tuple[int, ...] = ()  # explicit worker ports; default base, base+1, ...
    processes_per_worker: int = 1  # gunicorn processes behind each worker port
    dynamodb_port: int = 8000
    redis_port: int = 6379
    redis_db: int = 0
    smtp_port: int = 1025  # the local SMTP server (local/mailserver.py)
    start_redis: bool | None = None  # None: reuse a Redis answering on redis_port
    run_dir: Path = DEFAULT_RUN_DIR
    # Keep the store (run_dir/dynamodb.json) and the signing key (run_dir/jwt-secret)
    # across restarts; ``fresh`` discards both first.
    persist: bool = False
    fresh: bool = False
    snapshot_interval: float = SNAPSHOT_INTERVAL_SECONDS
    scheduler_interval: float = 60.0
    log_level: str = "INFO"
    jwt_secret: str | None = None  # default: the run dir's key when persisting, else random
    table_prefix: str = "taskapp-local-"
    # Environment of the app processes: ``env_defaults`` unless the launching environment
    # sets the variable, then ``extra_env`` always.
    env_defaults: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # What the workers and the scheduler serve, and how the tables are made; tests may
    # point these at a stand-in app.
    wsgi_app: str = "wsgi:application"
    scheduler_app: str = "app:app"
    pythonpath: tuple[str, ...] = ()
    setup_command: tuple[str, ...] | None = None  # default: taskapp-admin create-tables
    startup_timeout: float = 60.0

    @property
    def maildir(self) -> Path:
        """Where the local SMTP server keeps the messages (relative to the run dir)."""
        return self.run_dir / MAILDIR

    @property
    def worker_ports(self) -> tuple[int, ...]:
        """The port of each app worker."""
        if self.app_ports:
            return self.app_ports
        return tuple(self.app_base_port + i for i in range(self.workers))
