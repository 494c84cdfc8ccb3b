"""moto's server as the local DynamoDB endpoint, made safe for concurrent clients.

moto undoes a cancelled transaction by putting back copies of the tables it took when
the transaction began. With several requests in flight, that puts back a state from
before another request's committed write, and the write is lost. The real DynamoDB has
no such problem, so the emulator answers one DynamoDB request at a time: it is slower
under concurrency, but it never loses a write.

It also stops a leak: moto remembers every model object it ever creates (for its
``/moto-api`` inspection page), and a transaction copies whole tables to be able to undo
itself, so memory grew with every write times the table size. The emulator forgets them
after each request.

Run: ``python local/dynamodb_emulator.py -p 8000`` (same arguments as ``moto_server``).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

_lock = threading.RLock()
_installed = False


def serialise_dynamodb_requests() -> None:
    """Make moto's DynamoDB answer one request at a time (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.core.model_instances import model_data
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    tracked = model_data["dynamodb"]

    def call_action(self: Any) -> Any:
        with _lock:
            try:
                return original(self)
            finally:
                for model in tracked.values():
                    model.instances_tracked = []  # type: ignore[attr-defined]

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _installed = True


def main(argv: list[str] | None = None) -> None:
    """Start moto's server with DynamoDB requests serialised."""
    serialise_dynamodb_requests()
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
