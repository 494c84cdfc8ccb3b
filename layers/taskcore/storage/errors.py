"""Translating storage failures into domain errors: the one place that decides which
DynamoDB failure is "the store is unavailable" (503 + Retry-After) and which is a bug.

Two shapes reach us: botocore's own exceptions (``ClientError`` for an answer with an
error code, a ``BotoCoreError`` for no usable answer at all) and PynamoDB's exceptions,
which wrap either of them in ``.cause``. PynamoDB's ``cause_response_code`` assumes the
cause has a ``response`` dict; botocore's ``ReadTimeoutError`` and
``ConnectionClosedError`` have ``response = None``, and reading the property raises
``AttributeError`` (which used to surface as a 500). Nothing here reads it: use
:func:`response_code` and :func:`is_condition_failed` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from pynamodb.exceptions import PynamoDBException, TableDoesNotExist

from taskcore.errors import DependencyUnavailable

# Codes that mean "try again later" once botocore's own retries are spent.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "LimitExceededException",
        # The table is not there: a store restarted without its data whose tables are
        # being created again (the native stack does that), or a deployment half done.
        # Not the client's fault and over once the table exists.
        "ResourceNotFoundException",
    }
)

# No usable answer from the store: it is down, unreachable, stalled or cut the
# connection. Named for the reader; the base classes make the check cover their kin
# (ProxyConnectionError, ReadTimeoutError's urllib3 siblings, ...).
NETWORK_ERRORS: tuple[type[BotoCoreError], ...] = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    BotoConnectionError,
    HTTPClientError,
)

# Retry-After of a 503 for an unavailable store: long enough not to pile up retries on a
# store that is down, short enough for a client to come back right after a blip.
RETRY_AFTER_SECONDS = 1


@contextmanager
def dynamo_unavailable_as_503() -> Iterator[None]:
    """Re-raise throttling, 5xx and connection failures as :class:`DependencyUnavailable`.

    Everything else (a bug, a bad request, a failed condition) propagates unchanged.
    """
    try:
        yield
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        if is_unavailable(exc):
            raise DependencyUnavailable(
                "The database is unavailable; retry shortly", retry_after=RETRY_AFTER_SECONDS
            ) from exc
        raise


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (botocore's or PynamoDB's wrapping of it) means the store could
    not answer: throttling or a 5xx after retries, or no answer at all."""
    if isinstance(exc, TableDoesNotExist):
        return True
    cause = exc.cause if isinstance(exc, PynamoDBException) else exc
    if isinstance(cause, NETWORK_ERRORS):
        return True
    if isinstance(cause, BotoCoreError):
        # Any other client-side failure to get an answer (e.g. an unparseable reply
        # from a half-dead endpoint) is the store's too.
        return True
    return response_code(exc) in TRANSIENT_CODES


def response_code(exc: BaseException) -> str | None:
    """DynamoDB's error code behind ``exc``, or ``None`` when there was no answer.

    Safe for every cause, unlike PynamoDB's ``cause_response_code``.
    """
    cause = exc.cause if isinstance(exc, PynamoDBException) else exc
    response = getattr(cause, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    if not isinstance(error, dict):
        return None
    code = error.get("Code")
    return str(code) if code is not None else None


def is_condition_failed(exc: BaseException) -> bool:
    """True when a single-item write was refused by its condition."""
    return response_code(exc) == "ConditionalCheckFailedException"
