"""Structured logging: one JSON object per line, with secrets kept out."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# Anything that looks like a bearer token, JWT, password or token field (the e-mailed
# codes of password reset and verification included) is masked even if a careless caller
# passes it to a log call.
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
    # key: value, key=value, "key": "value" and Python's 'key': 'value'; a quoted value
    # is masked whole, spaces and escaped quotes included.
    re.compile(
        r"""(?i)(["']?(?:password|token|secret)["']?\s*[:=]\s*)"""
        r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}]+)"""
    ),
)
_SECRET_KEYS = frozenset(
    {
        "password",
        "current_password",
        "new_password",
        "token",
        "refresh_token",
        "access_token",
        "authorization",
        "secret",
    }
)


def redact(text: str) -> str:
    """``text`` with anything token- or password-like replaced by ``[redacted]``."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


def redact_fields(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with secret-named fields masked and secret-looking text redacted, at any
    depth (a formatter may have decoded a JSON message into a dict). The record itself is
    changed in place; nested values are copied, never the caller's own objects changed."""
    for key, value in list(record.items()):
        record[key] = _redacted(key, value)
    return record


def _redacted(key: str, value: Any) -> Any:
    if key.lower() in _SECRET_KEYS:
        return "[redacted]"
    if isinstance(value, str | BaseException):  # an exception is written as its text
        return redact(str(value))
    if isinstance(value, dict):
        return {k: _redacted(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted("", item) for item in value]
    return value


class _RedactingJsonFormatter(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return redact_fields(log_data)


def json_formatter() -> logging.Formatter:
    """The default formatter: ``time``, ``level``, ``logger``, ``message`` and the
    record's extra fields, redacted."""
    return _RedactingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def configure_logging(level: str = "INFO", formatter: logging.Formatter | None = None) -> None:
    """Send every log record to stdout as one JSON line (idempotent). A ``formatter``
    replaces the current one (e.g. the Lambda entry's Powertools formatter, which redacts
    with :func:`redact_fields` too); without one, the first call installs
    :func:`json_formatter`."""
    root = logging.getLogger()
    for existing in root.handlers:
        if getattr(existing, "_taskapp", False):
            if formatter is not None:
                existing.setFormatter(formatter)
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter or json_formatter())
    handler._taskapp = True  # type: ignore[attr-defined]
    # The Lambda runtime puts a handler of its own on the root logger (plain text lines);
    # beside ours every record would be written twice. pytest's capture handler stays.
    root.handlers = [h for h in root.handlers if type(h).__module__.startswith("_pytest")]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("botocore", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
