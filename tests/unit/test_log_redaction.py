"""The log formatter masks secrets even when a caller logs them by mistake."""

from __future__ import annotations

import io
import json
import logging

import pytest

from taskcore.logs import configure_logging, redact, redact_fields

SECRET = 'hunter 2 \\" hunter'  # a space and an escaped quote inside the value


@pytest.mark.parametrize(
    "text",
    [
        f'{{"password": "{SECRET}", "email": "a@example.com"}}',  # JSON
        "{'password': 'hunter 2 hunter', 'email': 'a@example.com'}",  # a dict's repr
        "password=hunter2&email=a@example.com",  # a form or query string
        "refresh_token: 01ABC.fam.hunter2",
        '{"token": "01USER.hunter2-mailed-code", "new_password": "hunter2 new"}',
        "current_password=hunter2&new_password=hunter2x",
        "reset with token=01USER.hunter2",
        "Authorization: Bearer hunter2.hunter2",
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.hunter2",
    ],
)
def test_secrets_are_masked_and_the_rest_kept(text: str) -> None:
    masked = redact(text)
    assert "hunter" not in masked and "[redacted]" in masked
    if "email" in text:
        assert "a@example.com" in masked


def test_the_json_formatter_masks_fields_and_messages() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = [h for h in root.handlers if not getattr(h, "_taskapp", False)]
    try:
        configure_logging("INFO")
        buffer = io.StringIO()
        for handler in root.handlers:
            if getattr(handler, "_taskapp", False):
                handler.setStream(buffer)  # type: ignore[attr-defined]
        logging.getLogger("taskapp.test").info(
            "login with password=hunter2", extra={"Authorization": "Bearer x", "user_id": "u1"}
        )
    finally:
        root.handlers, root.level = saved_handlers, saved_level
    line = json.loads(buffer.getvalue())
    assert "hunter2" not in buffer.getvalue()
    assert line["Authorization"] == "[redacted]" and line["user_id"] == "u1"


def test_nested_fields_and_exceptions_are_masked_without_changing_the_callers_objects() -> None:
    body = {"user": {"password": "hunter2", "email": "a@example.com"}, "tokens": ["Bearer x1"]}
    record = {"body": body, "error": ValueError("password=hunter2"), "n": 3}
    assert redact_fields(record) == {
        "body": {"user": {"password": "[redacted]", "email": "a@example.com"},
                 "tokens": ["Bearer [redacted]"]},
        "error": "password=[redacted]",
        "n": 3,
    }  # fmt: skip
    assert body["user"]["password"] == "hunter2"  # the caller's dict is left alone
