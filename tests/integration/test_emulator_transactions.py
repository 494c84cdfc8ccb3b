"""The emulator's undo-log transactions: a cancelled transaction leaves every table
exactly as it was (items, indexes, TTL), whatever the reason and wherever it happens."""

from __future__ import annotations

from typing import Any

import dynamodb_emulator as emulator
import pytest
from botocore.exceptions import ClientError
from emulator_support import client, create_hash_table, create_indexed_table, dump_state
from moto.dynamodb.models import dynamodb_backends


@pytest.fixture
def store(moto_dynamodb: None) -> tuple[Any, str, str]:
    assert emulator.fast_paths_installed(), "the fixture installs the fast paths"
    ddb = client()
    table, users = create_indexed_table(ddb), create_hash_table(ddb)
    for n in range(6):
        item = {
            "pk": {"S": f"u{n % 2}"},
            "sk": {"S": f"T#{n}"},
            "title": {"S": f"task {n}"},
            "ls": {"S": f"2026-0{n + 1}"},
            "version": {"N": "1"},
        }
        if n % 3:
            item["lk"] = {"S": f"open#{n}"}
            item["g"] = {"S": "bucket"}
            item["gs"] = {"N": str(10 - n)}
        ddb.put_item(TableName=table, Item=item)
    for n in range(3):
        ddb.put_item(TableName=users, Item={"pk": {"S": f"USER#{n}"}, "count": {"N": "0"}})
    # Build the query indexes now, so the rollback has to maintain them.
    ddb.query(
        TableName=table,
        IndexName="by_ls",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "u0"}},
    )
    return ddb, table, users


def _writes(table: str, users: str) -> list[dict[str, Any]]:
    """Actions that would all succeed: a new item, an edit that moves the item in every
    index, a delete, a counter bump on a hash-only table, a new hash-only item."""
    return [
        {
            "Put": {
                "TableName": table,
                "Item": {
                    "pk": {"S": "u0"},
                    "sk": {"S": "T#new"},
                    "ls": {"S": "0000"},
                    "g": {"S": "bucket"},
                    "gs": {"N": "0"},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "u1"}, "sk": {"S": "T#1"}},
                "UpdateExpression": "SET ls = :ls, title = :t, version = version + :one "
                "REMOVE lk, g",
                "ExpressionAttributeValues": {
                    ":ls": {"S": "9999"},
                    ":t": {"S": "edited"},
                    ":one": {"N": "1"},
                },
            }
        },
        {"Delete": {"TableName": table, "Key": {"pk": {"S": "u0"}, "sk": {"S": "T#2"}}}},
        {
            "Update": {
                "TableName": users,
                "Key": {"pk": {"S": "USER#1"}},
                "UpdateExpression": "ADD #c :one",
                "ExpressionAttributeNames": {"#c": "count"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Put": {"TableName": users, "Item": {"pk": {"S": "USER#new"}}}},
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "u9"}, "sk": {"S": "T#upsert"}},
                "UpdateExpression": "SET ls = :ls",
                "ExpressionAttributeValues": {":ls": {"S": "1111"}},
            }
        },
    ]


_FAILS_CONDITION = {
    "ConditionCheck": {
        "TableName": "TABLE",
        "Key": {"pk": {"S": "u0"}, "sk": {"S": "T#0"}},
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": {":v": {"N": "7"}},
    }
}


def _failing_condition(table: str) -> dict[str, Any]:
    action = {"ConditionCheck": dict(_FAILS_CONDITION["ConditionCheck"], TableName=table)}
    return action


def _cancel(ddb: Any, actions: list[dict[str, Any]]) -> ClientError:
    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(TransactItems=actions)
    return raised.value


def _assert_cancelled_cleanly(ddb: Any, tables: list[str], actions: list[dict[str, Any]]) -> Any:
    before = dump_state(ddb, tables)
    error = _cancel(ddb, actions)
    assert dump_state(ddb, tables) == before
    return error


def test_condition_failed_on_the_first_action(store) -> None:
    ddb, table, users = store
    error = _assert_cancelled_cleanly(
        ddb, [table, users], [_failing_condition(table), *_writes(table, users)]
    )
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in error.response["CancellationReasons"]]
    assert reasons == ["ConditionalCheckFailed"] + ["None"] * 6


def test_condition_failed_on_the_last_action(store) -> None:
    ddb, table, users = store
    error = _assert_cancelled_cleanly(
        ddb, [table, users], [*_writes(table, users), _failing_condition(table)]
    )
    reasons = [r["Code"] for r in error.response["CancellationReasons"]]
    assert reasons == ["None"] * 6 + ["ConditionalCheckFailed"]


def test_condition_failed_with_the_old_item_returned(store) -> None:
    ddb, table, users = store
    failing = _failing_condition(table)
    failing["ConditionCheck"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    error = _assert_cancelled_cleanly(ddb, [table, users], [*_writes(table, users), failing])
    assert error.response["CancellationReasons"][-1]["Item"]["sk"] == {"S": "T#0"}


def test_a_write_whose_own_condition_fails_mid_transaction(store) -> None:
    ddb, table, users = store
    writes = _writes(table, users)
    clash = {
        "Put": {
            "TableName": table,
            "Item": {"pk": {"S": "u1"}, "sk": {"S": "T#3"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    error = _assert_cancelled_cleanly(ddb, [table, users], [*writes[:3], clash, *writes[3:]])
    reasons = [r["Code"] for r in error.response["CancellationReasons"]]
    assert reasons[3] == "ConditionalCheckFailed"


def test_duplicate_item(store) -> None:
    ddb, table, users = store
    writes = _writes(table, users)
    again = {"Delete": {"TableName": table, "Key": {"pk": {"S": "u0"}, "sk": {"S": "T#new"}}}}
    error = _assert_cancelled_cleanly(ddb, [table, users], [*writes, again])
    assert error.response["Error"]["Code"] == "ValidationException"


def test_validation_error_after_writes(store) -> None:
    ddb, table, users = store
    bad_key = {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": "u0"}},  # no range key
            "UpdateExpression": "SET a = :a",
            "ExpressionAttributeValues": {":a": {"S": "x"}},
        }
    }
    error = _assert_cancelled_cleanly(ddb, [table, users], [*_writes(table, users), bad_key])
    assert error.response["Error"]["Code"] == "ValidationException"


def test_invalid_update_expression_after_writes(store) -> None:
    ddb, table, users = store
    unknown_value = {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": "u1"}, "sk": {"S": "T#5"}},
            "UpdateExpression": "SET title = :missing",
            "ExpressionAttributeValues": {":t": {"S": "x"}},
        }
    }
    error = _assert_cancelled_cleanly(ddb, [table, users], [*_writes(table, users), unknown_value])
    assert error.response["Error"]["Code"] in {
        "ValidationException",
        "TransactionCanceledException",
    }


def test_item_too_large_after_writes(store) -> None:
    ddb, table, users = store
    too_big = {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": "u1"}, "sk": {"S": "T#4"}},
            "UpdateExpression": "SET title = :big",
            "ExpressionAttributeValues": {":big": {"S": "x" * 420_000}},
        }
    }
    _assert_cancelled_cleanly(ddb, [table, users], [*_writes(table, users), too_big])


def test_missing_table_after_writes(store) -> None:
    ddb, table, users = store
    missing = {"Delete": {"TableName": "no-such-table", "Key": {"pk": {"S": "x"}}}}
    _assert_cancelled_cleanly(ddb, [table, users], [*_writes(table, users), missing])


def test_a_committed_transaction_is_all_there(store) -> None:
    ddb, table, users = store
    ddb.transact_write_items(TransactItems=_writes(table, users))
    edited = ddb.get_item(TableName=table, Key={"pk": {"S": "u1"}, "sk": {"S": "T#1"}})["Item"]
    assert edited["title"] == {"S": "edited"} and "lk" not in edited
    by_ls = ddb.query(
        TableName=table,
        IndexName="by_ls",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "u0"}},
    )["Items"]
    assert [i["sk"]["S"] for i in by_ls] == ["T#new", "T#0", "T#4"]
    by_g = ddb.query(
        TableName=table,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "bucket"}},
    )["Items"]
    assert [i["sk"]["S"] for i in by_g] == ["T#new", "T#5", "T#4"]


def test_no_table_is_copied(store, monkeypatch) -> None:
    """The point of the undo log: a transaction's cost does not depend on table sizes."""
    ddb, table, users = store
    import copy

    copied: list[str] = []
    real = copy.deepcopy

    def spy(value: Any, memo: Any = None) -> Any:
        copied.append(type(value).__name__)
        return real(value, memo)

    monkeypatch.setattr(copy, "deepcopy", spy)
    _cancel(ddb, [*_writes(table, users), _failing_condition(table)])
    assert "Table" not in copied and "defaultdict" not in copied


def test_refuses_untested_moto_versions(monkeypatch, capsys) -> None:
    monkeypatch.setattr(emulator, "moto_version", lambda: (5, 99))
    assert not emulator.fast_paths_supported()
    saved = dict(emulator._originals)
    emulator._originals.clear()
    try:
        assert emulator.install_fast_paths() is False
        assert "not a version the fast paths were tested on" in capsys.readouterr().err
    finally:
        emulator._originals.update(saved)
    assert dynamodb_backends  # the store itself is untouched


def test_items_are_built_as_moto_builds_them(store) -> None:
    """The linear Item constructor stores the same attributes and refuses the same sizes."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    ddb, table, _ = store
    attrs = {
        "pk": {"S": "p"},
        "sk": {"S": "s"},
        "n": {"N": "1.50"},
        "l": {"L": [{"S": "x"}, {"M": {"y": {"BOOL": True}}}]},
        "ss": {"SS": ["a", "b"]},
    }
    fast = Item(DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)
    plain = Item.__new__(Item)
    keys = DynamoType(attrs["pk"]), DynamoType(attrs["sk"])
    emulator._originals["item_init"](plain, *keys, attrs)
    assert fast == plain and fast.size() == plain.size() and type(fast.attrs) is type(plain.attrs)
    for size in (404_990, 405_000, 405_010):
        big = {"pk": {"S": "p"}, "sk": {"S": "s"}, "v": {"S": "x" * (size - 5)}}
        outcomes = []
        for build in (Item.__init__, emulator._originals["item_init"]):
            try:
                build(Item.__new__(Item), DynamoType(big["pk"]), DynamoType(big["sk"]), big)
                outcomes.append("ok")
            except Exception as error:
                outcomes.append(type(error).__name__)
        assert outcomes[0] == outcomes[1], size
    with pytest.raises(ClientError) as raised:
        huge = {"pk": {"S": "p"}, "sk": {"S": "s"}, "v": {"S": "x" * 420_000}}
        ddb.put_item(TableName=table, Item=huge)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
