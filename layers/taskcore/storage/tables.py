"""Binding the models to physical tables, and creating those tables idempotently."""

from __future__ import annotations

import logging
from datetime import timedelta

from pynamodb.connection import Connection
from pynamodb.models import Model

from taskcore.config import Settings
from taskcore.storage.models import (
    ALL_MODELS,
    CONNECT_TIMEOUT_SECONDS,
    LOGICAL_NAMES,
    READ_TIMEOUT_SECONDS,
    RETRY_ATTEMPTS,
)

log = logging.getLogger(__name__)

# Attribute name of the TTL attribute of each table that has one.
TTL_ATTRIBUTES: dict[str, str] = {
    "tasks": "expires_at",
    "notifications": "expires_at",
    "auth": "expires_at",
    "outbox": "expires_at",
}


def bind(settings: Settings) -> Connection:
    """Point every model at this deployment's tables and endpoint.

    Returns a connection to the same endpoint, for transactions.
    """
    for model in ALL_MODELS:
        model.Meta.table_name = settings.table_name(LOGICAL_NAMES[model])
        model.Meta.region = settings.aws_region
        model.Meta.host = settings.dynamodb_endpoint_url
        model._connection = None  # drop a connection cached for an earlier binding
    return Connection(
        region=settings.aws_region,
        host=settings.dynamodb_endpoint_url,
        max_retry_attempts=RETRY_ATTEMPTS,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
    )


def create_tables(settings: Settings, *, wait: bool = True) -> list[str]:
    """Create every missing table (with its indexes and TTL). Returns the names created."""
    bind(settings)
    created: list[str] = []
    for model in ALL_MODELS:
        if model.exists():
            continue
        model.create_table(billing_mode="PAY_PER_REQUEST", wait=wait)
        _enable_ttl(model)
        created.append(model.Meta.table_name)
        log.info("created table", extra={"table": model.Meta.table_name})
    return created


def delete_tables(settings: Settings) -> None:
    """Delete every table of this deployment (tests and local resets only)."""
    bind(settings)
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()


def _enable_ttl(model: type[Model]) -> None:
    attribute = TTL_ATTRIBUTES.get(LOGICAL_NAMES[model])
    if attribute is None:
        return
    client = model._get_connection().connection.client
    client.update_time_to_live(
        TableName=model.Meta.table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


NOTIFICATION_RETENTION = timedelta(days=30)
