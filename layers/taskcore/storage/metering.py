"""The capacity units of each DynamoDB request a process makes, partition by partition
(for :class:`taskcore.storage.calls.DynamoCallCounter`; the rules are in
:mod:`taskcore.storage.units`).

A write's units depend on the item before and after it, which the request does not hold
(an ``UpdateItem`` names attributes, not the item): the meter reads each written item's
image just before the request and again after it, through ``images``, a reader that is
not itself metered. That doubles the requests, so it is for measurements (bench/scale),
never for serving. A request that fails (a condition not met, a transaction cancelled) is
not charged here, although DynamoDB charges its writes too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from taskcore.storage.units import (
    Charge,
    Item,
    TableShape,
    item_size,
    read_units,
    write_charges,
)

ImageReader = Callable[[str, Mapping[str, Any]], Item | None]
_PENDING = "taskcore_unit_meter"  # where a request's before-images wait for its reply
_EQUALS = re.compile(r"(#\w+)\s*=\s*(:\w+)")


def image_reader(region: str, endpoint_url: str | None = None) -> ImageReader:
    """An :data:`ImageReader` over a DynamoDB client of its own (strongly consistent
    ``GetItem``; no counter is attached to it)."""
    import boto3  # measurements only: not on any request path

    client = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url)

    def read(table: str, key: Mapping[str, Any]) -> Item | None:
        found: Item | None = client.get_item(
            TableName=table, Key=dict(key), ConsistentRead=True
        ).get("Item")
        return found

    return read


class UnitMeter:
    """Charges every metered request's units to the partitions they land on."""

    def __init__(self, shapes: Mapping[str, TableShape], images: ImageReader) -> None:
        self._shapes = shapes
        self._images = images
        self.charges: list[Charge] = []

    def before(self, operation: str, params: dict[str, Any], context: dict[str, Any]) -> None:
        """Remember the request and the images of the items it is about to write."""
        targets = _writes(operation, params, self._shapes)
        before = [self._images(table, key) for table, key, _ in targets]
        context[_PENDING] = (operation, params, targets, before)

    def after(self, status: int, parsed: dict[str, Any], context: dict[str, Any]) -> None:
        """Charge the request, if it succeeded."""
        pending = context.pop(_PENDING, None)
        if pending is None or status >= 300:
            return
        operation, params, targets, before = pending
        for (table, key, kind), old in zip(targets, before, strict=True):
            shape = self._shapes[table]
            if kind == "check":  # the item is read, not written: no index changes
                unchanged = TableShape(shape.name, shape.hash_key, shape.range_key, ())
                self.charges += write_charges(unchanged, old, old, transactional=True)
                continue
            new = self._images(table, key)
            self.charges += write_charges(shape, old, new, transactional=kind == "transaction")
        self.charges += self._reads(operation, params, parsed)

    def _reads(
        self, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> list[Charge]:
        if operation in ("Query", "Scan"):
            shape = self._shapes[params["TableName"]]
            index = params.get("IndexName")
            is_global = any(i.is_global for i in shape.indexes if i.name == index)
            consistent = bool(params.get("ConsistentRead")) and not is_global
            size = sum(item_size(item) for item in parsed.get("Items", []))
            units = read_units(size, consistent=consistent)
            return [Charge(shape.name, index, _partition(params), "read", units)]
        if operation == "GetItem":
            shape = self._shapes[params["TableName"]]
            size = item_size(parsed.get("Item") or {})
            units = read_units(size, consistent=bool(params.get("ConsistentRead")))
            hash_value = params["Key"][shape.hash_key]
            return [Charge(shape.name, None, _value(hash_value), "read", units)]
        if operation in ("BatchGetItem", "TransactGetItems"):
            return self._item_reads(operation, params, parsed)
        return []

    def _item_reads(
        self, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> list[Charge]:
        transactional = operation == "TransactGetItems"
        if transactional:
            gets = [entry["Get"] for entry in params.get("TransactItems", [])]
            found = [r.get("Item") for r in parsed.get("Responses", [])]
            pairs = list(zip(gets, found + [None] * (len(gets) - len(found)), strict=True))
            consistent = {get["TableName"]: True for get in gets}
        else:
            pairs = []
            consistent = {}
            for table, request in params.get("RequestItems", {}).items():
                consistent[table] = bool(request.get("ConsistentRead"))
                items = parsed.get("Responses", {}).get(table, [])
                pairs += [({"TableName": table, "Key": item}, item) for item in items]
        charges = []
        for get, item in pairs:
            shape = self._shapes[get["TableName"]]
            units = read_units(
                item_size(item or {}),
                consistent=consistent[get["TableName"]],
                transactional=transactional,
            )
            partition = _value(get["Key"][shape.hash_key])
            charges.append(Charge(shape.name, None, partition, "read", units))
        return charges


Target = tuple[str, dict[str, Any], str]  # table, key, "write" / "transaction" / "check"


def _writes(
    operation: str, params: dict[str, Any], shapes: Mapping[str, TableShape]
) -> list[Target]:
    """(table, key, how) of each item the request writes or checks."""
    if operation == "PutItem":
        table = params["TableName"]
        return [(table, shapes[table].key(params["Item"]), "write")]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"], "write")]
    found: list[Target] = []
    if operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            ((kind, action),) = entry.items()
            table = action["TableName"]
            key = shapes[table].key(action["Item"]) if kind == "Put" else action["Key"]
            found.append((table, key, "check" if kind == "ConditionCheck" else "transaction"))
    elif operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                put = request.get("PutRequest")
                key = shapes[table].key(put["Item"]) if put else request["DeleteRequest"]["Key"]
                found.append((table, key, "write"))
    return found


def _partition(params: dict[str, Any]) -> str:
    """The partition a ``Query`` reads: the value its key condition gives the hash key."""
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    expression = params.get("KeyConditionExpression", "")
    for name, value in _EQUALS.findall(expression):
        if name in names and value in values:
            return _value(values[value])  # the first equality is the partition's
    return "?"


def _value(attribute: Mapping[str, Any]) -> str:
    return str(next(iter(attribute.values())))
