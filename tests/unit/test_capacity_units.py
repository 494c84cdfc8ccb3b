"""How DynamoDB bills requests (layers/taskcore/storage/units.py), on hand-made items."""

from __future__ import annotations

import pytest

from taskcore.storage.units import (
    IndexShape,
    TableShape,
    item_size,
    read_units,
    table_shapes,
    write_charges,
)

TASKS = TableShape(
    "tasks",
    "user_id",
    "sk",
    (
        IndexShape("by_due", "user_id", "due_sort", is_global=False),
        IndexShape("by_notify_bucket", "notify_bucket", "notify_at", is_global=True),
    ),
)


def _task(size: int, **keys: str) -> dict[str, dict[str, str]]:
    """A task item of about ``size`` bytes (its title fills it up)."""
    item = {"user_id": {"S": "u1"}, "sk": {"S": "T#1"}}
    item.update({name: {"S": value} for name, value in keys.items()})
    item["title"] = {"S": "x" * max(0, size - item_size(item) - len("title"))}
    return item


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "héllo"}, 6),  # UTF-8 bytes
        ({"N": "12345"}, 4),  # one byte per two significant digits, plus one
        ({"N": "1000"}, 2),  # trailing zeros are not significant
        ({"N": "0"}, 2),
        ({"BOOL": True}, 1),
        ({"NULL": True}, 1),
        ({"L": [{"S": "ab"}, {"S": "c"}]}, 3 + 3 + 2),
        ({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1),
    ],
)
def test_item_size_counts_names_and_values(value: dict[str, object], size: int) -> None:
    assert item_size({"a": value}) == 1 + size


def test_a_write_costs_a_unit_per_started_kb_of_the_larger_image() -> None:
    small, large = _task(900), _task(2500)
    (table,) = write_charges(
        TableShape("t", "user_id", "sk", ()), small, large, transactional=False
    )
    assert (table.units, table.partition, table.kind) == (3, "u1", "write")
    (deleted,) = write_charges(
        TableShape("t", "user_id", "sk", ()), large, None, transactional=False
    )
    assert deleted.units == 3
    (doubled,) = write_charges(
        TableShape("t", "user_id", "sk", ()), None, small, transactional=True
    )
    assert doubled.units == 2  # prepare and commit


def test_every_index_the_item_is_in_is_written_too() -> None:
    keys = {"due_sort": "2026-03-01", "notify_bucket": "2026-03-01T09#7", "notify_at": "a"}
    created = write_charges(TASKS, None, _task(800, **keys), transactional=True)
    assert [(c.index, c.partition, c.units) for c in created] == [
        (None, "u1", 2),
        ("by_due", "u1", 1),  # an entry: the item plus 100 bytes
        ("by_notify_bucket", "2026-03-01T09#7", 1),
    ]
    # Re-filed into another hour: the global index deletes one entry and puts another,
    # each in its own partition; the local one updates in place.
    moved = write_charges(
        TASKS,
        _task(800, **keys),
        _task(800, **{**keys, "notify_bucket": "2026-03-01T10#7"}),
        transactional=False,
    )
    assert [(c.index, c.partition) for c in moved] == [
        (None, "u1"),
        ("by_due", "u1"),
        ("by_notify_bucket", "2026-03-01T09#7"),
        ("by_notify_bucket", "2026-03-01T10#7"),
    ]
    # Nothing pending any more: out of the sparse index (one write), the rest in place.
    done = _task(800, due_sort=keys["due_sort"])
    left = write_charges(TASKS, _task(800, **keys), done, transactional=False)
    assert [c.index for c in left] == [None, "by_due", "by_notify_bucket"]
    # A local index key that changes: its entry is deleted and put again.
    redated = write_charges(TASKS, done, _task(800, due_sort="x"), transactional=False)
    assert [c.index for c in redated] == [None, "by_due", "by_due"]
    # An entry near 1 KB costs two once its 100 bytes of overhead are added.
    (_, entry, _) = write_charges(TASKS, None, _task(1000, **keys), transactional=False)
    assert entry.units == 2


def test_reads_cost_a_unit_per_started_4_kb_half_when_eventually_consistent() -> None:
    assert read_units(0, consistent=True) == 1  # a missing item still costs a step
    assert read_units(4096, consistent=True) == 1
    assert read_units(4097, consistent=True) == 2
    assert read_units(9000, consistent=False) == 1.5
    assert read_units(100, consistent=True, transactional=True) == 2


def test_the_shapes_are_the_models_definitions() -> None:
    from taskcore.storage.models import LOGICAL_NAMES, TaskModel

    shapes = table_shapes([TaskModel], LOGICAL_NAMES)
    (tasks,) = shapes.values()
    assert (tasks.name, tasks.hash_key, tasks.range_key) == ("tasks", "user_id", "sk")
    assert {i.name for i in tasks.indexes if not i.is_global} == {
        "by_due", "by_status_due", "by_status_created", "by_updated", "by_seq"
    }  # fmt: skip
    (gsi,) = [i for i in tasks.indexes if i.is_global]
    assert (gsi.name, gsi.hash_key, gsi.range_key) == (
        "by_notify_bucket",
        "notify_bucket",
        "notify_at",
    )
