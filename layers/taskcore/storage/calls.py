"""Counting DynamoDB requests and items read, through botocore's event hooks.

Tests assert the per-operation budgets of DESIGN.md section 4 with this counter, and the
benchmarks print the same figures. Measurements can also have it charge every request's
capacity units to the partitions they land on (:meth:`DynamoCallCounter.measure_units`,
:mod:`taskcore.storage.metering`): bench/scale prices the operations and models the
hottest partition keys with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from pynamodb.models import Model

from taskcore.storage.metering import ImageReader, UnitMeter
from taskcore.storage.units import Charge, TableShape


@dataclass
class DynamoCallCounter:
    """Counts requests by operation name, the items they read and the items they write
    (a transaction's actions, a batch's requests)."""

    calls: Counter[str] = field(default_factory=Counter)
    by_table: Counter[tuple[str, str]] = field(default_factory=Counter)
    items_read: int = 0
    items_written: int = 0
    _emitters: list[Any] = field(default_factory=list)
    _meter: UnitMeter | None = None

    def measure_units(self, shapes: Mapping[str, TableShape], images: ImageReader) -> None:
        """Also charge each request's capacity units (see :attr:`charges`); ``images``
        reads an item's current image without being counted (a client of its own)."""
        self._meter = UnitMeter(shapes, images)

    @property
    def charges(self) -> list[Charge]:
        """The units charged since the last :meth:`reset`, item by item (empty unless
        :meth:`measure_units` was called)."""
        return self._meter.charges if self._meter is not None else []

    def units(self, kind: str) -> float:
        """All ``"read"`` or ``"write"`` units charged since the last :meth:`reset`."""
        return sum(c.units for c in self.charges if c.kind == kind)

    def attach(self, models: tuple[type[Model], ...], connection: Connection) -> None:
        """Start counting the requests of these models and of this connection."""
        clients = [m._get_connection().connection.client for m in models]
        clients.append(connection.client)
        self._register([c.meta.events for c in clients])

    def attach_before_use(self, models: tuple[type[Model], ...], connection: Connection) -> None:
        """Like :meth:`attach`, for connections that have not created their botocore
        clients yet (a process's bootstrap): the hooks go on their botocore sessions, which
        copy them into each client they create later. Creating every client now instead
        would cost most of a second of a cold start. The sessions are the calling
        thread's, so the clients must be created on it (Lambda has one thread)."""
        connections = [m._get_connection().connection for m in models]
        connections.append(connection)
        self._register([c.session for c in connections])

    def _register(self, emitters: list[Any]) -> None:
        for emitter in {id(e): e for e in emitters}.values():
            emitter.register("before-parameter-build.dynamodb", self._on_request)
            emitter.register("after-call.dynamodb", self._on_call)
            self._emitters.append(emitter)

    def detach(self) -> None:
        """Stop counting."""
        for emitter in self._emitters:
            emitter.unregister("before-parameter-build.dynamodb", self._on_request)
            emitter.unregister("after-call.dynamodb", self._on_call)
        self._emitters.clear()

    def reset(self) -> None:
        """Forget what was counted so far."""
        self.calls.clear()
        self.by_table.clear()
        self.items_read = 0
        self.items_written = 0
        if self._meter is not None:
            self._meter.charges = []

    @property
    def total(self) -> int:
        """All requests counted."""
        return sum(self.calls.values())

    def on_table(self, table_suffix: str) -> Counter[str]:
        """Requests that touched a table whose name ends with ``table_suffix``."""
        counts: Counter[str] = Counter()
        for (operation, table), n in self.by_table.items():
            if table.endswith(table_suffix):
                counts[operation] += n
        return counts

    def _on_request(
        self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        self.calls[model.name] += 1
        self.items_written += _items_written(model.name, params)
        for table in _tables(params):
            self.by_table[(model.name, table)] += 1
        if self._meter is not None:
            self._meter.before(model.name, params, context)

    def _on_call(
        self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **kwargs: Any
    ) -> None:
        self.items_read += _items_read(model.name, parsed)
        if self._meter is not None:
            status = kwargs["http_response"].status_code
            self._meter.after(int(status), parsed, context)


def _tables(params: dict[str, Any]) -> set[str]:
    body = params
    if "TableName" in body:
        return {str(body["TableName"])}
    if "RequestItems" in body:
        return set(body["RequestItems"])
    names: set[str] = set()
    for item in body.get("TransactItems", []):
        for action in item.values():
            if isinstance(action, dict) and "TableName" in action:
                names.add(str(action["TableName"]))
    return names


def _items_written(operation: str, params: dict[str, Any]) -> int:
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1
    if operation == "TransactWriteItems":
        items = params.get("TransactItems", [])
        return sum(1 for item in items if "ConditionCheck" not in item)
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params.get("RequestItems", {}).values())
    return 0


def _items_read(operation: str, parsed: dict[str, Any]) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)))
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in parsed.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for r in parsed.get("Responses", []) if r.get("Item"))
    return 0
