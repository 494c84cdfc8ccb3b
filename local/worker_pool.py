"""Local stand-in for an SQS queue and the Lambda function it triggers: a process pool
that runs the app's ``@app.on_sqs_message`` handler.

On AWS the due-date job's coordinator sends one message per group of shards to
``DueDateWorkQueue`` and Lambda runs the worker function once per message, in parallel
(functions/chalicelib/fanout.py). The local scheduler (local/scheduler.py) installs a
:class:`WorkerPool` as the coordinator's dispatcher instead: each message becomes the
event SQS would deliver, and a pool process calls the handler Lambda would (resolved from
its handler string), with a Lambda context. The pool's processes start once and stay,
like warm Lambda instances; each builds its own dependencies on first use.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
ACCOUNT_ID = "000000000000"  # what moto and the local stacks use; never a real account


@dataclass(frozen=True)
class QueueHandler:
    """One SQS-triggered Lambda function of the app."""

    name: str
    handler_string: str
    queue: str


def discover(app: Any, app_module: ModuleType) -> list[QueueHandler]:
    """The app's ``@app.on_sqs_message`` handlers."""
    from chalice.app import SQSEventConfig

    del app_module  # resolved in the pool's processes, from the handler string
    return [
        QueueHandler(source.name, source.handler_string, source.queue or "")
        for source in app.event_sources
        if isinstance(source, SQSEventConfig)
    ]


def sqs_event(body: str, queue: str, region: str, now: float) -> dict[str, Any]:
    """An SQS event of one message, as Lambda's event source mapping delivers it."""
    sent = str(int(now * 1000))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": ACCOUNT_ID,
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{queue}",
                "awsRegion": region,
            }
        ]
    }


class WorkerPool:
    """Runs ``handler`` for each message in a pool of ``size`` processes (a
    ``fanout.Dispatcher``). :meth:`dispatch` returns when every message is handled and
    raises when one failed; :meth:`take_results` tells how each went."""

    def __init__(
        self,
        handler: QueueHandler,
        *,
        app_spec: str,
        size: int,
        region: str,
        timeout_seconds: float = 60.0,
    ) -> None:
        self.handler = handler
        self.size = size
        self._region = region
        self._timeout = timeout_seconds
        self._app_spec = app_spec
        self._pool = self._new_pool()
        self._results: list[dict[str, Any]] = []

    def _new_pool(self) -> ProcessPoolExecutor:
        # Fresh interpreters, not forks: the parent's DynamoDB and Redis clients (and
        # their sockets) must not be shared with the workers.
        return ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self._app_spec, self.handler.handler_string),
        )

    def dispatch(self, bodies: Sequence[str]) -> None:
        """Handle every message in the pool, in parallel; wait for all of them. A pool
        that lost a process (killed, out of memory) is broken for good: it is replaced,
        and the run fails, so that the next run (the shards' marks) does the work."""
        try:
            futures = [
                self._pool.submit(_invoke, body, self.handler, self._region, self._timeout)
                for body in bodies
            ]
            results = [future.result() for future in futures]
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            raise
        self._results.extend(results)
        failed = [r for r in results if not r["ok"]]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(results)} workers failed: {failed[0]}")

    def take_results(self) -> list[dict[str, Any]]:
        """The results of the messages handled since the last call."""
        taken, self._results = self._results, []
        return taken

    def close(self) -> None:
        """Stop the pool's processes (after the messages they are handling)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


_handler: Callable[[dict[str, Any], Any], Any] | None = None


def _start(app_spec: str, handler_string: str) -> None:
    """In each pool process: import the app and resolve the handler as Lambda would."""
    global _handler
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the scheduler stops the pool itself
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))
    module_name, _, attribute = app_spec.partition(":")
    app_module = importlib.import_module(module_name)
    handler_module, _, function = handler_string.rpartition(".")
    # Chalice names the app's own module "app", which is the module the app came from.
    module = app_module if handler_module == "app" else importlib.import_module(handler_module)
    _handler = getattr(module, function)
    getattr(app_module, attribute or "app")  # the app itself must be there too


def _invoke(body: str, handler: QueueHandler, region: str, timeout: float) -> dict[str, Any]:
    """In a pool process: one invocation with one message."""
    from gateway import lambda_context

    assert _handler is not None
    request_id = str(uuid.uuid4())
    context = lambda_context(request_id, handler.name, timeout)
    started = time.perf_counter()
    result: dict[str, Any] = {"request_id": request_id}
    try:
        result["result"] = _handler(sqs_event(body, handler.queue, region, time.time()), context)
        result["ok"] = True
    except Exception as error:
        result["ok"] = False
        result["error"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc()
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result
