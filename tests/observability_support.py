"""Reading what chalicelib.observability writes: log lines and CloudWatch EMF documents."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

Lines = Callable[[], list[dict[str, Any]]]


@contextlib.contextmanager
def captured() -> Iterator[Lines]:
    """Everything the process writes as JSON lines: the log handler's and stdout (EMF)."""
    buffer = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_taskapp", False)]
    streams = [h.setStream(buffer) for h in handlers]  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(buffer):
            yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)  # type: ignore[attr-defined]


def metric_lines(lines: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """The EMF documents among ``lines`` (all in ``namespace``), each as
    ``{"dimensions", "metrics", **properties}``."""
    found = []
    for line in lines:
        if "_aws" not in line:
            continue
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == namespace
        names = [metric["Name"] for metric in directive["Metrics"]]
        found.append(
            {
                "dimensions": directive["Dimensions"],
                "metrics": {name: line[name] for name in names},
                **{k: v for k, v in line.items() if k != "_aws" and k not in names},
            }
        )
    return found
