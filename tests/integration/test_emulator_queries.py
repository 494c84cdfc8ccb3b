"""The emulator's indexed queries answer exactly what moto's own Query answers.

A derandomized differential test: random writes (puts, updates that move items in and
out of sparse indexes, deletes, transactions, some cancelled) with the emulator's write
hooks maintaining its indexes; after each batch, random queries on the table, two local
indexes and a global one (every key-condition operator, both directions, limits,
pagination through ExclusiveStartKey, filters, projections, consistent reads, COUNT) are
answered by the emulator and by moto's own code, and every page must be identical.
"""

from __future__ import annotations

import random
from typing import Any

import dynamodb_emulator as emulator
import pytest
from botocore.exceptions import ClientError
from emulator_support import client, create_indexed_table, moto_queries

ALPHABET = "abcd"
PARTITIONS = ("a", "b", "c")
GSI_HASHES = ("g1", "g2")
NUMBERS = ("-3", "-1.5", "0", "1", "1.5", "2", "10", "11", "100")


@pytest.fixture
def ddb(moto_dynamodb: None) -> Any:
    assert emulator.fast_paths_installed()
    return client()


def _word(rng: random.Random, longest: int = 3) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, longest)))


def _item(rng: random.Random) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": rng.choice(PARTITIONS)},
        "sk": {"S": _word(rng)},
        "title": {"S": _word(rng, 6)},
        "n": {"N": rng.choice(NUMBERS)},
    }
    if rng.random() < 0.7:
        item["ls"] = {"S": _word(rng, 2)}
    if rng.random() < 0.5:
        item["lk"] = {"S": _word(rng, 2)}
    if rng.random() < 0.6:
        item["g"] = {"S": rng.choice(GSI_HASHES)}
        item["gs"] = {"N": rng.choice(NUMBERS)}
    if rng.random() < 0.2:
        item["tags"] = {"L": [{"S": _word(rng)}, {"M": {"x": {"N": "1"}}}]}
    return item


def _key(rng: random.Random) -> dict[str, Any]:
    return {"pk": {"S": rng.choice(PARTITIONS)}, "sk": {"S": _word(rng)}}


def _update(rng: random.Random, table: str) -> dict[str, Any]:
    sets, removes, values = [], [], {}
    for attribute in ("ls", "lk", "title"):
        roll = rng.random()
        if roll < 0.4:
            sets.append(f"{attribute} = :{attribute}")
            values[f":{attribute}"] = {"S": _word(rng, 2)}
        elif roll < 0.6 and attribute != "title":
            removes.append(attribute)
    if rng.random() < 0.4:
        sets += ["g = :g", "gs = :gs"]
        values |= {":g": {"S": rng.choice(GSI_HASHES)}, ":gs": {"N": rng.choice(NUMBERS)}}
    elif rng.random() < 0.3:
        removes.append("g")
    expression = ("SET " + ", ".join(sets) if sets else "SET title = :t") + (
        " REMOVE " + ", ".join(removes) if removes else ""
    )
    if not sets:
        values[":t"] = {"S": "t"}
    return {
        "TableName": table,
        "Key": _key(rng),
        "UpdateExpression": expression,
        "ExpressionAttributeValues": values,
    }


def _write(ddb: Any, rng: random.Random, table: str) -> None:
    roll = rng.random()
    if roll < 0.5:
        ddb.put_item(TableName=table, Item=_item(rng))
    elif roll < 0.7:
        ddb.update_item(**_update(rng, table))
    elif roll < 0.85:
        ddb.delete_item(TableName=table, Key=_key(rng))
    else:
        actions: list[dict[str, Any]] = []
        keys: set[str] = set()
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(("Put", "Update", "Delete"))
            if kind == "Put":
                action = {"Put": {"TableName": table, "Item": _item(rng)}}
                key = action["Put"]["Item"]
            elif kind == "Update":
                action = {"Update": _update(rng, table)}
                key = action["Update"]["Key"]
            else:
                action = {"Delete": {"TableName": table, "Key": _key(rng)}}
                key = action["Delete"]["Key"]
            marker = f"{key['pk']['S']}/{key['sk']['S']}"
            if marker not in keys:
                keys.add(marker)
                actions.append(action)
        if rng.random() < 0.4:  # cancelled by a failing condition at a random place
            actions.insert(
                rng.randint(0, len(actions)),
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "zz"}, "sk": {"S": "zz"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            )
        try:
            ddb.transact_write_items(TransactItems=actions)
        except ClientError as error:
            assert error.response["Error"]["Code"] in {
                "TransactionCanceledException",
                "ValidationException",
            }


_TARGETS = {
    None: ("pk", PARTITIONS, "sk", "S"),
    "by_ls": ("pk", PARTITIONS, "ls", "S"),
    "by_lk": ("pk", PARTITIONS, "lk", "S"),
    "by_g": ("g", GSI_HASHES, "gs", "N"),
}


def _value(rng: random.Random, kind: str) -> dict[str, str]:
    return {"N": rng.choice(NUMBERS)} if kind == "N" else {"S": _word(rng, 2)}


def _key_condition(
    rng: random.Random, index: str | None, names: dict[str, str], values: dict[str, Any]
) -> str:
    hash_attr, hash_values, range_attr, kind = _TARGETS[index]
    names["#h"] = hash_attr
    values[":h"] = {"S": rng.choice((*hash_values, "zz"))}
    operator = rng.choice(("none", "=", "<", "<=", ">", ">=", "between", "begins_with"))
    if operator == "none" or (operator == "begins_with" and kind == "N"):
        return "#h = :h"
    names["#r"] = range_attr
    values[":a"] = _value(rng, kind)
    if operator == "between":
        values[":b"] = _value(rng, kind)
        return "#h = :h AND #r BETWEEN :a AND :b"
    if operator == "begins_with":
        return "#h = :h AND begins_with(#r, :a)"
    return f"#h = :h AND #r {operator} :a"


def _query(rng: random.Random, table: str) -> dict[str, Any]:
    index = rng.choice(list(_TARGETS))
    request: dict[str, Any] = {"TableName": table}
    if index:
        request["IndexName"] = index
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    request["KeyConditionExpression"] = _key_condition(rng, index, names, values)
    if rng.random() < 0.5:
        request["ScanIndexForward"] = False
    if rng.random() < 0.7:
        request["Limit"] = rng.choice((1, 2, 3, 5, 8))
    if rng.random() < 0.25:
        request["FilterExpression"] = "n > :n"
        values[":n"] = {"N": "0"}
    if rng.random() < 0.2:
        request["ProjectionExpression"] = "#h, sk, title"
    elif rng.random() < 0.1:
        request["Select"] = "COUNT"
    if index != "by_g" and rng.random() < 0.3:
        request["ConsistentRead"] = True
    request["ExpressionAttributeNames"] = names
    request["ExpressionAttributeValues"] = values
    return request


def _answer(ddb: Any, request: dict[str, Any]) -> dict[str, Any]:
    try:
        reply = ddb.query(**request)
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}
    reply.pop("ResponseMetadata")
    return reply


def _compare_all_pages(ddb: Any, request: dict[str, Any]) -> int:
    pages = 0
    while True:
        fast = _answer(ddb, request)
        with moto_queries():
            reference = _answer(ddb, request)
        assert fast == reference, request
        pages += 1
        if "LastEvaluatedKey" not in fast:
            return pages
        request = dict(request, ExclusiveStartKey=fast["LastEvaluatedKey"])


@pytest.mark.parametrize("seed", [1, 2])
def test_queries_match_moto(ddb, seed: int) -> None:
    rng = random.Random(seed)
    table = create_indexed_table(ddb)
    pages = 0
    counts = dict(emulator.query_counts)
    for _ in range(8):
        for _ in range(25):
            _write(ddb, rng, table)
        for _ in range(20):
            pages += _compare_all_pages(ddb, _query(rng, table))
    assert pages > 200
    indexed = emulator.query_counts["indexed"] - counts["indexed"]
    assert indexed >= pages * 0.9, (
        "nearly every query is answered from the indexes"
    )  # the walk covered multi-page answers too


def test_start_key_outside_the_results(ddb) -> None:
    """An ExclusiveStartKey need not be an item: moto resumes after its position."""
    table = create_indexed_table(ddb)
    for sk in ("a", "c", "e", "g"):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": sk}, "ls": {"S": sk}})
    for forward in (True, False):
        for start in ({"pk": {"S": "p"}, "sk": {"S": "d"}}, {"pk": {"S": "p"}, "sk": {"S": "z"}}):
            request = {
                "TableName": table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": "p"}},
                "ScanIndexForward": forward,
                "ExclusiveStartKey": start,
                "Limit": 2,
            }
            _compare_all_pages(ddb, request)


def test_reads_encode_like_moto(ddb) -> None:
    """GetItem, BatchGetItem and Scan replies, encoded directly, equal moto's encoding."""
    rng = random.Random(7)
    table = create_indexed_table(ddb)
    for _ in range(60):
        item = _item(rng)
        item["bin"] = {"B": bytes([rng.randrange(256) for _ in range(5)])}
        item["set"] = {"SS": ["x", "y"]}
        item["flag"] = {"BOOL": True}
        item["nothing"] = {"NULL": True}
        ddb.put_item(TableName=table, Item=item)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in ddb.scan(TableName=table, Limit=30)["Items"]]
    requests: list[tuple[str, dict[str, Any]]] = [
        ("scan", {"TableName": table}),
        ("scan", {"TableName": table, "IndexName": "by_g", "Limit": 7}),
        ("get_item", {"TableName": table, "Key": keys[0]}),
        ("get_item", {"TableName": table, "Key": {"pk": {"S": "zz"}, "sk": {"S": "zz"}}}),
        (
            "get_item",
            {"TableName": table, "Key": keys[1], "ProjectionExpression": "title, bin, tags"},
        ),
        ("batch_get_item", {"RequestItems": {table: {"Keys": keys}}}),
        (
            "query",
            {
                "TableName": table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": "a"}},
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
    ]
    for operation, request in requests:
        fast = getattr(ddb, operation)(**request)
        with moto_queries():
            reference = getattr(ddb, operation)(**request)
        fast.pop("ResponseMetadata")
        reference.pop("ResponseMetadata")
        assert fast == reference, operation


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice(("S", "N", "B", "SS", "NS", "BS", "BOOL", "NULL", "M", "L", "odd"))
    if kind in ("M", "L") and depth > 2:
        kind = "S"
    if kind == "M":
        return {"M": {_word(rng): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}}
    if kind == "L":
        return {"L": [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]}
    if kind in ("B", "BS"):
        blob = "AAEC/w=="  # base64 of 00 01 02 ff
        return {kind: blob if kind == "B" else [blob, "YQ=="]}
    if kind == "odd":  # not a well-formed attribute value: moto's own parser decides
        return rng.choice(({"S": "a", "N": "1"}, {"X": "y"}, {"S": None}, {"M": "no"}, {}))
    return {kind: rng.choice((["a", "b"], ["1", "2"])) if kind in ("SS", "NS") else _word(rng)}


def test_requests_parse_like_moto(moto_dynamodb: None) -> None:
    """The direct AttributeValue parser gives what moto's shape-driven parser gives."""
    import json

    from moto.core.parse import PROTOCOL_PARSERS, BaseJSONParser
    from moto.core.utils import get_service_model
    from moto.dynamodb.responses import DynamoHandler

    service = get_service_model("dynamodb")
    rng = random.Random(11)
    errors = 0
    for _ in range(300):
        operation = rng.choice(("PutItem", "UpdateItem", "Query", "BatchWriteItem"))
        values = {f":v{i}": _random_value(rng) for i in range(3)}
        item = {
            "pk": {"S": "p"},
            "sk": {"S": "s"},
            **{_word(rng): _random_value(rng) for _ in range(4)},
        }
        body = {
            "PutItem": {"TableName": "t", "Item": item},
            "UpdateItem": {
                "TableName": "t",
                "Key": {"pk": {"S": "p"}},
                "ExpressionAttributeValues": values,
            },
            "Query": {
                "TableName": "t",
                "ExpressionAttributeValues": values,
                "ExclusiveStartKey": item,
            },
            "BatchWriteItem": {"RequestItems": {"t": [{"PutRequest": {"Item": item}}]}},
        }[operation]
        request = {
            "method": "POST",
            "values": {},
            "headers": {},
            "body": json.dumps(body),
            "url_path": "/",
            "url_params": {},
        }
        parsed = []
        for structure in (BaseJSONParser._parse_structure, emulator._originals["parse_structure"]):
            saved = BaseJSONParser._parse_structure
            BaseJSONParser._parse_structure = structure
            try:
                parser = PROTOCOL_PARSERS["json"](
                    service.operation_model(operation),
                    map_type=DynamoHandler.PROTOCOL_PARSER_MAP_TYPE,
                )
                parsed.append(repr(parser.parse(request)))
            except Exception as error:
                parsed.append(f"{type(error).__name__}: {error}")
            finally:
                BaseJSONParser._parse_structure = saved
        assert parsed[0] == parsed[1], body
        errors += parsed[0].startswith(("KeyError", "AttributeError", "TypeError"))
    assert errors < 50, "most requests parse"
