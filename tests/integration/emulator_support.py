"""Tables and state dumps shared by the emulator's tests (local/dynamodb_emulator.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import dynamodb_emulator as emulator


def client() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def create_indexed_table(ddb: Any, *, name: str | None = None) -> str:
    """A table shaped like the tasks table: hash + range, a sparse LSI of each projection
    kind, and a sparse GSI with a numeric range key; TTL enabled."""
    name = name or f"emu-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "ls", "AttributeType": "S"},
            {"AttributeName": "lk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "gs", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_ls",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "ls", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "by_lk",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            },
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "gs", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    return name


def create_hash_table(ddb: Any, *, name: str | None = None) -> str:
    """A table with a hash key only (like the users table)."""
    name = name or f"emu-h-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    return name


def _pages(ddb: Any, **request: Any) -> list[dict[str, Any]]:
    pages = []
    while True:
        page = ddb.scan(**request) if "KeyConditionExpression" not in request else None
        if page is None:
            page = ddb.query(**request)
        pages.append({k: v for k, v in page.items() if k != "ResponseMetadata"})
        if "LastEvaluatedKey" not in page:
            return pages
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def dump_state(ddb: Any, tables: list[str]) -> str:
    """Everything observable of the tables, as canonical JSON: description (keys,
    indexes, item count), TTL, full scans of the table and of each index, index queries
    for every partition, and moto's own item store (empty partitions left out)."""
    state: dict[str, Any] = {}
    for name in tables:
        description = ddb.describe_table(TableName=name)["Table"]
        description.pop("CreationDateTime", None)
        entry: dict[str, Any] = {
            "describe": description,
            "ttl": ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
            "scan": _pages(ddb, TableName=name, ConsistentRead=True),
        }
        hash_values = {
            json.dumps(item["pk"], sort_keys=True)
            for page in entry["scan"]
            for item in page.get("Items", [])
        }
        for index in description.get("LocalSecondaryIndexes", []) + description.get(
            "GlobalSecondaryIndexes", []
        ):
            entry[f"scan:{index['IndexName']}"] = _pages(
                ddb, TableName=name, IndexName=index["IndexName"]
            )
        for index in description.get("LocalSecondaryIndexes", []):
            for value in sorted(hash_values):
                entry[f"query:{index['IndexName']}:{value}"] = _pages(
                    ddb,
                    TableName=name,
                    IndexName=index["IndexName"],
                    KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": json.loads(value)},
                    Limit=3,
                )
        entry["store"] = _store(name)
        state[name] = entry
    return json.dumps(state, sort_keys=True, default=str)


def _store(name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"]["us-east-1"].tables[name]
    if table.range_key_attr is None:
        return sorted(
            json.dumps(item.to_json(), sort_keys=True, default=repr)
            for item in table.items.values()
        )
    return {
        str(hash_key.value): sorted(
            json.dumps(item.to_json(), sort_keys=True, default=repr) for item in partition.values()
        )
        for hash_key, partition in table.items.items()
        if partition
    }


@contextmanager
def moto_queries() -> Iterator[None]:
    """moto's own Query and response encoding, with the write hooks (and so the
    maintained indexes) left in place."""
    from moto.dynamodb import responses
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    assert emulator.fast_paths_installed()
    fast = Table.query, DynamoHandler.serialized, responses.dynamo_to_dict
    Table.query = emulator._originals["query"]
    DynamoHandler.serialized = emulator._originals["serialized"]
    responses.dynamo_to_dict = emulator._originals["dynamo_to_dict"]
    try:
        yield
    finally:
        Table.query, DynamoHandler.serialized, responses.dynamo_to_dict = fast
