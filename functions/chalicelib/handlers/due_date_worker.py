"""The due-date job's worker: runs one group of shards the coordinator handed out (on
AWS an SQS message of ``DueDateWorkQueue``; in the local stacks the scheduler's process
pool calls it with the same event)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import fanout

# The name Chalice gives the event source; infra/package.py points it at the template's
# DueDateWorkQueue (whose physical name is the stack's).
WORK_QUEUE = "due-date-work"

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=WORK_QUEUE, batch_size=1, name="due_date_worker")
def due_date_worker(event: Any) -> list[dict[str, Any]]:
    """Deliver what is due in the message's shards. A message that is not the
    coordinator's fails (and ends in the queue's dead-letter queue)."""
    done = []
    for record in event:
        shards, run_id = fanout.read_message(record.body)
        done.append(fanout.run_shards(shards, run_id))
    return done
