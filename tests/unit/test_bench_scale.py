"""The capacity model's arithmetic (bench/scale/model.py) on made-up operation units, and
where its figures are kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import __main__ as bench_main
from bench.scale import model
from bench.scale.__main__ import merge_into_latest

JOB = "job: one reminder delivered"


def _operations() -> dict[str, Any]:
    operations: dict[str, Any] = {
        name: {"targets": {}}
        for name in ("update", "complete", "delete", "list page", "sync page", "search")
    }
    operations["create"] = {
        "targets": {"tasks": {"write_own": 4.0}, model.DUE_INDEX: {"write_other": 2.0}}
    }
    # Delivering a reminder moves its entry: a delete and a put of 2 units each.
    operations[JOB] = {
        "targets": {"tasks": {"write_own": 4.0}, model.DUE_INDEX: {"write_other": 4.0}}
    }
    operations["job: idle worker run (one group)"] = {
        "targets": {"notifications": {"read_other": 1.0}}
    }
    operations["register"] = {"targets": {model.OUTBOX_QUEUE: {"write_other": 1.0}}}
    return operations


def _hottest(users: int, shards: int) -> dict[str, model.Hottest]:
    found = model.hottest_keys(
        _operations(), model.Behaviour(), users, shards=shards, per_worker=1, item_bytes=1024
    )
    return {hot.target: hot for hot in found}


def test_one_partition_per_hour_takes_every_due_reminder_of_the_busiest_minute() -> None:
    due = _hottest(1_000_000, shards=1)[model.DUE_INDEX]
    # 100,000 reminders moved out of one partition in a minute, 2 units each.
    assert due.write_units == 100_000 * 2 / 60
    assert due.key == "hour #shard, delivery peak"


def test_sharding_divides_the_hottest_key_by_about_the_shard_count() -> None:
    one = _hottest(1_000_000, shards=1)[model.DUE_INDEX].write_units
    sharded = _hottest(1_000_000, shards=64)[model.DUE_INDEX].write_units
    # The busiest shard gets a bit more than its share: the hash's real spread.
    assert 1.0 <= sharded / (one / 64) <= 1.1


def test_a_users_own_partitions_take_that_user_only_whatever_the_number_of_users() -> None:
    small, large = _hottest(10_000, shards=64), _hottest(1_000_000, shards=64)
    assert small["tasks"] == large["tasks"]
    assert small["tasks"].key == "one user's own"
    # At the write rate limit (2 writes a second, a quarter of them creates: 4 units each)
    # plus 100 reminders in the minute (4 units each).
    assert small["tasks"].write_units == 2 * 0.25 * 4 + 100 / 60 * 4


def test_a_tables_local_indexes_add_up_in_its_partitions() -> None:
    operations = _operations()
    operations["create"]["targets"]["tasks/by_due"] = {"write_own": 1.0}
    operations["create"]["targets"]["list_index/by_due"] = {"write_own": 1.0}
    found = model.hottest_keys(
        operations, model.Behaviour(), 10_000, shards=64, per_worker=1, item_bytes=1024
    )
    rows = {hot.target: hot.write_units for hot in found}
    assert rows["tasks + local indexes"] == rows["tasks"] + rows["tasks/by_due"]
    assert "list_index + local indexes" not in rows  # one target only: nothing to add


def test_the_scale_figures_join_latest_json_and_outlive_a_make_bench(tmp_path: Path) -> None:
    (tmp_path / "latest.json").write_text(json.dumps({"meta": {"commit": "abc"}}))
    merge_into_latest({"shards": 512}, tmp_path)
    assert json.loads((tmp_path / "latest.json").read_text()) == {
        "meta": {"commit": "abc"},
        "scale": {"shards": 512},
    }
    later: dict[str, Any] = {"meta": {"commit": "def"}}
    bench_main._keep_scale(later, tmp_path / "latest.json")
    assert later["scale"] == {"shards": 512}
