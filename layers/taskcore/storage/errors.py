"""Translating storage failures into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

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
    }
)


@contextmanager
def dynamo_unavailable_as_503() -> Iterator[None]:
    """Re-raise throttling, 5xx and connection failures as :class:`DependencyUnavailable`.

    Everything else (a bug, a bad request) propagates unchanged.
    """
    try:
        yield
    except PynamoDBException as exc:
        if is_transient(exc):
            raise DependencyUnavailable("The database is busy; retry shortly") from exc
        raise
    except (BotoCoreError, ClientError) as exc:
        if isinstance(exc, BotoCoreError) or _client_code(exc) in TRANSIENT_CODES:
            raise DependencyUnavailable("The database is unavailable; retry shortly") from exc
        raise


def is_transient(exc: PynamoDBException) -> bool:
    """True for a PynamoDB error caused by throttling, a 5xx or the network."""
    return exc.cause_response_code in TRANSIENT_CODES or isinstance(exc.cause, BotoCoreError)


def _client_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
