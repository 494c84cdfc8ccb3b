"""The due-date job fanned out over 64 shards, on moto: the coordinator handler sends its
groups of shards to an SQS queue (moto's), and the worker handler receives them as
Lambda's event source mapping would deliver them. Runs overlap, and a worker dies
half-way; every notification is still stored exactly once."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from local.worker_pool import sqs_event

from chalicelib import deps as app_deps
from chalicelib.handlers.due_date_job import due_date_job
from chalicelib.handlers.due_date_worker import WORK_QUEUE, due_date_worker
from gateway import lambda_context
from support import FakeClock
from taskcore.bootstrap import Runtime, build
from taskcore.cache import Cache
from taskcore.config import Settings
from taskcore.domain.reminders import shard_of
from taskcore.services import accounts
from taskcore.services import tasks as task_service
from taskcore.services.deps import Deps
from taskcore.storage import ALL_MODELS, DynamoCallCounter

SHARDS = 64
PER_WORKER = 8
REGION = "us-east-1"


@pytest.fixture
def sqs(aws: Settings) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queue(sqs: Any) -> str:
    name = f"{WORK_QUEUE}-{uuid.uuid4().hex[:8]}"
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url


@pytest.fixture
def fanned(aws: Settings, clock: FakeClock, cache: Cache, queue: str) -> Iterator[Runtime]:
    """The app's dependencies with 64 shards and the coordinator sending to ``queue``."""
    settings = aws.model_copy(
        update={
            "due_index_shards": SHARDS,
            "due_job_shards_per_worker": PER_WORKER,
            "due_job_queue_url": queue,
        }
    )
    runtime = build(settings, clock=clock, cache=cache)
    app_deps.use(runtime.deps)
    yield runtime
    app_deps.use(None)


def _tasks(deps: Deps, users: int, each: int, due_at: str) -> dict[str, str]:
    """``users * each`` tasks due at ``due_at``: task id -> owner."""
    owners = {}
    for _ in range(users):
        session = accounts.register(
            deps, {"email": f"f-{deps.new_id()}@example.com", "password": "correct horse"}
        )
        user = str(session["user"]["id"])
        for i in range(each):
            task = task_service.create_task(deps, user, {"title": f"t{i}", "due_at": due_at})
            owners[task.id] = user
    return owners


def _sent(deps: Deps, owners: dict[str, str]) -> Counter[tuple[str, str]]:
    """(task, kind) -> how many such notifications are stored."""
    counted: Counter[tuple[str, str]] = Counter()
    for user in set(owners.values()):
        for notification, _ in deps.notifications.page(
            user, unread_only=False, limit=1000, start=None
        ):
            counted[(notification.task_id, notification.kind)] += 1
    return counted


def _coordinate(clock: FakeClock) -> dict[str, Any]:
    """One scheduled run of the coordinator, as EventBridge invokes it."""
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [],
        "detail": {},
    }
    result: dict[str, Any] = due_date_job(event, lambda_context("c", "due_date_job", 60))
    return result


def _receive(sqs: Any, queue: str) -> list[dict[str, Any]]:
    """Every message waiting in the queue (hidden for 60 s once received)."""
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            return messages
        messages += batch


def _work(sqs: Any, queue: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    """The worker function's invocation for one message; deleted when it succeeded (as
    the event source mapping does)."""
    event = sqs_event(message["Body"], WORK_QUEUE, REGION, 0.0)
    done: list[dict[str, Any]] = due_date_worker(event, lambda_context("w", "due_date_worker", 60))
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return done


def _shards(message: dict[str, Any]) -> range:
    body = json.loads(message["Body"])
    return range(body["first"], body["stop"])


def test_the_coordinator_hands_every_shard_out_once_and_each_task_is_reminded_once(
    fanned: Runtime, clock: FakeClock, sqs: Any, queue: str
) -> None:
    deps = fanned.deps
    owners = _tasks(deps, users=4, each=40, due_at="2026-03-01T12:30:00Z")
    shards = {shard_of(task, SHARDS) for task in owners}
    assert len(shards) >= 50  # 160 tasks of one hour over 64 shards

    assert _coordinate(clock) == {"groups": SHARDS // PER_WORKER, "shards": SHARDS}
    messages = _receive(sqs, queue)
    handed = sorted(shard for m in messages for shard in _shards(m))
    assert handed == list(range(SHARDS))
    done = [report for m in messages for report in _work(sqs, queue, m)]
    assert sum(r["sent"].get("due_soon", 0) for r in done) == 160
    assert set(_sent(deps, owners).values()) == {1}

    # A minute later nothing is due: each worker reads its marks (one Query) and each
    # of its shards' two hour buckets (one Query each, empty or not), and writes nothing.
    calls = DynamoCallCounter()
    calls.attach(ALL_MODELS, fanned.connection)
    try:
        clock.advance(minutes=1)
        _coordinate(clock)
        for message in _receive(sqs, queue):
            calls.reset()
            (report,) = _work(sqs, queue, message)
            assert report["sent"] == {} and report["partitions_read"] == 2 * PER_WORKER
            assert dict(calls.calls) == {"Query": 1 + 2 * PER_WORKER}
            assert calls.items_read == PER_WORKER  # the group's marks
    finally:
        calls.detach()


def test_overlapping_runs_and_a_worker_dying_half_way_send_nothing_twice(
    fanned: Runtime, clock: FakeClock, sqs: Any, queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = fanned.deps
    owners = _tasks(deps, users=4, each=40, due_at="2026-03-01T12:30:00Z")

    # The first run's worker for the first group dies after delivering four reminders.
    _coordinate(clock)
    first_run = _receive(sqs, queue)
    record = deps.notifications.record
    calls = 0

    def dies_at_the_fifth(*args: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise TimeoutError("Task timed out after 60.00 seconds")
        return record(*args)

    monkeypatch.setattr(deps.notifications, "record", dies_at_the_fifth)
    with pytest.raises(TimeoutError):
        _work(sqs, queue, first_run[0])
    monkeypatch.undo()
    crashed = _shards(first_run[0])
    assert len(_sent(deps, owners)) == 4

    # Its message comes back after its visibility timeout, while the rest of the first
    # run and the whole second run (a minute later) are worked on, four at a time.
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=first_run[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    clock.now = datetime(2026, 3, 1, 12, 1, tzinfo=UTC)
    _coordinate(clock)
    pending = first_run[1:] + _receive(sqs, queue)
    assert sum(1 for m in pending if _shards(m) == crashed) == 2  # redelivered + next run
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = [r for done in pool.map(lambda m: _work(sqs, queue, m), pending) for r in done]
    assert sum(r["sent"].get("due_soon", 0) for r in reports) == 160 - 4
    sent = _sent(deps, owners)
    assert set(sent.values()) == {1}
    assert {task for task, kind in sent if kind == "due_soon"} == set(owners)

    # The overdue ones, once each, however many runs overlap.
    clock.now = datetime(2026, 3, 1, 12, 31, tzinfo=UTC)
    _coordinate(clock)
    _coordinate(clock)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda m: _work(sqs, queue, m), _receive(sqs, queue)))
    sent = _sent(deps, owners)
    assert set(sent.values()) == {1}
    assert sum(1 for _, kind in sent if kind == "overdue") == 160
