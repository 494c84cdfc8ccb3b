"""The emulator's snapshots: the store survives a restart, a crash mid-write leaves the
previous snapshot, an unreadable one is kept aside, and the server saves on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import dynamodb_emulator as emulator
import pytest
from emulator_support import client, create_hash_table, create_indexed_table, dump_state

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = ROOT / "local" / "dynamodb_emulator.py"


def _fill(ddb: Any, table: str, users: str) -> None:
    for n in range(30):
        item: dict[str, Any] = {
            "pk": {"S": f"u{n % 3}"},
            "sk": {"S": f"T#{n:03}"},
            "title": {"S": f"task {n} - \u00fcn\u00efcode \u2013"},
            "ls": {"S": f"{n % 7}"},
            "n": {"N": f"{n}.5"},
            "tags": {"L": [{"S": "a"}, {"M": {"deep": {"NS": ["1", "2"]}}}]},
            "flags": {"SS": ["x", "y"]},
            "bin": {"B": bytes([n, 0, 255])},
            "ok": {"BOOL": n % 2 == 0},
            "none": {"NULL": True},
            "expires": {"N": str(1_900_000_000 + n)},
        }
        if n % 4:
            item |= {"lk": {"S": f"k{n}"}, "g": {"S": f"g{n % 2}"}, "gs": {"N": str(-n)}}
        ddb.put_item(TableName=table, Item=item)
    for n in range(5):
        ddb.put_item(TableName=users, Item={"pk": {"S": f"USER#{n}"}, "count": {"N": str(n)}})


@pytest.fixture
def empty_store(moto_dynamodb: None) -> Iterator[None]:
    """The tests here empty and restore the whole store: other modules' tables are put
    aside for the test's duration and put back after."""
    from moto.dynamodb.models import dynamodb_backends

    backends = [
        dynamodb_backends[account][region]
        for account in list(dynamodb_backends.keys())
        for region in list(dynamodb_backends[account].keys())
    ]
    saved = [dict(backend.tables) for backend in backends]
    for backend in backends:
        backend.tables.clear()
    try:
        yield
    finally:
        emulator._clear_store()
        for backend, tables in zip(backends, saved, strict=True):
            backend.tables.update(tables)


@pytest.fixture
def tables(empty_store: None) -> tuple[Any, list[str]]:
    ddb = client()
    names = [create_indexed_table(ddb), create_hash_table(ddb)]
    _fill(ddb, *names)
    return ddb, names


def test_restore_round_trip(tables, tmp_path: Path) -> None:
    ddb, names = tables
    path = tmp_path / "store.json"
    emulator.Snapshotter(path).save()
    before = dump_state(ddb, names)
    emulator._clear_store()
    assert ddb.list_tables()["TableNames"] == []
    restored = emulator.Snapshotter(path).restore()
    assert restored >= 35
    assert dump_state(ddb, names) == before
    ttl = ddb.describe_time_to_live(TableName=names[0])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def test_incremental_snapshots_follow_every_write(tables, tmp_path: Path) -> None:
    ddb, (table, users) = tables
    path = tmp_path / "store.json"
    snapshots = emulator.Snapshotter(path)
    snapshots.save()
    ddb.delete_item(TableName=table, Key={"pk": {"S": "u0"}, "sk": {"S": "T#000"}})
    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "u1"}, "sk": {"S": "T#001"}},
        UpdateExpression="SET ls = :v REMOVE lk",
        ExpressionAttributeValues={":v": {"S": "moved"}},
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": users, "Item": {"pk": {"S": "USER#new"}}}},
            {"Delete": {"TableName": users, "Key": {"pk": {"S": "USER#0"}}}},
        ]
    )
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": users, "Key": {"pk": {"S": "USER#1"}}}},
                {
                    "ConditionCheck": {
                        "TableName": users,
                        "Key": {"pk": {"S": "USER#2"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    extra = create_hash_table(ddb)
    ddb.put_item(TableName=extra, Item={"pk": {"S": "x"}})
    assert snapshots.save_if_changed()
    assert not snapshots.save_if_changed()  # nothing written since
    before = dump_state(ddb, [table, users, extra])
    emulator._clear_store()
    emulator.Snapshotter(path).restore()
    assert dump_state(ddb, [table, users, extra]) == before


def test_a_crash_mid_write_leaves_the_previous_snapshot(
    tables, tmp_path: Path, monkeypatch
) -> None:
    ddb, (table, _) = tables
    path = tmp_path / "store.json"
    emulator.Snapshotter(path).save()
    previous = path.read_bytes()
    ddb.put_item(TableName=table, Item={"pk": {"S": "late"}, "sk": {"S": "late"}})

    class Crash(BaseException):
        pass

    def crash(fd: int) -> None:
        raise Crash

    monkeypatch.setattr(os, "fsync", crash)  # dies after writing, before the rename
    with pytest.raises(Crash):
        emulator.Snapshotter(path).save()
    monkeypatch.undo()
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.json"]
    # A temp file a real crash left behind is ignored.
    (tmp_path / ".store.json.abc.tmp").write_text('{"format": "trunc')
    emulator._clear_store()
    emulator.Snapshotter(path).restore()
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "u0"}, "sk": {"S": "T#000"}})["Item"]
    late = ddb.get_item(TableName=table, Key={"pk": {"S": "late"}, "sk": {"S": "late"}})
    assert "Item" not in late


@pytest.mark.parametrize("content", ['{"format": "taskapp-dynamodb-emul', "garbage", '{"a": 1}'])
def test_an_unreadable_snapshot_is_kept_aside(
    empty_store: None, tmp_path: Path, content: str, capsys
) -> None:
    path = tmp_path / "store.json"
    path.write_text(content)
    assert emulator.Snapshotter(path).restore() == 0
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("store.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text() == content
    assert not path.exists()
    assert "unreadable snapshot" in capsys.readouterr().err
    assert client().list_tables()["TableNames"] == []


# -- the server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, state: Path, interval: float = 0.3) -> None:
        self.port = _free_port()
        self.log = state.parent.parent / f"emulator-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DYNAMODB_")}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, str(EMULATOR), "-p", str(self.port)),
                    *("--state-file", str(state), "--snapshot-interval", str(interval)),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )
        self.ddb = boto3.client(
            "dynamodb", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{self.port}"
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.ddb.list_tables()
                return
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.1)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(30)


def test_server_keeps_the_store_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "run" / "dynamodb.json"
    first = Server(state)
    try:
        table, users = create_indexed_table(first.ddb), create_hash_table(first.ddb)
        _fill(first.ddb, table, users)
        before = dump_state_remote(first.ddb, table)
    finally:
        assert first.stop() == 0
    assert state.exists()
    second = Server(state)
    try:
        assert dump_state_remote(second.ddb, table) == before
        ttl = second.ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        # A crash (SIGKILL) loses at most the last interval.
        second.ddb.put_item(TableName=users, Item={"pk": {"S": "USER#late"}})
        time.sleep(1.5)
    finally:
        second.stop(signal.SIGKILL)
    third = Server(state)
    try:
        assert third.ddb.get_item(TableName=users, Key={"pk": {"S": "USER#late"}})["Item"]
    finally:
        assert third.stop(signal.SIGINT) == 0


def dump_state_remote(ddb: Any, table: str) -> Any:
    """What a client sees of the table (moto's internals are in the other process)."""
    pages = []
    for index in (None, "by_ls", "by_lk"):
        for pk in ("u0", "u1", "u2"):
            request: dict[str, Any] = {
                "TableName": table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": pk}},
            }
            if index:
                request["IndexName"] = index
            reply = ddb.query(**request)
            pages.append((reply["Items"], reply["Count"]))
    reply = ddb.query(
        TableName=table,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g1"}},
    )
    pages.append((reply["Items"], reply["Count"]))
    description = ddb.describe_table(TableName=table)["Table"]
    return pages, description["KeySchema"], description["LocalSecondaryIndexes"]
