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


class _RedactingJsonFormatter(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for key, value in list(log_data.items()):
            if key.lower() in _SECRET_KEYS:
                log_data[key] = "[redacted]"
            elif isinstance(value, str):
                log_data[key] = redact(value)
        return log_data


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stdout as one JSON line (idempotent)."""
    root = logging.getLogger()
    if any(getattr(h, "_taskapp", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        _RedactingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler._taskapp = True  # type: ignore[attr-defined]
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.StreamHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("botocore", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
