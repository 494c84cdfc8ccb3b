"""moto's server as the local DynamoDB endpoint: safe for concurrent clients, fast, durable.

Run: ``python local/dynamodb_emulator.py -p PORT [-H HOST] [--state-file PATH]
[--snapshot-interval SECONDS]`` (other arguments go to ``moto_server``).

moto stays the engine; this module changes four things.

1. One request at a time. moto undoes a cancelled transaction by putting back copies of
   the tables it took when the transaction began; with several requests in flight that
   puts back a state from before another request's committed write, and the write is
   lost. So the emulator answers one DynamoDB request at a time. It also forgets the
   model objects moto remembers for its ``/moto-api`` page after each request (a leak).

2. Transactions in O(items touched). moto's ``transact_write_items`` deep-copies every
   table a transaction names before it starts, so each write costs time proportional to
   everything stored. The patch keeps an undo log instead: before an action runs, the
   item it is about to change (a reference for Put/Delete, which replace the object, a
   deep copy for Update, which edits it in place) and whether its partition existed. A
   cancelled transaction puts those back in reverse order. This is only safe because
   requests are serialised (1).

3. Queries in O(page). Profile of moto 5.2.5, ``cProfile`` of a 25-item list page and a
   5-match search for a user with 10,000 tasks (about 60,000 search entries), in process:
   ``Table.query`` calls ``all_items()``, which sorts *every item of the table* by
   ``(hash, range)``; each comparison goes through ``DynamoType.cast_value`` (a fresh
   ``Decimal`` or string per call, 1.2 million calls for one search); then it filters the
   partition, sorts it again by the index keys, walks it to skip up to
   ``ExclusiveStartKey``, and computes ``Item.size()`` of each candidate. That was 97% of
   the search's 1.9 s and 75% of the list page's 260 ms. Per returned item, the rest
   was: one deep copy of each returned item (``copy.deepcopy`` of the page, defensive:
   nothing downstream edits it), ``dynamo_to_dict`` and moto's shape-driven response
   serializer (``moto.core.serialize``) walking every attribute value, and
   ``Item.size()``. On the write side: moto's request parser walking the botocore shape
   of every attribute value, and ``Item.__init__``, quadratic in the attribute count
   (``LimitedSizeDict`` re-sums the sizes of all attributes set so far on each one).

   The patch keeps, per table, a sorted key list per partition of the table and of each
   local / global secondary index (sparse: an item is in an index only when it has the
   index's key attributes), maintained on every write path (``Table.put_item``,
   ``Table.delete_item``, ``update_item``'s in-place edit, transaction rollback). A key
   condition becomes two bisections; only the returned page is read, projected,
   filtered and encoded; ordering, ``ScanIndexForward``, ``ExclusiveStartKey``,
   ``Limit`` and ``LastEvaluatedKey`` follow moto's rules exactly (a differential test
   runs random operations against both). Anything unusual (legacy ``QueryFilter``,
   multi-attribute keys, a page near the 1 MB limit, mixed key types) falls back to
   moto's own query. The page is not deep-copied; item sizes are cached until the item
   changes; data-plane replies (Query, Scan, GetItem, BatchGetItem, writes) are encoded
   to JSON directly; ``dynamo_to_dict``, the AttributeValue request parser and
   ``Item.__init__`` get linear fast paths with moto's results (each tested against
   moto's own).

   ``python -m bench.store`` (in process; plain serialised moto measured with the machine
   at load average 6, so its figures are inflated perhaps 2x; the patched figures on a
   quiet machine, load average 1.5): create with 100 tasks stored 64 -> 13 ms, with
   10,100 stored 34,644 -> 17 ms; 25-item list page for a user with 10,000 tasks 589 ->
   3-4 ms inside the emulator; 5-match search at 10,000 tasks 8,635 -> 2.6-2.8 ms.
   ``--server`` (wall time through HTTP): create 25 ms at 100 and 23 ms at 10,100
   stored; list page 23 ms; search 22 ms.

4. Persistence (``--state-file``): the store is restored from a JSON snapshot at start
   and written atomically (temp file in the same directory, fsync, ``os.replace``) every
   interval when something changed and on SIGTERM/SIGINT. Items are serialised
   incrementally (only the ones written since the last snapshot), under the request lock
   so the snapshot is consistent; the file is written outside it. An unreadable snapshot
   is moved aside to ``PATH.corrupt-<timestamp>`` (logged) and the store starts empty.
   For 70,000 items (26 MB): a snapshot after a few writes 0.2 s (a few ms under the
   lock), restore 8-9 s.

2 and 3 patch moto internals, so they are installed only on the moto versions they were
tested on (:data:`TESTED_MOTO_VERSIONS`); on any other version the emulator says so
loudly and runs plain serialised moto, which is slow but correct.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import copy
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("dynamodb_emulator")

# One emulator per process, whichever name imported it (``dynamodb_emulator`` with local/
# on the path, as tests do; ``local.dynamodb_emulator`` from the repository root, as
# bench/ does): a second copy would patch moto twice and keep its own state.
if __name__ != "__main__":
    _loaded = sys.modules.setdefault("dynamodb_emulator", sys.modules[__name__])
    if _loaded is not sys.modules[__name__]:
        sys.modules[__name__] = _loaded

# moto (major, minor) versions whose internals the fast paths were written against.
TESTED_MOTO_VERSIONS: frozenset[tuple[int, int]] = frozenset({(5, 2)})
# moto's Query page size limit, and a bound above any item's size (moto rejects items
# over 405,000 bytes): a page whose size gets within that of the limit falls back.
_RESULT_SIZE_LIMIT = 1_000_000
_MAX_ITEM_SIZE = 410_000
_READ_ACTIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "DescribeEndpoints",
        "DescribeLimits",
        "ListTagsOfResource",
        "ListBackups",
        "DescribeBackup",
    }
)

_lock = threading.RLock()
_installed = False
_writes = 0  # requests other than reads answered so far (snapshots compare it)
_originals: dict[str, Any] = {}  # what the fast paths replaced, to put back
_DynamoType: Any = None  # moto's classes, once the fast paths are installed
_LimitedSizeDict: Any = None
# Queries answered from the indexes, and handed to moto's own code (tests read these).
query_counts: dict[str, int] = {"indexed": 0, "moto": 0}


class _Fallback(Exception):
    """The fast path cannot answer this exactly: use moto's own code."""


# --------------------------------------------------------------------------------------
# Serialising requests, and the version guard


def serialise_dynamodb_requests(*, fast: bool = True) -> None:
    """Make moto's DynamoDB answer one request at a time (idempotent); with ``fast``,
    also install the undo-log transactions, indexed queries and direct JSON responses
    when the installed moto is a tested version."""
    global _installed
    if not _installed:
        from moto.core.model_instances import model_data
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.call_action
        tracked = model_data["dynamodb"]

        def call_action(self: Any) -> Any:
            global _writes
            with _lock:
                try:
                    return original(self)
                finally:
                    for model in tracked.values():
                        model.instances_tracked = []  # type: ignore[attr-defined]
                    if _action_of(self) not in _READ_ACTIONS:
                        _writes += 1

        DynamoHandler.call_action = call_action  # type: ignore[method-assign]
        _installed = True
    if fast:
        install_fast_paths()


def _action_of(handler: Any) -> str:
    headers = getattr(handler, "headers", None) or {}
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target") or ""
    return str(target).rpartition(".")[2]


def moto_version() -> tuple[int, int]:
    """The installed moto's (major, minor)."""
    from importlib.metadata import version

    major, minor, *_ = [*version("moto").split("."), "0", "0"][:3]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


def fast_paths_supported() -> bool:
    """Whether the installed moto is one the fast paths were tested on."""
    return moto_version() in TESTED_MOTO_VERSIONS


def fast_paths_installed() -> bool:
    """Whether the fast paths are in place."""
    return bool(_originals)


def install_fast_paths() -> bool:
    """Patch moto (idempotent). Refuses, with a warning, on an untested moto version:
    the emulator then runs plain serialised moto. Returns whether the patches are in."""
    if _originals:
        return True
    if not fast_paths_supported():
        tested = ", ".join(f"{a}.{b}" for a, b in sorted(TESTED_MOTO_VERSIONS))
        message = (
            f"dynamodb_emulator: moto {'.'.join(map(str, moto_version()))} is not a version "
            f"the fast paths were tested on ({tested}): running plain serialised moto "
            "(correct, but transactions and queries cost time proportional to the tables)"
        )
        log.warning(message)
        print(message, file=sys.stderr, flush=True)
        return False
    global _DynamoType, _LimitedSizeDict
    from moto.core.parse import BaseJSONParser
    from moto.dynamodb import responses
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    _DynamoType, _LimitedSizeDict = DynamoType, LimitedSizeDict
    _originals.update(
        {
            "transact_write_items": DynamoDBBackend.transact_write_items,
            "update_item": DynamoDBBackend.update_item,
            "put_item": Table.put_item,
            "delete_item": Table.delete_item,
            "query": Table.query,
            "serialized": DynamoHandler.serialized,
            "dynamo_to_dict": responses.dynamo_to_dict,  # type: ignore[attr-defined]
            "item_init": Item.__init__,
            "parse_structure": BaseJSONParser._parse_structure,
        }
    )
    BaseJSONParser._parse_structure = _parse_structure  # type: ignore[method-assign]
    Item.__init__ = _item_init  # type: ignore[method-assign]
    responses.dynamo_to_dict = _to_dict  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
    Table.put_item = _put_item  # type: ignore[method-assign]
    Table.delete_item = _delete_item  # type: ignore[method-assign]
    Table.query = _query  # type: ignore[method-assign]
    DynamoHandler.serialized = _serialized  # type: ignore[method-assign]
    return True


def remove_fast_paths() -> None:
    """Put moto's own methods back (tests compare both) and drop every table's index."""
    if not _originals:
        return
    from moto.core.parse import BaseJSONParser
    from moto.dynamodb import responses
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    Item.__init__ = _originals["item_init"]  # type: ignore[method-assign]
    BaseJSONParser._parse_structure = _originals["parse_structure"]  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _originals["transact_write_items"]  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _originals["update_item"]  # type: ignore[method-assign]
    Table.put_item = _originals["put_item"]  # type: ignore[method-assign]
    Table.delete_item = _originals["delete_item"]  # type: ignore[method-assign]
    Table.query = _originals["query"]  # type: ignore[method-assign]
    DynamoHandler.serialized = _originals["serialized"]  # type: ignore[method-assign]
    responses.dynamo_to_dict = _originals["dynamo_to_dict"]  # type: ignore[attr-defined]
    _originals.clear()
    for table in _all_tables():
        table.__dict__.pop("_emu_index", None)


def _all_tables() -> Iterator[Any]:
    from moto.dynamodb.models import dynamodb_backends

    for account in list(dynamodb_backends.keys()):
        for region in list(dynamodb_backends[account].keys()):
            yield from list(dynamodb_backends[account][region].tables.values())


# --------------------------------------------------------------------------------------
# Write hooks: every change of an item goes through _touched


def _touched(table: Any, hash_key: Any, range_key: Any) -> None:
    """The item at this key may have changed: update the table's index and journal."""
    index = table.__dict__.get("_emu_index")
    if index is not None:
        try:
            index.reindex(hash_key, range_key)
        except Exception:  # an index we cannot maintain is rebuilt on the next query
            log.exception("index of %s dropped", table.name)
            table.__dict__["_emu_index"] = None
    _journal.mark(table, hash_key, range_key)


def _put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    item = _originals["put_item"](self, item_attrs, *args, **kwargs)
    _touched(self, item.hash_key, item.range_key)
    return item


def _delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
    item = _originals["delete_item"](self, hash_key, range_key)
    _touched(self, hash_key, range_key)
    return item


def _update_item(self: Any, table_name: str, key: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return _originals["update_item"](self, table_name, key, *args, **kwargs)
    finally:  # it edits the item in place, possibly before failing
        table = self.tables.get(table_name)
        if table is not None:
            try:
                hash_key, range_key = _key_of(table, key)
            except Exception:
                table.__dict__["_emu_index"] = None
                _journal.forget(table)
            else:
                _touched(table, hash_key, range_key)


def _key_of(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _current(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The stored item at this key, or None (without creating an empty partition)."""
    partition = table.items.get(hash_key)
    if partition is None:
        return None
    if table.range_key_attr is None:
        return partition
    return partition.get(range_key)


def _item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """moto's ``Item.__init__`` in O(attributes): its ``LimitedSizeDict`` re-adds the size
    of every attribute already set each time one is added (quadratic); this keeps the
    running total and raises the same error at the same point."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.utilities import bytesize

    self.hash_key = hash_key
    self.range_key = range_key
    stored = _LimitedSizeDict.__new__(_LimitedSizeDict)
    dict.__init__(stored)
    total = 0
    for key, value in attrs.items():
        typed = _DynamoType(value)
        if key in stored:  # not from a dict, but keep moto's arithmetic if it happens
            return _originals["item_init"](self, hash_key, range_key, attrs)  # type: ignore[no-any-return]
        size = bytesize(key) + typed.size()
        if total + size > 405000:
            raise ItemSizeTooLarge
        dict.__setitem__(stored, key, typed)
        total += size
    self.attrs = stored
    return None


_ATTRIBUTE_VALUE_MEMBERS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
_attribute_value_shapes: dict[int, bool] = {}


def _parse_structure(self: Any, shape: Any, value: Any) -> Any:
    """moto's JSON request parser walks the botocore shape of every attribute value of a
    request; DynamoDB's AttributeValue is parsed directly (same result)."""
    known = _attribute_value_shapes.get(id(shape))
    if known is None:
        known = _attribute_value_shapes[id(shape)] = (
            shape.name == "AttributeValue"
            and not shape.is_document_type
            and set(shape.members) == _ATTRIBUTE_VALUE_MEMBERS
            and all(m.serialization.get("name", n) == n for n, m in shape.members.items())
        )
    if known:
        try:
            return _attribute_value(self, value)
        except _Fallback:
            pass
    return _originals["parse_structure"](self, shape, value)


def _attribute_value(parser: Any, value: Any) -> Any:
    if value is None:
        return None
    if type(value) is not dict or len(value) != 1:
        raise _Fallback("not a single-member map")
    ((name, raw),) = value.items()
    if raw is None or name not in _ATTRIBUTE_VALUE_MEMBERS:
        return {}
    if name in ("S", "N", "BOOL", "NULL"):
        return {name: raw}
    if name == "B":
        return {name: parser._blob_parser(raw)}
    return {name: _AV_CONTAINERS[name, type(raw)](parser, raw)}


def _no_container(parser: Any, raw: Any) -> Any:
    raise _Fallback("unexpected member value")


_AV_CONTAINERS: defaultdict[tuple[str, type], Callable[[Any, Any], Any]] = defaultdict(
    lambda: _no_container,
    {
        ("SS", list): lambda parser, raw: list(raw),
        ("NS", list): lambda parser, raw: list(raw),
        ("BS", list): lambda parser, raw: [parser._blob_parser(v) for v in raw],
        ("L", list): lambda parser, raw: [_attribute_value(parser, v) for v in raw],
        ("M", dict): lambda parser, raw: {k: _attribute_value(parser, v) for k, v in raw.items()},
    },
)


# --------------------------------------------------------------------------------------
# Transactions with an undo log


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2's ``transact_write_items``, undone by an undo log instead of table copies."""
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if _has_streams(self, transact_items):  # stream records are not in the undo log
        return _originals["transact_write_items"](self, transact_items)  # type: ignore[no-any-return]
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo: list[tuple[Any, Any, Any, Any, bool]] = []
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str, str, dict[str, Any] | None] | tuple[None, None, None]] = []
    for item in transact_items:
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            _transact_action(self, item, targets, undo)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _roll_back(undo)
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), getattr(e, "emu_item", None)))
        except Exception as e:
            errors.append((type(e).__name__, str(e), None))
    if any(code is not None for code, _, _ in errors):
        _roll_back(undo)
        raise TransactionCanceledException(errors)


def _has_streams(backend: Any, transact_items: list[dict[str, Any]]) -> bool:
    for item in transact_items:
        for op in item.values():
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is not None and table.stream_shard is not None:
                return True
    return False


def _transact_action(
    backend: Any,
    item: dict[str, Any],
    targets: set[tuple[str, str]],
    undo: list[tuple[Any, Any, Any, Any, bool]],
) -> None:
    """One action of a transaction (as moto does it), logging what it changes."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import ConditionalCheckFailed, MultipleTransactionsException

    op_type, op = next(iter(item.items()))
    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
        raise ValueError("Unsupported transaction operation")
    table_name = op["TableName"]
    if op_type == "Put":
        attrs = op["Item"]
        table = backend.get_table(table_name)
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
    else:
        key = op["Key"]
    target = (str(table_name), str(dict(sorted(key.items()))))
    if target in targets:
        raise MultipleTransactionsException()
    targets.add(target)
    existed = _partition_exists(backend, table_name, key)
    current = backend.get_item(table_name, key)
    names = op.get("ExpressionAttributeNames")
    values = op.get("ExpressionAttributeValues")
    condition = op.get("ConditionExpression")
    if condition is not None and not get_filter_expression(condition, names, values).expr(current):
        original_item = None
        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
            original_item = current.to_json()["Attributes"]
        failed = ConditionalCheckFailed(item=original_item)
        failed.emu_item = original_item  # type: ignore[attr-defined]
        raise failed
    if op_type == "ConditionCheck":
        return
    table = backend.get_table(table_name)
    hash_key, range_key = backend.get_keys_value(table, key)
    before = copy.deepcopy(current) if op_type == "Update" else current
    undo.append((table, hash_key, range_key, before, existed))
    expressions = {
        "condition_expression": condition,
        "expression_attribute_names": names,
        "expression_attribute_values": values,
    }
    if op_type == "Put":
        backend.put_item(table_name, op["Item"], **expressions)
    elif op_type == "Delete":
        backend.delete_item(table_name, key, **expressions)
    else:
        backend.update_item(
            table_name, key, update_expression=op["UpdateExpression"], **expressions
        )


def _partition_exists(backend: Any, table_name: str, key: dict[str, Any]) -> bool:
    """Whether the key's partition is in the table (moto's reads create empty ones)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = backend.tables.get(table_name)
    if table is None or table.range_key_attr is None or table.hash_key_attr not in key:
        return True
    try:
        return DynamoType(key[table.hash_key_attr]) in table.items
    except Exception:
        return True


def _roll_back(undo: list[tuple[Any, Any, Any, Any, bool]]) -> None:
    """Put back what each action found, last action first."""
    for table, hash_key, range_key, before, existed in reversed(undo):
        if table.range_key_attr is None:
            if before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before
        else:
            partition = table.items.get(hash_key)
            if before is None:
                if partition is not None:
                    partition.pop(range_key, None)
                    if not partition and not existed:
                        del table.items[hash_key]
            else:
                table.items[hash_key][range_key] = before
        _touched(table, hash_key, range_key)


# --------------------------------------------------------------------------------------
# Indexed queries


class _Spec:
    """How one index (or the table itself, ``name=None``) orders a partition."""

    __slots__ = ("hash_attr", "name", "range_attr", "table_hash", "table_range")

    def __init__(self, name: str | None, hash_attr: str, range_attr: str, table: Any) -> None:
        self.name = name
        self.hash_attr = hash_attr
        self.range_attr = range_attr
        self.table_hash = table.hash_key_attr
        self.table_range = table.range_key_attr

    def entry(self, item: Any) -> tuple[Any, tuple[Any, ...]] | None:
        """(partition key, sort key) of the item in this index, None when absent."""
        attrs = item.attrs
        if self.name is None:
            return item.hash_key, (item.range_key.cast_value,)
        hash_value = attrs.get(self.hash_attr)
        range_value = attrs.get(self.range_attr)
        if hash_value is None or range_value is None:
            return None
        return hash_value, self.sort_key(range_value, item.hash_key, item.range_key)

    def sort_key(self, range_value: Any, table_hash: Any, table_range: Any) -> tuple[Any, ...]:
        # moto sorts an index by (index range, table hash, table range), by cast value.
        if table_range is None:
            return (range_value.cast_value, table_hash.cast_value)
        return (range_value.cast_value, table_hash.cast_value, table_range.cast_value)


class _Partition:
    __slots__ = ("keys", "pks")

    def __init__(self) -> None:
        self.keys: list[tuple[Any, ...]] = []
        self.pks: list[tuple[Any, Any]] = []


class _TableIndex:
    """Sorted keys per partition of a table and of each of its secondary indexes."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.specs = _specs_of(table)
        self.parts: dict[str | None, dict[Any, _Partition]] = {name: {} for name in self.specs}
        self.entries: dict[tuple[Any, Any], list[tuple[str | None, Any, tuple[Any, ...]]]] = {}
        self.sizes: dict[tuple[Any, Any], int] = {}  # Item.size() of items read so far
        for item in _items_of(table):
            self._place(item, bisect_in=False)
        for parts in self.parts.values():
            for part in parts.values():
                order = sorted(range(len(part.keys)), key=part.keys.__getitem__)
                part.keys = [part.keys[i] for i in order]
                part.pks = [part.pks[i] for i in order]
                if any(not a < b for a, b in zip(part.keys, part.keys[1:], strict=False)):
                    raise _Fallback("duplicate or unordered keys")

    def _place(self, item: Any, *, bisect_in: bool) -> None:
        pk = (item.hash_key, item.range_key)
        placed = self.entries[pk] = []
        for name, spec in self.specs.items():
            entry = spec.entry(item)
            if entry is None:
                continue
            part_key, sort_key = entry
            part = self.parts[name].get(part_key)
            if part is None:
                part = self.parts[name][part_key] = _Partition()
            i = bisect.bisect_left(part.keys, sort_key) if bisect_in else len(part.keys)
            if i < len(part.keys) and part.keys[i] == sort_key:
                raise RuntimeError("duplicate index entry")
            part.keys.insert(i, sort_key)
            part.pks.insert(i, pk)
            placed.append((name, part_key, sort_key))

    def reindex(self, hash_key: Any, range_key: Any) -> None:
        """Move the item at this key to where it now belongs (or out)."""
        self.sizes.pop((hash_key, range_key), None)
        for name, part_key, sort_key in self.entries.pop((hash_key, range_key), ()):
            parts = self.parts[name]
            part = parts[part_key]
            i = bisect.bisect_left(part.keys, sort_key)
            if i == len(part.keys) or part.keys[i] != sort_key:
                raise RuntimeError("index entry not found")
            del part.keys[i]
            del part.pks[i]
            if not part.keys:
                del parts[part_key]
        item = _current(self.table, hash_key, range_key)
        if item is not None:
            self._place(item, bisect_in=True)


def _specs_of(table: Any) -> dict[str | None, _Spec]:
    """The orderings kept: the table's (when it has a range key) and each index's with
    one hash and one range attribute (moto's own query serves the others)."""
    specs: dict[str | None, _Spec] = {}
    if table.range_key_attr is not None:
        specs[None] = _Spec(None, table.hash_key_attr, table.range_key_attr, table)
    for index in table.all_indexes():
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) == 1 and len(ranges) == 1:
            specs[index.name] = _Spec(index.name, hashes[0], ranges[0], table)
    return specs


def _items_of(table: Any) -> Iterator[Any]:
    if table.range_key_attr is None:
        yield from table.items.values()
    else:
        for partition in table.items.values():
            yield from partition.values()


def _index_of(table: Any) -> _TableIndex:
    index = table.__dict__.get("_emu_index")
    if index is None:
        try:
            index = _TableIndex(table)
        except Exception as error:
            raise _Fallback(f"cannot index {table.name}") from error
        table.__dict__["_emu_index"] = index
    return index  # type: ignore[no-any-return]


_RANGE_OPS = frozenset({"=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"})


def _query(
    self: Any,
    hash_key: Any,
    range_comparison: str | None,
    range_objs: list[Any],
    limit: int,
    exclusive_start_key: dict[str, Any],
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    index_name: str | None = None,
    consistent_read: bool = False,
    filter_expression: Any = None,
    hash_key_conditions: list[tuple[str, Any]] | None = None,
    range_key_conditions: list[tuple[str, str, list[Any]]] | None = None,
    **filter_kwargs: Any,
) -> tuple[list[Any], int, dict[str, Any] | None]:
    """``Table.query`` reading only the page (moto's own code when it cannot)."""
    try:
        found = _query_page(
            self,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            index_name,
            consistent_read,
            hash_key_conditions or [],
            range_key_conditions or [],
            filter_kwargs,
        )
    except _Fallback:
        query_counts["moto"] += 1
        return _originals["query"](  # type: ignore[no-any-return]
            self,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name,
            consistent_read,
            filter_expression,
            hash_key_conditions=hash_key_conditions,
            range_key_conditions=range_key_conditions,
            **filter_kwargs,
        )
    query_counts["indexed"] += 1
    matched, last_evaluated_key = found
    # moto deep-copies the page here; nothing downstream edits it (projections make new
    # items, the response is encoded before the lock is released), so the emulator hands
    # out the stored items themselves.
    results = matched
    if index_name:
        index = self.get_index(index_name)
        results = [index.project(r) for r in results]
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [r.project(projection_expressions) for r in results]
    return results, len(matched), last_evaluated_key


def _query_page(
    table: Any,
    hash_key: Any,
    range_comparison: str | None,
    range_objs: list[Any],
    limit: int | None,
    exclusive_start_key: dict[str, Any] | None,
    forward: bool,
    index_name: str | None,
    consistent_read: bool,
    hash_conditions: list[tuple[str, Any]],
    range_conditions: list[tuple[str, str, list[Any]]],
    filter_kwargs: dict[str, Any],
) -> tuple[list[Any], dict[str, Any] | None]:
    """The items of the page (moto's originals) and the LastEvaluatedKey."""
    if filter_kwargs or len(range_conditions) > 1 or len(hash_conditions) > 1:
        raise _Fallback("legacy filter or multi-attribute key")
    if range_comparison is not None and range_comparison not in _RANGE_OPS:
        raise _Fallback(range_comparison)
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise _Fallback("limit")
    index = _index_of(table)
    spec = index.specs.get(index_name)
    if spec is None:
        raise _Fallback("no such index, or one moto orders differently")
    part_key = _partition_key(table, spec, hash_key, consistent_read, hash_conditions)
    if range_conditions and range_conditions[0][0] != spec.range_attr:
        raise _Fallback("range condition on another attribute")
    part = index.parts[index_name].get(part_key)
    if part is None:
        return [], None
    lo, hi = _interval(part.keys, range_comparison, range_objs)
    if exclusive_start_key is not None:
        start = _start_key(spec, part_key, exclusive_start_key)
        if forward:
            lo = max(lo, bisect.bisect_right(part.keys, start))
        else:
            hi = min(hi, bisect.bisect_left(part.keys, start))
    return _walk(table, index, spec, part, (lo, hi), forward, limit, range_comparison, range_objs)


def _partition_key(
    table: Any,
    spec: _Spec,
    hash_key: Any,
    consistent_read: bool,
    hash_conditions: list[tuple[str, Any]],
) -> Any:
    from moto.dynamodb.models.table import GlobalSecondaryIndex

    if spec.name is None:
        if hash_key is None:
            raise _Fallback("no hash key")
        return hash_key
    if consistent_read and isinstance(table.get_index(spec.name), GlobalSecondaryIndex):
        raise _Fallback("moto's error")
    if len(hash_conditions) != 1 or hash_conditions[0][0] != spec.hash_attr:
        raise _Fallback("hash condition")
    return hash_conditions[0][1]


def _start_key(spec: _Spec, part_key: Any, start: dict[str, Any]) -> tuple[Any, ...]:
    """The sort key of ExclusiveStartKey in the partition's order."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        if DynamoType(start[spec.hash_attr]) != part_key:
            raise _Fallback("start key in another partition")
        table_hash = DynamoType(start[spec.table_hash])
        table_range = DynamoType(start[spec.table_range]) if spec.table_range else None
        if spec.name is None:
            return (table_range.cast_value,)  # type: ignore[union-attr]
        return spec.sort_key(DynamoType(start[spec.range_attr]), table_hash, table_range)
    except (KeyError, TypeError, AttributeError, IndexError) as error:
        raise _Fallback("start key") from error


def _walk(
    table: Any,
    index: _TableIndex,
    spec: _Spec,
    part: _Partition,
    bounds: tuple[int, int],
    forward: bool,
    limit: int | None,
    range_comparison: str | None,
    range_objs: list[Any],
) -> tuple[list[Any], dict[str, Any] | None]:
    """Read the page as moto's loop does: a LastEvaluatedKey when ``limit`` items were
    found and any item of the partition follows the last one."""
    lo, hi = bounds
    positions = range(lo, hi) if forward else range(hi - 1, lo - 1, -1)
    matched: list[Any] = []
    size = 0
    for i in positions:
        if limit is not None and len(matched) == limit:
            return matched, table._get_last_evaluated_key(matched[-1], spec.name)
        pk = part.pks[i]
        item = _current(table, *pk)
        if range_comparison is not None:
            value = item.attrs.get(spec.range_attr) if spec.name else item.range_key
            if value is None or not value.compare(range_comparison, range_objs):
                raise _Fallback("interval and comparison disagree")
        matched.append(item)
        item_size = index.sizes.get(pk)
        if item_size is None:
            item_size = index.sizes[pk] = item.size()
        size += item_size
        if size > _RESULT_SIZE_LIMIT - _MAX_ITEM_SIZE:
            raise _Fallback("page near the size limit")
    more = hi < len(part.keys) if forward else lo > 0
    if limit is not None and len(matched) == limit and more:
        return matched, table._get_last_evaluated_key(matched[-1], spec.name)
    return matched, None


def _interval(
    keys: list[tuple[Any, ...]], comparison: str | None, objs: list[Any]
) -> tuple[int, int]:
    """[lo, hi): the positions whose first sort-key part meets the key condition."""
    n = len(keys)
    if comparison is None or n == 0:
        return 0, n
    try:
        values = [obj.cast_value for obj in objs]
        if comparison == "BEGINS_WITH":
            return _prefix_interval(keys, values[0])
        lo, hi = _BOUNDS[comparison](keys, values)
    except TypeError as error:  # mixed types: moto's own error or answer
        raise _Fallback("incomparable keys") from error
    return (lo, hi) if lo <= hi else (0, 0)


def _left(keys: list[tuple[Any, ...]], value: Any) -> int:
    return bisect.bisect_left(keys, value, key=_first)


def _right(keys: list[tuple[Any, ...]], value: Any) -> int:
    return bisect.bisect_right(keys, value, key=_first)


_BOUNDS: dict[str, Callable[[list[tuple[Any, ...]], list[Any]], tuple[int, int]]] = {
    "=": lambda keys, v: (_left(keys, v[0]), _right(keys, v[0])),
    "<": lambda keys, v: (0, _left(keys, v[0])),
    "<=": lambda keys, v: (0, _right(keys, v[0])),
    ">": lambda keys, v: (_right(keys, v[0]), len(keys)),
    ">=": lambda keys, v: (_left(keys, v[0]), len(keys)),
    "BETWEEN": lambda keys, v: (_left(keys, v[0]), _right(keys, v[1])),
}


def _prefix_interval(keys: list[tuple[Any, ...]], prefix: Any) -> tuple[int, int]:
    if not isinstance(prefix, str) or not isinstance(keys[0][0], str):
        raise _Fallback("begins_with on a non-string")
    lo = _left(keys, prefix)
    width = len(prefix)
    return lo, bisect.bisect_right(keys, prefix, lo, key=lambda k: k[0][:width])


def _first(key: tuple[Any, ...]) -> Any:
    return key[0]


# --------------------------------------------------------------------------------------
# Direct JSON responses

_FAST_JSON_ACTIONS = frozenset(
    {
        "Query",
        "Scan",
        "GetItem",
        "BatchGetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "TransactGetItems",
    }
)


def _serialized(self: Any, action_result: Any) -> Any:
    """Encode a data-plane result to JSON directly; moto's serializer otherwise."""
    from moto.core.responses import ActionResult

    result = getattr(action_result, "result", None)
    if (
        type(action_result) is ActionResult
        or isinstance(result, BaseException)
        or _action_of(self) not in _FAST_JSON_ACTIONS
        or not isinstance(result, dict)
    ):
        return _originals["serialized"](self, action_result)
    try:
        body = json.dumps(result, default=_json_default, separators=(",", ":"))
    except _Fallback:
        return _originals["serialized"](self, action_result)
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    headers.update(self.response_headers)
    return 200, headers, body


def _to_dict(obj: Any) -> Any:
    """moto's ``dynamo_to_dict`` (which DynamoResult runs on every reply), with fast
    paths for the shapes of item data; anything else goes to moto's own."""
    kind = type(obj)
    if kind is _DynamoType:
        value = obj.value
        if type(value) is str or type(value) is bool:
            if obj.type != "B":
                return {obj.type: value}
        elif obj.type == "L" and type(value) is list:
            return {"L": [_to_dict(v) for v in value]}
        elif obj.type == "M" and type(value) is dict:
            return {"M": {k: _to_dict(v) for k, v in value.items()}}
        return _originals["dynamo_to_dict"](obj)
    if kind is str or kind is int or kind is float or kind is bool or obj is None:
        return obj
    if kind is dict or kind is _LimitedSizeDict:
        return {k: _to_dict(v) for k, v in obj.items()}
    if kind is list:
        return [_to_dict(v) for v in obj]
    return _originals["dynamo_to_dict"](obj)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise _Fallback(type(value).__name__)


# --------------------------------------------------------------------------------------
# Snapshots


class _Journal:
    """Which items changed since the last snapshot (fed by the write hooks)."""

    def __init__(self) -> None:
        self.enabled = False
        self.dirty: dict[int, tuple[Any, set[tuple[Any, Any]]]] = {}
        self.lost: set[int] = set()  # tables whose changes are unknown: write them whole

    def mark(self, table: Any, hash_key: Any, range_key: Any) -> None:
        if self.enabled:
            entry = self.dirty.get(id(table))
            if entry is None:
                entry = self.dirty[id(table)] = (table, set())
            entry[1].add((hash_key, range_key))

    def forget(self, table: Any) -> None:
        if self.enabled:
            self.lost.add(id(table))

    def take(self) -> tuple[dict[int, tuple[Any, set[tuple[Any, Any]]]], set[int]]:
        dirty, lost = self.dirty, self.lost
        self.dirty, self.lost = {}, set()
        return dirty, lost


_journal = _Journal()

SNAPSHOT_FORMAT = "taskapp-dynamodb-emulator-snapshot/1"


def _wire(value: Any) -> Any:
    """A DynamoType as JSON: its wire form ({"S": ...}, {"M": {...}}, ...), binary values
    base64-encoded (moto keeps them as bytes; "b64" marks them so they come back so)."""
    kind = value.type
    inner = value.value
    if kind == "L":
        return {"L": [_wire(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    if kind in ("B", "BS"):
        values = inner if kind == "BS" else [inner]
        if all(isinstance(v, bytes) for v in values):
            encoded = [base64.b64encode(v).decode("ascii") for v in values]
            return {kind: encoded if kind == "BS" else encoded[0], "b64": True}
    if kind in ("SS", "NS", "BS"):
        return {kind: list(inner)}
    return {kind: inner}


def _unwire(value: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`_wire`, as a dict for ``DynamoType``."""
    if value.pop("b64", False):
        kind, inner = next(iter(value.items()))
        if kind == "BS":
            return {kind: [base64.b64decode(v) for v in inner]}
        return {kind: base64.b64decode(inner)}
    kind, inner = next(iter(value.items()))
    if kind == "L":
        return {"L": [_unwire(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _unwire(v) for k, v in inner.items()}}
    return value


def _item_json(item: Any) -> str:
    return json.dumps({k: _wire(v) for k, v in item.attrs.items()}, separators=(",", ":"))


def _table_meta(table: Any) -> dict[str, Any]:
    throughput = {k: v for k, v in table.throughput.items() if k != "NumberOfDecreasesToday"}
    return {
        "name": table.name,
        "schema": table.schema,
        "attr": table.attr,
        "throughput": throughput,
        "billing_mode": table.billing_mode,
        "indexes": [i.describe() for i in table.indexes],
        "global_indexes": [
            {k: v for k, v in i.describe().items() if k != "IndexStatus"}
            for i in table.global_indexes
        ],
        "streams": table.stream_specification,
        "sse_specification": table.sse_specification,
        "tags": table.tags,
        "deletion_protection_enabled": table.deletion_protection_enabled,
        "warm_throughput": {k: v for k, v in table.warm_throughput.items() if k != "Status"},
        "ttl": table.ttl,
        "created_at": table.created_at.isoformat(),
    }


class Snapshotter:
    """Writes the whole store to ``path`` atomically; restores it from there."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # id(table) -> (table, {(hash, range): item JSON})
        self.cache: dict[int, tuple[Any, dict[tuple[Any, Any], str]]] = {}
        self.saved_writes = -1
        self.incremental = fast_paths_installed()
        _journal.enabled = self.incremental

    # -- writing

    def save_if_changed(self) -> bool:
        """Write a snapshot when a write request was answered since the last one."""
        if _writes == self.saved_writes:
            return False
        self.save()
        return True

    def save(self) -> None:
        """Write a consistent snapshot of every table (items serialised under the lock)."""
        with _lock:
            writes = _writes
            tables = self._collect()
        parts = [json.dumps({"format": SNAPSHOT_FORMAT, "moto": _moto_version_text()})[:-1]]
        parts.append(',"tables":[')
        for n, (account, region, meta, items) in enumerate(tables):
            head = json.dumps({"account": account, "region": region, "meta": meta})[:-1]
            parts.append(("," if n else "") + head + ',"items":[')
            parts.append(",".join(items))
            parts.append("]}")
        parts.append("]}\n")
        _write_atomically(self.path, "".join(parts))
        self.saved_writes = writes

    def _collect(self) -> list[tuple[str, str, dict[str, Any], list[str]]]:
        from moto.dynamodb.models import dynamodb_backends

        dirty, lost = _journal.take() if self.incremental else ({}, set())
        seen: set[int] = set()
        collected = []
        for account in list(dynamodb_backends.keys()):
            for region in list(dynamodb_backends[account].keys()):
                backend = dynamodb_backends[account][region]
                for table in backend.tables.values():
                    key = id(table)
                    seen.add(key)
                    cached = self.cache.get(key)
                    if not self.incremental or cached is None or key in lost:
                        items = {(i.hash_key, i.range_key): _item_json(i) for i in _items_of(table)}
                        self.cache[key] = (table, items)
                    else:
                        items = cached[1]
                        for pk in dirty.get(key, (None, ()))[1]:
                            item = _current(table, *pk)
                            if item is None:
                                items.pop(pk, None)
                            else:
                                items[pk] = _item_json(item)
                    collected.append((account, region, _table_meta(table), list(items.values())))
        for key in set(self.cache) - seen:
            del self.cache[key]
        return collected

    # -- reading

    def restore(self) -> int:
        """Load the snapshot if there is one; returns the number of items restored. An
        unreadable snapshot is moved aside (and logged), and the store starts empty."""
        if not self.path.exists():
            return 0
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
                raise ValueError("not an emulator snapshot")
            with _lock:
                count = _load(document, self.cache)
        except Exception as error:
            self.cache.clear()
            aside = self.path.with_name(
                f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}"
            )
            os.replace(self.path, aside)
            _clear_store()
            log.error("unreadable snapshot %s (%s): moved to %s", self.path, error, aside)
            print(
                f"dynamodb_emulator: unreadable snapshot {self.path} ({error}); moved to {aside}; "
                "starting empty",
                file=sys.stderr,
                flush=True,
            )
            return 0
        self.saved_writes = _writes
        return count

    # -- running

    @contextlib.contextmanager
    def running(self, interval: float) -> Iterator[None]:
        """Snapshot every ``interval`` seconds while the block runs, and once at its end."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                try:
                    self.save_if_changed()
                except Exception:
                    log.exception("snapshot failed")

        thread = threading.Thread(target=loop, name="snapshots", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.save_if_changed()


def _moto_version_text() -> str:
    from importlib.metadata import version

    return version("moto")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _clear_store() -> None:
    from moto.dynamodb.models import dynamodb_backends

    for account in list(dynamodb_backends.keys()):
        for region in list(dynamodb_backends[account].keys()):
            dynamodb_backends[account][region].tables.clear()


def _typed(dynamo_type: Any, value: dict[str, Any]) -> Any:
    """``DynamoType(_unwire(value))``, without its generic constructor for scalars."""
    if len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("S", "N", "BOOL", "NULL") and type(inner) in (str, bool):
            typed = dynamo_type.__new__(dynamo_type)
            typed.type = kind
            typed.value = inner
            return typed
    return dynamo_type(_unwire(value))


def _load(
    document: dict[str, Any], cache: dict[int, tuple[Any, dict[tuple[Any, Any], str]]]
) -> int:
    """Create the snapshot's tables and items (in an empty store); fill ``cache`` with
    each item's snapshot text, so the next snapshot serialises only what changes."""
    from datetime import datetime

    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    count = 0
    for entry in document["tables"]:
        meta = entry["meta"]
        backend = dynamodb_backends[entry["account"]][entry["region"]]
        if meta["name"] in backend.tables:
            raise ValueError(f"table {meta['name']} twice in the snapshot")
        table = backend.create_table(
            meta["name"],
            schema=meta["schema"],
            throughput=meta["throughput"],
            attr=meta["attr"],
            global_indexes=meta["global_indexes"],
            indexes=meta["indexes"],
            streams=meta["streams"],
            billing_mode=meta["billing_mode"],
            sse_specification=meta["sse_specification"],
            tags=meta["tags"],
            deletion_protection_enabled=meta["deletion_protection_enabled"],
            warm_throughput=meta["warm_throughput"] or None,
        )
        table.ttl = dict(meta["ttl"])
        table.created_at = datetime.fromisoformat(meta["created_at"])
        texts: dict[tuple[Any, Any], str] = {}
        cache[id(table)] = (table, texts)
        for attrs in entry["items"]:
            text = json.dumps(attrs, separators=(",", ":"))  # as _item_json wrote it
            item: Any = Item.__new__(Item)
            item.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
            dict.__init__(item.attrs)
            for name, value in attrs.items():
                dict.__setitem__(item.attrs, name, _typed(DynamoType, value))
            item.hash_key = item.attrs[table.hash_key_attr]
            if table.range_key_attr is None:
                item.range_key = None
                table.items[item.hash_key] = item
            else:
                item.range_key = item.attrs[table.range_key_attr]
                table.items[item.hash_key][item.range_key] = item
            texts[item.hash_key, item.range_key] = text
            count += 1
    return count


# --------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> None:
    """Start moto's server with DynamoDB serialised, fast paths, and snapshots."""
    parser = argparse.ArgumentParser(
        description="moto's DynamoDB, one request at a time, optionally persistent."
    )
    parser.add_argument("--state-file", type=Path, default=None, help="snapshot file")
    parser.add_argument(
        "--snapshot-interval",
        type=float,
        default=5.0,
        help="seconds between snapshots when something changed (default 5)",
    )
    parser.add_argument(
        "--no-fast-paths",
        action="store_true",
        help="plain serialised moto (for comparisons)",
    )
    args, rest = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serialise_dynamodb_requests(fast=not args.no_fast_paths)
    from moto.server import main as moto_main

    # moto's main reads sys.argv itself when given no arguments: show it only its own.
    sys.argv = [sys.argv[0], *rest]
    if args.state_file is None:
        moto_main(rest)
        return
    snapshots = Snapshotter(args.state_file)
    began = time.monotonic()
    restored = snapshots.restore()
    log.info(
        "restored %d items from %s in %.1fs", restored, args.state_file, time.monotonic() - began
    )
    with snapshots.running(max(args.snapshot_interval, 0.05)):
        _serve(moto_main, rest)


def _serve(moto_main: Callable[[list[str]], None], argv: list[str]) -> None:
    """moto's server until SIGTERM / SIGINT (moto turns both into SystemExit)."""
    try:
        moto_main(argv)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:  # signals during the final snapshot must not cut it short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    main()
