"""Local stand-in for EventBridge: runs the app's ``@app.schedule`` handlers as Lambda would.

On AWS each scheduled handler is its own Lambda function whose handler is the
``handler_string`` Chalice recorded (``module.function``); EventBridge invokes it with a
"Scheduled Event". This process does the same for the local stacks: it imports the app,
finds every :class:`chalice.app.ScheduledEventConfig`, resolves its handler the way the
Lambda runtime does, and calls it with a synthesized event and Lambda context every
``--interval`` seconds (on wall-clock multiples of the interval, as a cron rule would).

    python local/scheduler.py [--interval 60] [--once] [--only NAME] [--app app:app]
                              [--workers N]

The due-date job fans out: its coordinator hands groups of shards to workers, which on
AWS are invocations of the app's ``@app.on_sqs_message`` handler through an SQS queue.
Here a process pool of ``--workers`` processes (default ``SCHEDULER_WORKERS``, else 2)
runs that same handler, one message each (local/worker_pool.py); the coordinator's run
ends when its workers are done, and the run's line lists them under ``workers``.

Every run logs one JSON line to stdout. A failing handler is logged and the loop goes
on (the due-date job is idempotent, and the next run is one interval away). SIGTERM and
SIGINT stop it after the handler that is running, if any.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
DEFAULT_WORKERS = 2
ACCOUNT_ID = "000000000000"  # what moto and the local stacks use; never a real account


@dataclass(frozen=True)
class ScheduledHandler:
    """One scheduled Lambda function of the app."""

    name: str
    handler_string: str
    expression: str
    function: Callable[[dict[str, Any], Any], Any]


def _functions_importable() -> None:
    # The Chalice project imports as top-level modules (`app`, `chalicelib`, `wsgi`); the
    # worker pool as `local.worker_pool`, in this process and in the pool's.
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))


def load_app(spec: str) -> tuple[Any, ModuleType]:
    """Import ``module:attribute`` with functions/ importable; returns (app, its module)."""
    _functions_importable()
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute or "app"), module


def discover(app: Any, app_module: ModuleType) -> list[ScheduledHandler]:
    """The app's scheduled handlers, resolved from their handler strings like Lambda does."""
    from chalice.app import ScheduledEventConfig

    handlers = []
    for source in app.event_sources:
        if not isinstance(source, ScheduledEventConfig):
            continue
        module_name, _, attribute = source.handler_string.rpartition(".")
        # Chalice names the app's own module "app", which is the module the app came from.
        module = app_module if module_name == "app" else importlib.import_module(module_name)
        expression = source.schedule_expression
        handlers.append(
            ScheduledHandler(
                name=source.name,
                handler_string=source.handler_string,
                expression=expression if isinstance(expression, str) else expression.to_string(),
                function=getattr(module, attribute),
            )
        )
    return handlers


def scheduled_event(rule_name: str, region: str, now: datetime) -> dict[str, Any]:
    """An EventBridge "Scheduled Event" as delivered to Lambda."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


class Scheduler:
    """Invokes scheduled handlers on an interval until stopped."""

    def __init__(
        self,
        app: Any,
        handlers: Sequence[ScheduledHandler],
        *,
        interval: float = 60.0,
        timeout_seconds: float = 60.0,
        emit: Callable[[dict[str, Any]], None] | None = None,
        workers: Any = None,
    ) -> None:
        _functions_importable()
        from gateway import lambda_context  # the same context the HTTP path passes

        self._context_class = lambda_context
        self._app_name: str = app.app_name
        self._handlers = list(handlers)
        self._interval = interval
        self._timeout = timeout_seconds
        self._emit = emit or _print_json
        self._stage = os.environ.get("TASKAPP_STAGE", "local")
        self._region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        self.stopping = threading.Event()
        self._workers = workers  # a worker_pool.WorkerPool the job fans out to, if any

    @property
    def handler_names(self) -> list[str]:
        """Names of the scheduled handlers this scheduler runs."""
        return [handler.name for handler in self._handlers]

    def run_once(self) -> list[dict[str, Any]]:
        """Invoke every handler once; returns (and logs) one result per handler."""
        now = datetime.now(UTC)
        results = [self._invoke(handler, now) for handler in self._handlers]
        line: dict[str, Any] = {
            "time": now.isoformat(),
            "level": "INFO" if all(r["ok"] for r in results) else "ERROR",
            "logger": "taskapp.scheduler",
            "message": "scheduled run",
            "handlers": results,
        }
        if not self._handlers:
            line["message"] = "scheduled run: no @app.schedule handlers registered, idling"
        self._emit(line)
        return results

    def run_forever(self) -> None:
        """Run on every wall-clock multiple of the interval until :attr:`stopping` is set."""
        while not self.stopping.is_set():
            delay = self._interval - (time.time() % self._interval)
            if self.stopping.wait(delay):
                break
            self.run_once()

    def _invoke(self, handler: ScheduledHandler, now: datetime) -> dict[str, Any]:
        rule = f"{self._app_name}-{self._stage}-{handler.name}"
        event = scheduled_event(rule, self._region, now)
        request_id = str(uuid.uuid4())
        context = self._context_class(request_id, rule, self._timeout)
        started = time.perf_counter()
        result: dict[str, Any] = {
            "name": handler.name,
            "handler": handler.handler_string,
            "schedule": handler.expression,
            "request_id": request_id,
        }
        try:
            handler.function(event, context)
            result["ok"] = True
        except Exception as error:
            # A crashed invocation is logged like Lambda would, and the schedule goes on.
            result["ok"] = False
            result["error"] = f"{type(error).__name__}: {error}"
            result["traceback"] = traceback.format_exc()
        result["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if self._workers is not None:
            handled = self._workers.take_results()
            if handled:
                result["workers"] = handled
        return result


def _print_json(line: dict[str, Any]) -> None:
    print(json.dumps(line, default=str), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between runs")
    parser.add_argument("--once", action="store_true", help="run every handler once and exit")
    parser.add_argument("--app", default="app:app", help="module:attribute of the Chalice app")
    parser.add_argument(
        "--only", action="append", default=None, help="run only this handler (repeatable)"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="emulated Lambda timeout in seconds"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("SCHEDULER_WORKERS") or DEFAULT_WORKERS),
        help="processes running the app's SQS handler (the due-date job's workers); "
        f"default SCHEDULER_WORKERS, else {DEFAULT_WORKERS}",
    )
    args = parser.parse_args(argv)
    if args.interval <= 0:
        parser.error("--interval must be positive")
    if args.workers < 1:
        parser.error("--workers must be at least 1")

    app, module = load_app(args.app)
    handlers = discover(app, module)
    if args.only:
        unknown = set(args.only) - {h.name for h in handlers}
        if unknown:
            parser.error(f"no scheduled handler named {sorted(unknown)}")
        handlers = [h for h in handlers if h.name in args.only]
    pool = start_workers(app, module, args.app, size=args.workers, timeout=args.timeout)
    scheduler = Scheduler(
        app, handlers, interval=args.interval, timeout_seconds=args.timeout, workers=pool
    )
    try:
        return _serve(scheduler, once=args.once, interval=args.interval)
    finally:
        if pool is not None:
            pool.close()


def start_workers(
    app: Any, app_module: ModuleType, app_spec: str, *, size: int, timeout: float
) -> Any:
    """A process pool for the app's SQS handler, installed as the due-date job's
    dispatcher (``None`` when the app has no SQS handler)."""
    from local import worker_pool

    queue_handlers = worker_pool.discover(app, app_module)
    if not queue_handlers:
        return None
    if len(queue_handlers) > 1:
        raise SystemExit(f"one SQS handler is supported here, not {len(queue_handlers)}")
    from chalicelib import fanout

    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    pool = worker_pool.WorkerPool(
        queue_handlers[0], app_spec=app_spec, size=size, region=region, timeout_seconds=timeout
    )
    fanout.use(pool)
    return pool


def _serve(scheduler: Scheduler, *, once: bool, interval: float) -> int:
    if once:
        results = scheduler.run_once()
        return 0 if all(r["ok"] for r in results) else 1

    def _stop(signum: int, frame: FrameType | None) -> None:
        scheduler.stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    names = scheduler.handler_names
    _print_json(
        {
            "time": datetime.now(UTC).isoformat(),
            "level": "INFO",
            "logger": "taskapp.scheduler",
            "message": "scheduler started" if names else "scheduler started, nothing to run",
            "interval_s": interval,
            "handlers": names,
        }
    )
    scheduler.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
