from __future__ import annotations

import pytest

from taskcore.config import Settings
from taskcore.cursors import CursorCodec, Position
from taskcore.errors import BadRequest, ConfigurationError, Unauthorized, ValidationFailed
from taskcore.schemas import (
    ListParams,
    RegisterRequest,
    TaskCreate,
    TaskUpdate,
    validate,
    validate_query,
)


def _fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def test_register_normalises_email_and_checks_password_length() -> None:
    request = validate(RegisterRequest, {"email": "  Ann@Example.COM ", "password": "12345678"})
    assert request.email == "ann@example.com"
    with pytest.raises(ValidationFailed) as caught:
        validate(RegisterRequest, {"email": "nope", "password": "short", "timezone": "Nowhere/X"})
    assert set(_fields(caught.value)) == {"email", "password", "timezone"}


@pytest.mark.parametrize(
    "email",
    [
        "mallory<victim@example.com>",  # a display name: mail would go to the victim
        "x,victim@example.com",  # a list of two
        "Victim <victim@example.com>",
        '"quoted"@example.com',
        "a;b@example.com",
        "group:victim@example.com",
    ],
)
def test_an_address_is_one_plain_mailbox(email: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(RegisterRequest, {"email": email, "password": "12345678"})
    assert set(_fields(caught.value)) == {"email"}


def test_a_name_is_one_line() -> None:
    body = {"email": "ann@example.com", "password": "12345678", "name": "Ann\nClick here"}
    with pytest.raises(ValidationFailed) as caught:
        validate(RegisterRequest, body)
    assert _fields(caught.value) == {"name": "must be one line, without control characters"}
    assert validate(RegisterRequest, {**body, "name": "Ann Lee"}).name == "Ann Lee"


def test_read_only_and_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(TaskCreate, {"title": "t", "id": "x", "version": 9, "owner": "someone"})
    assert _fields(caught.value) == {
        "id": "is read-only",
        "version": "is read-only",
        "owner": "is not a known field",
    }


def test_task_fields() -> None:
    task = validate(TaskCreate, {"title": "  Pay rent ", "tags": ["Home", "home", "bills"]})
    assert task.title == "Pay rent"
    assert task.tags == ["home", "bills"]
    with pytest.raises(ValidationFailed) as caught:
        validate(
            TaskCreate,
            {
                "title": "   ",
                "description": "d" * 10001,
                "priority": "urgent",
                "tags": ["a b"],
                "due_at": "2026-05-01T10:00:00",
            },
        )
    assert set(_fields(caught.value)) == {"title", "description", "priority", "tags.0", "due_at"}
    with pytest.raises(ValidationFailed):
        validate(TaskCreate, {"title": "t", "tags": [f"t{i}" for i in range(21)]})
    with pytest.raises(ValidationFailed):
        validate(TaskCreate, {"title": "t", "completed": "yes"})


def test_patch_distinguishes_null_from_absent() -> None:
    update = validate(TaskUpdate, {"due_at": None})
    assert "due_at" in update.model_fields_set
    assert "due_at" not in validate(TaskUpdate, {}).model_fields_set


def test_body_must_be_an_object() -> None:
    with pytest.raises(ValidationFailed):
        validate(TaskCreate, ["title"])


def test_bad_query_parameters_are_400() -> None:
    assert validate_query(ListParams, {"limit": "10", "sort": "due_at"}).limit == 10
    for params in (
        {"limit": "0"},
        {"limit": "101"},
        {"sort": "title"},
        {"completed": "yes"},
        {"colour": "red"},
    ):
        with pytest.raises(BadRequest):
            validate_query(ListParams, params)


def test_cursors_are_bound_to_user_and_query() -> None:
    codec = CursorCodec("k" * 40)
    cursor = codec.encode("u1", "q1", Position(1, {"sk": "T#1"}))
    assert codec.decode(cursor, "u1", "q1") == Position(1, {"sk": "T#1"})
    with pytest.raises(BadRequest):
        codec.decode(cursor, "u2", "q1")
    with pytest.raises(BadRequest, match="different query"):
        codec.decode(cursor, "u1", "q2")
    with pytest.raises(BadRequest):
        codec.decode(cursor[:-2] + "xx", "u1", "q1")
    with pytest.raises(BadRequest):
        CursorCodec("other" * 10).decode(cursor, "u1", "q1")


def test_production_refuses_a_missing_or_default_secret() -> None:
    with pytest.raises(ConfigurationError):
        Settings(TASKAPP_STAGE="prod")
    with pytest.raises(ConfigurationError):
        Settings(TASKAPP_STAGE="dev", JWT_SECRET="short")
    with pytest.raises(ConfigurationError):
        Settings(TASKAPP_STAGE="prod", JWT_SECRET="x" * 40, BCRYPT_COST=4)
    good = {"JWT_SECRET": "x" * 40, "CURSOR_SECRET": "c" * 40}
    assert Settings(TASKAPP_STAGE="prod", BCRYPT_COST=12, **good).bcrypt_cost == 12
    # Cursors and sync tokens have a key of their own in production.
    with pytest.raises(ConfigurationError, match="CURSOR_SECRET"):
        Settings(TASKAPP_STAGE="prod", JWT_SECRET="x" * 40, BCRYPT_COST=12)
    with pytest.raises(ConfigurationError, match="CURSOR_SECRET"):
        Settings(TASKAPP_STAGE="prod", JWT_SECRET="x" * 40, CURSOR_SECRET="x" * 40)
    with pytest.raises(ConfigurationError, match="JWT_SECRETS"):
        Settings(TASKAPP_STAGE="prod", JWT_SECRETS="y" * 40 + ",short", CURSOR_SECRET="c" * 40)


def test_a_jwt_key_rotation_keeps_sessions_and_sync_points() -> None:
    from datetime import UTC, datetime

    from taskcore.auth import AccessTokens

    now = datetime(2026, 3, 1, tzinfo=UTC)
    old = Settings(TASKAPP_STAGE="test", JWT_SECRETS="k1" * 20, CURSOR_SECRET="c" * 40)
    new = Settings(
        TASKAPP_STAGE="test", JWT_SECRETS="k2" * 20 + "," + "k1" * 20, CURSOR_SECRET="c" * 40
    )
    done = Settings(TASKAPP_STAGE="test", JWT_SECRETS="k2" * 20, CURSOR_SECRET="c" * 40)

    def tokens(s: Settings) -> AccessTokens:
        return AccessTokens(s.signing_keys, issuer="i", audience="a", ttl_seconds=900)

    issued = tokens(old).issue("u1", "f1", now)
    assert tokens(new).verify(issued, now).user_id == "u1"  # the old key still verifies
    fresh = tokens(new).issue("u1", "f1", now)
    assert tokens(done).verify(fresh, now).user_id == "u1"  # signed by the new key
    with pytest.raises(Unauthorized):
        tokens(done).verify(issued, now)  # the retired key no longer verifies
    # Cursors and sync tokens never depended on the JWT keys.
    sealed = CursorCodec(old.cursor_key).seal("sync", {"s": 1})
    assert CursorCodec(done.cursor_key).unseal("sync", sealed) == {"s": 1}


def test_tags_take_letters_and_digits_of_any_script() -> None:
    created = validate(TaskCreate, {"title": "t", "tags": ["Café", "cafe\u0301", "仕事", "x_1-y"]})
    # One Unicode form, lower case, unique: the decomposed "café" is the same tag.
    assert created.tags == ["café", "仕事", "x_1-y"]
    for bad in ("a b", "a.b", "emoji😀", "", "a" * 33):
        with pytest.raises(ValidationFailed):
            validate(TaskCreate, {"title": "t", "tags": [bad]})


def test_query_booleans_are_the_text_true_or_false() -> None:
    assert validate_query(ListParams, {"completed": "true", "has_due": "false"}).completed is True
    for bad in ("True", "1", "yes", ""):
        with pytest.raises(BadRequest):
            validate_query(ListParams, {"overdue": bad})


def test_repeated_tags_are_one_set_whatever_their_order() -> None:
    one = validate_query(ListParams, {"tag": ["Home", "errands"]})
    other = validate_query(ListParams, {"tag": ["errands", "home", "home"]})
    assert one.tag == other.tag == ["errands", "home"]
    assert one.model_dump() == other.model_dump()  # so their cursors are interchangeable


def test_an_unencoded_plus_in_an_offset_says_how_to_send_it() -> None:
    with pytest.raises(BadRequest) as caught:
        validate_query(ListParams, {"due_from": "2026-03-01T00:00:00 01:00"})
    assert caught.value.code == "invalid_query" and "%2B" in caught.value.detail
    encoded = validate_query(ListParams, {"due_from": "2026-03-01T00:00:00+01:00"})
    assert encoded.due_from == "2026-03-01T00:00:00+01:00"
