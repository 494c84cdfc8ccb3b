"""``python -m local.stack``: run the native stack until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .config import DEFAULT_RUN_DIR, LOCAL_LIMITS, StackConfig, StackError
from .launcher import Stack

log = logging.getLogger("taskapp.stack")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local.stack",
        description=(
            "The native dev stack: nginx, app workers, moto server, Redis, an SMTP server, "
            "scheduler."
        ),
    )
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
    parser.add_argument(
        "--smtp-port", type=int, default=1025, help="the local SMTP server's port (default 1025)"
    )
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
        default=DEFAULT_RUN_DIR,
        help="data, signing key, logs and nginx files (default .run/)",
    )
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument(
        "--fresh",
        action="store_true",
        help="start empty: delete the kept data and signing key first (make up-fresh)",
    )
    keep.add_argument(
        "--in-memory",
        action="store_true",
        help="keep nothing: no snapshot, a new signing key for this run only",
    )
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    return parser


def parse_args(argv: Sequence[str] | None = None) -> StackConfig:
    """The stack ``make up`` runs: data kept in the run dir, limits relaxed for UI tests."""
    parser = _parser()
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
        smtp_port=args.smtp_port,
        start_redis=True if args.own_redis else None,
        run_dir=args.run_dir,
        persist=not args.in_memory,
        fresh=args.fresh,
        scheduler_interval=args.scheduler_interval,
        log_level=args.log_level,
        jwt_secret=os.environ.get("JWT_SECRET") or None,
        env_defaults=dict(LOCAL_LIMITS),
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack exactly like Ctrl-C


def _banner(stack: Stack) -> None:
    config = stack.config
    ports = ", ".join(map(str, config.worker_ports))
    log.info("ready: %s  (app workers on ports %s)", stack.url, ports)
    log.info("try: curl %s/v1/health", stack.url)
    if config.persist:
        log.info(
            "data: %s (saved every %gs and at stop; `make up-fresh` starts empty)",
            stack.state_file,
            config.snapshot_interval,
        )
    else:
        log.info("data: in memory only, gone at stop")
    log.info(
        "mail: every message the app sends is in %s (a Maildir; one file per message in "
        "new/; latest: .venv/bin/python local/mailserver.py --maildir %s --show)",
        stack.maildir,
        stack.maildir,
    )
    log.info("logs: %s/*.log   stop: Ctrl-C", stack.log_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: run the stack until Ctrl-C / SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="[stack] %(message)s")
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(config)
    try:
        log.info("starting (logs in %s)", stack.log_dir)
        stack.start()
        _banner(stack)
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
