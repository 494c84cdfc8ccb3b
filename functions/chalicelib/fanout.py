"""The due-date job's fan-out: how the coordinator's shard ranges reach the workers.

The coordinator (the scheduled ``due_date_job``) splits the index's shards into groups
(:func:`taskcore.services.reminders.shard_groups`) and hands each group to a worker, the
``due_date_worker`` handler, as one message (:func:`message`). Who carries the messages:

* on AWS, ``DUE_JOB_QUEUE_URL`` names an SQS queue (infra/resources.yaml,
  ``DueDateWorkQueue``): :class:`SqsDispatcher` sends one message per group, and the
  queue's event source mapping invokes the worker function once per message, in
  parallel. A worker that fails leaves its message to be received again, and after five
  receives it goes to the queue's dead-letter queue;
* in the local stacks, the scheduler installs its process pool with :func:`use`
  (local/worker_pool.py): each group runs the same worker handler in a pool process, with
  the event SQS would deliver;
* otherwise (the in-process app of the tests, ``chalice local``) nothing fans out: the
  coordinator runs every shard itself, as one run.

Whoever runs a group, its work is :func:`run_shards`. Delivery stays exactly-once
whatever arrives twice or concurrently (a message received again, a run overlapping the
next one): each notification is stored by a conditional transaction (see
:mod:`taskcore.services.reminders`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib import deps as app_deps
from chalicelib import observability
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from taskcore.config import Settings
    from taskcore.services import reminders
else:
    reminders = lazy_module("taskcore.services.reminders")

# SendMessageBatch takes at most this many messages.
_BATCH = 10


class Dispatcher(Protocol):
    """Carries the coordinator's messages to the workers."""

    def dispatch(self, bodies: Sequence[str]) -> None:
        """Hand every message to a worker; raise when one could not be handed over."""
        ...


def message(shards: range, run_id: str) -> str:
    """The message of one group: its shards and the coordinator's run (the correlation
    id of every log line of the run, workers included)."""
    return json.dumps({"first": shards.start, "stop": shards.stop, "run": run_id})


def read_message(body: str) -> tuple[range, str]:
    """The shards and run id of a message; ``ValueError`` for anything else."""
    try:
        fields = json.loads(body)
        first, stop, run = fields["first"], fields["stop"], fields["run"]
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a due-date job message: {body[:200]!r}") from error
    ints = isinstance(first, int) and isinstance(stop, int)
    if not ints or not 0 <= first < stop or not isinstance(run, str):
        raise ValueError(f"not a due-date job message: {body[:200]!r}")
    return range(first, stop), run


class SqsDispatcher:
    """One SQS message per group (``SendMessageBatch``, ten at a time)."""

    def __init__(self, queue_url: str, region: str) -> None:
        self.queue_url = queue_url
        self._region = region
        self._client: Any = None

    def dispatch(self, bodies: Sequence[str]) -> None:
        """Send the messages; a message SQS refused fails the coordinator's run (Lambda
        retries it once, then its event goes to the job's dead-letter queue)."""
        client = self._sqs()
        for start in range(0, len(bodies), _BATCH):
            entries = [
                {"Id": str(n), "MessageBody": body}
                for n, body in enumerate(bodies[start : start + _BATCH])
            ]
            reply = client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = reply.get("Failed") or []
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} of the job's messages: {failed}")

    def _sqs(self) -> Any:
        if self._client is None:
            # Imported here: only the coordinator on AWS sends messages.
            import boto3
            from botocore.config import Config

            timeouts = Config(connect_timeout=1, read_timeout=5, retries={"mode": "standard"})
            self._client = boto3.client("sqs", region_name=self._region, config=timeouts)
        return self._client


_installed: Dispatcher | None = None
_queue: SqsDispatcher | None = None


def use(dispatcher: Dispatcher | None) -> None:
    """Fan out through ``dispatcher`` in this process (the local scheduler's pool;
    tests), or go back to the configured one with ``None``."""
    global _installed
    _installed = dispatcher


def dispatcher(settings: Settings) -> Dispatcher | None:
    """This process's dispatcher: the installed one, else the SQS queue of
    ``DUE_JOB_QUEUE_URL``, else none (the coordinator runs every shard itself)."""
    global _queue
    if _installed is not None:
        return _installed
    url = settings.due_job_queue_url
    if not url:
        return None
    if _queue is None or _queue.queue_url != url:
        _queue = SqsDispatcher(url, settings.aws_region)
    return _queue


def run_shards(shards: range | None, run_id: str) -> dict[str, Any]:
    """Run the job over ``shards`` (``None``: every shard) and report it: the log line
    and the metrics carry ``run_id``."""
    telemetry = observability.current()
    before = app_deps.usage()
    with telemetry.correlated(run_id):
        report = reminders.run_due_date_job(app_deps.deps(), shards)
        telemetry.job_done(
            delivered=sum(report.sent.values()),
            examined=report.examined,
            lag_seconds=report.lag_seconds,
            before=before,
            after=app_deps.usage(),
        )
    return {
        "shards": [report.shards.start, report.shards.stop],
        "partitions_read": report.partitions_read,
        "examined": report.examined,
        "sent": dict(report.sent),
        "skipped": report.skipped,
    }
