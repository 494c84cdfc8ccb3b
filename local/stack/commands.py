"""What each process of the stack is given: its command line and its environment."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from local.keyfile import KeyFileError, read_or_create_key

from . import state
from .config import (
    DYNAMODB_EMULATOR,
    FUNCTIONS,
    GUNICORN_CONFIG,
    LOCALHOST,
    MAIL_SERVER,
    SCHEDULER,
    StackConfig,
    StackError,
)

# Inherited variables that must not leak into the stack (real credentials, endpoints).
_SCRUBBED_ENV = re.compile(
    r"^(AWS_|DYNAMODB_|REDIS_|TABLE_PREFIX$|JWT_|TASKAPP_|SMTP_|MAIL_TRANSPORT$|SES_)"
)


def emulator_argv(cfg: StackConfig, run_dir: Path) -> list[str]:
    """moto server on the DynamoDB port; with ``persist``, snapshotted into the run dir."""
    port = str(cfg.dynamodb_port)
    argv = [sys.executable, str(DYNAMODB_EMULATOR), "-H", LOCALHOST, "-p", port]
    if cfg.persist:
        interval = f"{cfg.snapshot_interval:g}"
        state_file = str(run_dir / state.STATE_FILE)
        argv += ["--state-file", state_file, "--snapshot-interval", interval]
    return argv


def redis_argv(cfg: StackConfig, run_dir: Path, redis_server: str) -> list[str]:
    """A redis-server of the stack's own. A cache only (DESIGN §4): nothing is persisted."""
    port = str(cfg.redis_port)
    options = ["--port", port, "--bind", LOCALHOST, "--save", "", "--appendonly", "no"]
    return [redis_server, *options, "--daemonize", "no", "--dir", str(run_dir / "redis")]


def gunicorn_argv(cfg: StackConfig, port: int) -> list[str]:
    """One app worker: gunicorn with the container's settings file on ``port``."""
    paths = ",".join([str(FUNCTIONS), *cfg.pythonpath])
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
    where = ["--bind", f"{LOCALHOST}:{port}", "--workers", str(cfg.processes_per_worker)]
    return [*gunicorn, *where, "--pythonpath", paths, "--name", f"taskapp-{port}", cfg.wsgi_app]


def mail_argv(cfg: StackConfig, run_dir: Path) -> list[str]:
    """local/mailserver.py: SMTP on the stack's mail port, into the run dir's Maildir."""
    maildir = str(run_dir / cfg.maildir.name)
    where = ["--host", LOCALHOST, "--port", str(cfg.smtp_port)]
    return [sys.executable, str(MAIL_SERVER), "--maildir", maildir, *where]


def scheduler_argv(cfg: StackConfig) -> list[str]:
    """local/scheduler.py running the app's ``@app.schedule`` handlers."""
    interval = str(cfg.scheduler_interval)
    return [sys.executable, str(SCHEDULER), "--interval", interval, "--app", cfg.scheduler_app]


def setup_command(cfg: StackConfig) -> list[str]:
    """What creates the tables: ``taskapp-admin create-tables`` unless configured."""
    if cfg.setup_command:
        return list(cfg.setup_command)
    # The console script of the same environment as this interpreter.
    script = Path(sys.executable).with_name("taskapp-admin")
    if not script.exists():
        found = shutil.which("taskapp-admin")
        if found is None:
            raise StackError("taskapp-admin is not installed: run `make venv`")
        script = Path(found)
    return [str(script), "create-tables"]


def jwt_secret(cfg: StackConfig, run_dir: Path) -> str:
    """The signing key: configured, else the run dir's (``persist``), else a random one."""
    if cfg.jwt_secret:
        return cfg.jwt_secret
    if not cfg.persist:
        return secrets.token_urlsafe(48)
    try:
        return read_or_create_key(run_dir / state.KEY_FILE)
    except (OSError, KeyFileError) as error:
        raise StackError(f"cannot read or make the signing key: {error}") from error


def app_setting(cfg: StackConfig, name: str) -> str:
    """The value of variable ``name`` that :func:`environment` gives the app processes
    (for nginx, which must agree with them, e.g. on ``CORS_ALLOWED_ORIGINS``)."""
    if name in cfg.extra_env:
        return cfg.extra_env[name]
    if name in os.environ and not _SCRUBBED_ENV.match(name):
        return os.environ[name]
    return cfg.env_defaults.get(name, "")


def environment(cfg: StackConfig, run_dir: Path) -> dict[str, str]:
    """The environment of every app process, the scheduler and the table setup."""
    env = {k: v for k, v in os.environ.items() if not _SCRUBBED_ENV.match(k)}
    for name, value in cfg.env_defaults.items():
        env.setdefault(name, value)
    # The messages' links point at the stack itself unless a front end is configured.
    env.setdefault("PUBLIC_BASE_URL", f"http://{LOCALHOST}:{cfg.port}")
    env.update(
        TASKAPP_STAGE="local",
        DYNAMODB_ENDPOINT_URL=f"http://{LOCALHOST}:{cfg.dynamodb_port}",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's dummy credentials
        TABLE_PREFIX=cfg.table_prefix,
        REDIS_URL=f"redis://{LOCALHOST}:{cfg.redis_port}/{cfg.redis_db}",
        REDIS_KEY_PREFIX=state.redis_key_prefix(run_dir),
        JWT_SECRET=jwt_secret(cfg, run_dir),
        MAIL_TRANSPORT="smtp",
        SMTP_HOST=LOCALHOST,
        SMTP_PORT=str(cfg.smtp_port),
        LOG_LEVEL=cfg.log_level,
        PYTHONUNBUFFERED="1",
    )
    paths = [str(FUNCTIONS), *cfg.pythonpath]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(cfg.extra_env)
    return env
