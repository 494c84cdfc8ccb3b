"""The tables of infra/resources.yaml are exactly the tables the PynamoDB models create.

Both sets are created in moto, the template's from its CloudFormation properties and the
models' through the core's own ``create_tables``; then DynamoDB's descriptions of the two are
compared: keys, attribute types, local and global indexes with projections, billing, TTL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.package import YAMLTemplateSerializer
from moto import mock_aws

from taskcore.config import Settings
from taskcore.storage import ALL_MODELS, create_tables
from taskcore.storage.models import LOGICAL_NAMES

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
# CloudFormation table properties that are also CreateTable parameters, with the same shape
# (encryption and recovery are not part of what the models declare).
CREATE_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
)


def template_tables() -> list[dict[str, Any]]:
    text = (ROOT / "infra" / "resources.yaml").read_text()
    template = YAMLTemplateSerializer().load_template(text)
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    ]


def create_from_template(client: Any, prefix: str) -> None:
    for properties in template_tables():
        name = properties["TableName"]["Fn::Sub"].replace("${TablePrefix}", prefix)
        client.create_table(
            TableName=name, **{k: properties[k] for k in CREATE_TABLE_KEYS if k in properties}
        )
        if "TimeToLiveSpecification" in properties:
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification=properties["TimeToLiveSpecification"]
            )


def shape(client: Any, name: str) -> dict[str, Any]:
    """What must be equal between the two: everything but names, ARNs, sizes and dates."""
    table = client.describe_table(TableName=name)["Table"]
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]

    def indexes(kind: str) -> dict[str, Any]:
        return {
            index["IndexName"]: (index["KeySchema"], index["Projection"])
            for index in table.get(kind, [])
        }

    return {
        "key": table["KeySchema"],
        "attributes": sorted(
            (a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]
        ),
        "local_indexes": indexes("LocalSecondaryIndexes"),
        "global_indexes": indexes("GlobalSecondaryIndexes"),
        "billing": table.get("BillingModeSummary", {}).get("BillingMode"),
        "ttl": (ttl["TimeToLiveStatus"], ttl.get("AttributeName")),
    }


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB; the models' bindings are restored afterwards for other tests."""
    saved = [(m, m.Meta.table_name, m.Meta.region, m.Meta.host) for m in ALL_MODELS]
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)
    for model, table_name, region, host in saved:
        model.Meta.table_name, model.Meta.region, model.Meta.host = table_name, region, host
        model._connection = None


def test_template_tables_are_the_model_tables(dynamodb: Any) -> None:
    run = uuid.uuid4().hex[:6]
    from_template, from_models = f"tpl-{run}-", f"mdl-{run}-"
    create_from_template(dynamodb, from_template)
    create_tables(Settings(TABLE_PREFIX=from_models, AWS_DEFAULT_REGION=REGION))

    # Paged: other tests in this worker may have left tables in moto's backend, and a
    # page holds at most 100 names.
    pages = dynamodb.get_paginator("list_tables").paginate()
    names = [name for page in pages for name in page["TableNames"]]
    bases = set(LOGICAL_NAMES.values())
    assert {n.removeprefix(from_template) for n in names if n.startswith(from_template)} == bases
    assert {n.removeprefix(from_models) for n in names if n.startswith(from_models)} == bases
    for base in sorted(bases):
        assert shape(dynamodb, from_template + base) == shape(dynamodb, from_models + base), base

    # Not a comparison of two empty shapes.
    tasks = shape(dynamodb, from_template + "tasks")
    assert len(tasks["local_indexes"]) == 5
    assert list(tasks["global_indexes"]) == ["by_notify_bucket"]
    assert tasks["ttl"] == ("ENABLED", "expires_at")
    # v1.1: a list's tasks in any order, with manual order: five local indexes of its own.
    listed = shape(dynamodb, from_template + "list_index")
    assert set(listed["local_indexes"]) == {
        "by_position", "by_due", "by_status_due", "by_status_created", "by_updated"
    }
    assert listed["key"][0]["AttributeName"] == "list_id" and listed["ttl"][0] == "DISABLED"
