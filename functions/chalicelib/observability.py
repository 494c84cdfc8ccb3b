"""Logs, metrics and traces on AWS (Powertools for AWS Lambda), switched on by configuration.

``TASKAPP_OBSERVABILITY`` lists what is on: ``logs``, ``metrics``, ``traces`` (or ``all``).
Unset, as in the local stacks and the tests, everything is off and Powertools is never
imported: the logs are :mod:`taskcore.logs`' JSON lines and nothing else is emitted. The
AWS stages turn all three on (functions/.chalice/config.json); locally they print to
stdout like on Lambda (the tracer stays off outside Lambda by itself).

* **logs**: Powertools' Logger formats every record of the process, adding the Lambda
  context (function, memory, ARN, Lambda request id, cold start), ``correlation_id`` (our
  request id, the ``X-Request-Id`` the client sees; the event id for the job) and the
  X-Ray trace id. Secrets are redacted as before.
* **metrics**: one CloudWatch EMF line per request and per job run (CloudWatch Logs turns
  them into metrics: no ``PutMetricData`` call, no extra permission), namespace
  ``POWERTOOLS_METRICS_NAMESPACE``, dimension ``service`` (``POWERTOOLS_SERVICE_NAME``):
  ``Requests``, ``DynamoDBCalls``, ``CacheHits``, ``CacheMisses`` per request and
  ``Errors`` by problem ``code``; ``NotificationsDelivered``, ``RemindersExamined``,
  ``JobDynamoDBCalls`` and ``JobLagSeconds`` per job run.
* **traces**: Powertools' Tracer (X-Ray): a segment per invocation, a subsegment per AWS
  call, annotations ``route``, ``status``, ``code`` and ``request_id``.

A process serves one request or job run at a time (Lambda; the container's gateway holds a
lock around the app), so the per-request state below is this process's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskcore.logs import configure_logging, json_formatter

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer

    from taskcore.bootstrap import Usage

log = logging.getLogger(__name__)
SWITCH_VARIABLE = "TASKAPP_OBSERVABILITY"
FEATURES = ("logs", "metrics", "traces")
DEFAULT_SERVICE = "task-management-backend"
DEFAULT_NAMESPACE = "TaskApp"

Middleware = Callable[[Any, Callable[[Any], Any]], Any]


@dataclass(frozen=True)
class Config:
    """What is switched on, and the names metrics and logs carry."""

    logs: bool = False
    metrics: bool = False
    traces: bool = False
    service: str = DEFAULT_SERVICE
    namespace: str = DEFAULT_NAMESPACE
    log_level: str = "INFO"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read ``TASKAPP_OBSERVABILITY``, ``POWERTOOLS_SERVICE_NAME``,
        ``POWERTOOLS_METRICS_NAMESPACE`` and ``LOG_LEVEL``; an unknown word is refused."""
        environ = os.environ if environ is None else environ
        words = {w.strip().lower() for w in environ.get(SWITCH_VARIABLE, "").split(",")}
        words.discard("")
        if "all" in words:
            words = (words - {"all"}) | set(FEATURES)
        unknown = words - set(FEATURES)
        if unknown:
            raise ValueError(
                f"{SWITCH_VARIABLE}: unknown {sorted(unknown)}; use {', '.join(FEATURES)} or all"
            )
        return cls(
            logs="logs" in words,
            metrics="metrics" in words,
            traces="traces" in words,
            service=environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE,
            namespace=environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE,
            log_level=environ.get("LOG_LEVEL") or "INFO",
        )


class Observability:
    """The switched-on parts, each ``None`` when off (then every method does nothing)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.logger: Logger | None = None
        self.metrics: Metrics | None = None
        self.tracer: Tracer | None = None
        if not (config.logs or config.metrics or config.traces):
            return
        from chalicelib import powertools  # the one import of Powertools

        if config.logs:
            self.logger = powertools.build_logger(config.service, config.log_level)
        if config.metrics:
            self.metrics = powertools.build_metrics(config.namespace, config.service)
        if config.traces:
            self.tracer = powertools.build_tracer(config.service)

    def lambda_middlewares(self) -> list[Middleware]:
        """Chalice middleware for every event type, outermost first (register them before
        any other): Lambda context in the logs, one trace segment per invocation."""
        if self.logger is None and self.tracer is None:
            return []
        from chalicelib import powertools

        return powertools.lambda_middlewares(self.logger, self.tracer)

    @property
    def measuring(self) -> bool:
        """Whether requests are measured (metrics on): only then are the store counters
        read around each one."""
        return self.metrics is not None

    def correlated(self, correlation_id: str) -> AbstractContextManager[None]:
        """Every log line and the trace of the block carry ``correlation_id``. With logs
        and traces off (off AWS) there is nothing to enter: the per-request path of
        ``/v1/health`` stays as short as it can (DESIGN §6)."""
        if self.logger is None and self.tracer is None:
            return _NOTHING
        return self._correlated(correlation_id)

    @contextmanager
    def _correlated(self, correlation_id: str) -> Iterator[None]:
        if self.logger is not None:
            self.logger.set_correlation_id(correlation_id)
        if self.tracer is not None:
            self.tracer.put_annotation("request_id", correlation_id)
        try:
            yield
        finally:
            if self.logger is not None:
                self.logger.set_correlation_id(None)

    def request_done(
        self,
        *,
        route: str,
        status: int,
        code: str | None,
        before: Usage | None,
        after: Usage | None,
    ) -> None:
        """Measure and annotate one answered request; ``code`` is the problem's, for an
        error reply; ``before``/``after`` read the process's store counters."""
        if self.tracer is not None:
            self.tracer.put_annotation("route", route)
            self.tracer.put_annotation("status", str(status))
            if code is not None:
                self.tracer.put_annotation("code", code)
        if self.metrics is None:
            return
        from chalicelib import powertools

        calls, hits, misses = _spent(before, after)
        with _never_failing("request metrics"):
            powertools.emit(
                self.metrics,
                counts={"Requests": 1, "DynamoDBCalls": calls, "CacheHits": hits,
                        "CacheMisses": misses},
                metadata={"route": route, "status": status},
            )  # fmt: skip
            if code is not None:
                powertools.emit_error(self.config.namespace, self.config.service, code)

    def job_done(
        self,
        *,
        delivered: int,
        examined: int,
        lag_seconds: float,
        before: Usage | None,
        after: Usage | None,
    ) -> None:
        """Measure one run of the due-date job."""
        if self.metrics is None:
            return
        from chalicelib import powertools

        calls, _, _ = _spent(before, after)
        with _never_failing("job metrics"):
            powertools.emit(
                self.metrics,
                counts={"NotificationsDelivered": delivered, "RemindersExamined": examined,
                        "JobDynamoDBCalls": calls},
                seconds={"JobLagSeconds": lag_seconds},
            )  # fmt: skip


_NOTHING: AbstractContextManager[None] = nullcontext()


@contextmanager
def _never_failing(what: str) -> Iterator[None]:
    """Measuring must not fail the request or the job it measures: an error is logged."""
    try:
        yield
    except Exception:
        log.warning("%s not emitted", what, exc_info=True)


def _spent(before: Usage | None, after: Usage | None) -> tuple[int, int, int]:
    """DynamoDB calls, cache hits and misses between two readings; a process that had no
    stores yet (bootstrapped during the request, or never) had spent nothing."""
    if after is None:
        return 0, 0, 0
    if before is not None:
        after = after.since(before)
    return after.dynamodb_calls, after.cache_hits, after.cache_misses


_current = Observability(Config())


def current() -> Observability:
    """This process's observability (everything off until :func:`configure`)."""
    return _current


def configure(config: Config) -> Observability:
    """Set up this process's logging and switch on what ``config`` says (app.py, once;
    tests). With logs off the log lines are :func:`taskcore.logs.json_formatter`'s."""
    global _current
    if not config.logs:
        configure_logging(config.log_level, json_formatter())
    _current = Observability(config)
    return _current
