"""Powertools for AWS Lambda, built for this app: the only module that imports it.

:mod:`chalicelib.observability` imports this module only when logs, metrics or traces are
switched on, so a process with everything off never loads Powertools (nor the X-Ray SDK).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.logging.filters import SuppressFilter
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord
from aws_lambda_powertools.metrics import MetricUnit
from chalice import ConvertToMiddleware

from taskcore.logs import configure_logging, redact_fields

Middleware = Callable[[Any, Callable[[Any], Any]], Any]
COUNT = MetricUnit.Count
SECONDS = MetricUnit.Seconds


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, with secrets masked as :mod:`taskcore.logs` masks them.

    Redaction runs on the finished record, after Powertools has decoded a JSON message into
    a dict and added the exception text, so neither can carry a secret out.
    """

    def serialize(self, log: LogRecord) -> str:
        """The record as one JSON line, redacted, with the emitting logger under ``logger``
        (the key our own formatter uses, so log queries read the same on AWS and off it)."""
        record = dict(log)
        if "name" in record:
            record["logger"] = record.pop("name")
        return super().serialize(redact_fields(record))


def build_logger(service: str, level: str) -> Logger:
    """Powertools' Logger, formatting every record of the process (the root handler's
    formatter is its formatter, so the keys it appends reach every module's logger)."""
    formatter = RedactingFormatter(utc=True, use_rfc3339=True, name="%(name)s")
    logger = Logger(service=service, level=level, logger_formatter=formatter)
    # Nothing logs through the service logger itself; kept from the root so that a record
    # of it is never written twice.
    logging.getLogger(service).propagate = False
    # The registered formatter is where the keys go. A second Logger of the same service
    # (a test configuring again) is "preconfigured": it takes the first handler of the
    # service's logging.Logger, which is Chalice's own (the app logger has the service's
    # name), with a plain formatter. Give that handler ours, with the service key.
    if not isinstance(logger.registered_formatter, LambdaPowertoolsFormatter):
        logger.registered_handler.setFormatter(formatter)
        logger.append_keys(service=service)
    configure_logging(level, logger.registered_formatter)
    # Powertools filters records of loggers whose names contain the service name out of
    # the root's handlers (its de-duplication); ours must keep every record.
    for handler in logging.getLogger().handlers:
        for found in [f for f in handler.filters if isinstance(f, SuppressFilter)]:
            handler.removeFilter(found)
    return logger


def build_metrics(namespace: str, service: str) -> Metrics:
    """Powertools' Metrics: CloudWatch EMF lines on stdout, with a ``service`` dimension."""
    return Metrics(namespace=namespace, service=service)


def build_tracer(service: str) -> Tracer:
    """Powertools' Tracer with botocore patched, so every DynamoDB, SSM and Secrets
    Manager call is a subsegment (outside Lambda it disables itself)."""
    return Tracer(service=service, patch_modules=["botocore"])


def lambda_middlewares(logger: Logger | None, tracer: Tracer | None) -> list[Middleware]:
    """Powertools' handler decorators as Chalice middleware, for every event type: the
    Lambda context in every log line, one trace segment per invocation. Neither logs the
    event nor records the response (they hold tokens)."""
    middlewares: list[Middleware] = []
    if logger is not None:
        middlewares.append(ConvertToMiddleware(logger.inject_lambda_context(log_event=False)))
    if tracer is not None:
        wrapper = tracer.capture_lambda_handler(capture_response=False)
        middlewares.append(ConvertToMiddleware(wrapper))
    return middlewares


def emit(
    metrics: Metrics,
    *,
    counts: dict[str, float],
    seconds: dict[str, float] | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Publish ``counts`` and ``seconds`` (metric name -> value) as one EMF line, with
    ``metadata`` as properties (searchable in Logs Insights, not dimensions)."""
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=COUNT, value=value)
    for name, value in (seconds or {}).items():
        metrics.add_metric(name=name, unit=SECONDS, value=value)
    for key, value in (metadata or {}).items():
        metrics.add_metadata(key=key, value=value)
    metrics.flush_metrics()


def emit_error(namespace: str, service: str, code: str) -> None:
    """One ``Errors`` count with the problem's ``code`` as a dimension of its own (the
    request's other metrics have only ``service``)."""
    with single_metric(
        name="Errors",
        unit=COUNT,
        value=1,
        namespace=namespace,
        default_dimensions={"service": service},
    ) as metric:
        metric.add_dimension(name="code", value=code)
