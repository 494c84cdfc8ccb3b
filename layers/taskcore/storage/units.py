"""DynamoDB capacity units of requests, as DynamoDB bills them (on demand: request units).

The rules (Amazon DynamoDB Developer Guide, "Read/write capacity mode" and "Item sizes";
the secondary-index pages for index writes):

* Item size: the UTF-8 lengths of the attribute names plus their values (a number: one
  byte per two significant digits, plus one; a boolean or null: one byte; a list or map:
  three bytes, plus each element and one byte per element).
* A write costs one unit per started KB of the larger of the item before and after it
  (a delete: before); at least one. A transactional write costs two per KB (prepare and
  commit). A condition check inside a transaction is counted like a transactional write
  of the item it checks.
* Each write of an item also writes every secondary index the item is in before or after:
  one write to put or update its entry, two when its index key changes (delete the old
  entry, put the new one), one to delete it; none when it is in the index neither before
  nor after. An entry's size is the projected item (all attributes here) plus 100 bytes.
  Local indexes live in the table's partition, global ones in their own. Index writes are
  counted as standard writes, also under a transaction (the doubling is the table item's
  prepare and commit).
* A read costs one unit per started 4 KB (a ``Query``: of all the items it read
  together; a ``GetItem``: of the item, a missing one still costs one step); half of that
  when eventually consistent (every global-index read is), twice when transactional.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
INDEX_ENTRY_OVERHEAD_BYTES = 100

Item = Mapping[str, Any]  # attribute name -> DynamoDB AttributeValue ({"S": ...}, ...)


def item_size(item: Item) -> int:
    """The size DynamoDB bills for ``item`` (wire format), in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        return _number_size(str(data))
    if kind == "B":
        return len(data) if isinstance(data, bytes | bytearray) else math.ceil(len(data) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in data)
    if kind == "L":
        return 3 + sum(_value_size(element) + 1 for element in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind!r}")


def _number_size(text: str) -> int:
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if digits != (0,) else 1
    return math.ceil(significant / 2) + 1


@dataclass(frozen=True)
class IndexShape:
    """A secondary index: its name, key attributes, and whether it is global."""

    name: str
    hash_key: str
    range_key: str | None
    is_global: bool


@dataclass(frozen=True)
class TableShape:
    """A table: its logical name, key attributes and secondary indexes."""

    name: str
    hash_key: str
    range_key: str | None
    indexes: tuple[IndexShape, ...]

    def key(self, item: Item) -> dict[str, Any]:
        """The primary key of ``item``."""
        names = [self.hash_key] + ([self.range_key] if self.range_key else [])
        return {name: item[name] for name in names}


def table_shapes(
    models: Iterable[type[Model]], names: Mapping[type[Model], str]
) -> dict[str, TableShape]:
    """Each bound model's table (by physical name) as its PynamoDB definition declares it."""
    return {model.Meta.table_name: model_shape(model, names[model]) for model in models}


def model_shape(model: type[Model], name: str) -> TableShape:
    """The table of ``model`` (logical ``name``): its keys and secondary indexes."""
    indexes = tuple(_index_shape(index) for index in model._indexes.values() if index is not None)
    return TableShape(name, model._hash_keyname or "", model._range_keyname, indexes)


def _index_shape(index: Any) -> IndexShape:
    keys = index.Meta.attributes.values()
    hash_key = next(a.attr_name for a in keys if a.is_hash_key)
    range_key = next((a.attr_name for a in keys if a.is_range_key), None)
    return IndexShape(
        index.Meta.index_name, hash_key, range_key, isinstance(index, GlobalSecondaryIndex)
    )


@dataclass(frozen=True)
class Charge:
    """Units charged to one table or index partition by one item of a request."""

    table: str  # logical name
    index: str | None  # None: the table itself
    partition: str  # the partition key's value (as text)
    kind: str  # "read" or "write"
    units: float


def write_charges(
    shape: TableShape, before: Item | None, after: Item | None, *, transactional: bool
) -> list[Charge]:
    """The units of one item write (``before``/``after``: the item's images, ``None``
    where it does not exist), on the table and on each index it touches."""
    largest = max(item_size(before) if before else 0, item_size(after) if after else 0)
    image = after or before or {}
    units = max(1, math.ceil(largest / WRITE_UNIT_BYTES)) * (2 if transactional else 1)
    charges = [Charge(shape.name, None, _text(image.get(shape.hash_key)), "write", units)]
    for index in shape.indexes:
        charges += _index_writes(shape.name, index, before, after)
    return charges


def _index_writes(
    table: str, index: IndexShape, before: Item | None, after: Item | None
) -> list[Charge]:
    old, new = _index_key(index, before), _index_key(index, after)
    charges = []
    if old is not None and old != new and before is not None:
        charges.append(Charge(table, index.name, _text(old[0]), "write", _entry_units(before)))
    if new is not None and after is not None:
        charges.append(Charge(table, index.name, _text(new[0]), "write", _entry_units(after)))
    return charges


def _index_key(index: IndexShape, item: Item | None) -> tuple[Any, Any] | None:
    if item is None or index.hash_key not in item:
        return None
    if index.range_key is not None and index.range_key not in item:
        return None
    return item[index.hash_key], item.get(index.range_key) if index.range_key else None


def _entry_units(item: Item) -> int:
    return math.ceil((item_size(item) + INDEX_ENTRY_OVERHEAD_BYTES) / WRITE_UNIT_BYTES)


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """The units of reading ``size`` bytes in one step (one item, or one ``Query``)."""
    steps = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * steps
    return float(steps) if consistent else steps / 2


def _text(value: Any) -> str:
    if isinstance(value, Mapping) and len(value) == 1:
        return str(next(iter(value.values())))
    return str(value)
