"""Idempotency records: one item per (user, key) in the ``auth`` table.

``pk = IDEM#<user id>#<sha256 of the key>``; ``payload`` holds the request fingerprint,
the id reserved for the resource and, once the first request finished, its result.
``expires_at`` is both the TTL and the record's logical end: a short lease while the
first request runs, 24 hours once its reply is stored. Records past it are treated as
absent (DynamoDB's TTL deletes them lazily, up to days later).

The claim is a single conditional ``PutItem`` that also returns what it found, whether
it won (``ReturnValues``) or lost (``ReturnValuesOnConditionCheckFailure``), so neither
the first request nor a replay needs a separate read. PynamoDB's ``Connection.put_item``
drops the item a failed condition returns, so the claim goes through the botocore client
of the same connection (same retries, same call counting).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.connection import Connection

from taskcore.clock import epoch_seconds, format_instant
from taskcore.services.ports import Claim, IdempotencyRecord, IdempotencyStore
from taskcore.storage.errors import dynamo_unavailable_as_503
from taskcore.storage.models import AuthModel

_CLAIM_CONDITION = "attribute_not_exists(pk) OR expires_at <= :now"


def idempotency_key(user_id: str, key: str) -> str:
    """Partition key of a user's idempotency record (the key itself is not stored)."""
    return f"IDEM#{user_id}#{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


class IdempotencyRepository(IdempotencyStore):
    """Claims keys, stores results, reads records (the services'
    :class:`IdempotencyStore`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim(
        self, user_id: str, key: str, record: IdempotencyRecord, now: datetime, until: datetime
    ) -> Claim:
        """Take the key unless a live record holds it: one conditional ``PutItem``."""
        pk = idempotency_key(user_id, key)
        try:
            with dynamo_unavailable_as_503():
                response = self._connection.client.put_item(
                    TableName=AuthModel.Meta.table_name,
                    Item=_item(pk, user_id, record, now, until),
                    ConditionExpression=_CLAIM_CONDITION,
                    ExpressionAttributeValues={":now": {"N": str(epoch_seconds(now))}},
                    ReturnValues="ALL_OLD",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return Claim(won=False, found=_record(exc.response.get("Item")))
        return Claim(won=True, found=_record(response.get("Attributes")))

    def put(
        self, user_id: str, key: str, record: IdempotencyRecord, now: datetime, until: datetime
    ) -> None:
        """Overwrite the record (by its owner): one ``PutItem``."""
        pk = idempotency_key(user_id, key)
        with dynamo_unavailable_as_503():
            self._connection.client.put_item(
                TableName=AuthModel.Meta.table_name, Item=_item(pk, user_id, record, now, until)
            )

    def get(self, user_id: str, key: str, now: datetime) -> IdempotencyRecord | None:
        """The live record, read consistently, or ``None``: one ``GetItem``."""
        pk = idempotency_key(user_id, key)
        with dynamo_unavailable_as_503():
            response = self._connection.client.get_item(
                TableName=AuthModel.Meta.table_name, Key={"pk": {"S": pk}}, ConsistentRead=True
            )
        item = response.get("Item")
        if item is None or int(item["expires_at"]["N"]) <= epoch_seconds(now):
            return None
        return _record(item)


def _item(
    pk: str, user_id: str, record: IdempotencyRecord, now: datetime, until: datetime
) -> dict[str, Any]:
    payload = {
        "request": record.request_hash,
        "resource": record.resource_id,
        "result": record.result,
    }
    model = AuthModel(
        pk,
        user_id=user_id,
        payload=json.dumps(payload, separators=(",", ":")),
        created_at=format_instant(now),
        expires_at=until,
    )
    item: dict[str, Any] = model.serialize()
    return item


def _record(item: dict[str, Any] | None) -> IdempotencyRecord | None:
    if not item or "payload" not in item:
        return None
    payload = json.loads(item["payload"]["S"])
    result = payload.get("result")
    return IdempotencyRecord(
        request_hash=str(payload["request"]),
        resource_id=str(payload["resource"]),
        result=result if isinstance(result, dict) else None,
    )
