"""The due-date job's fan-out in the handlers (functions/chalicelib/fanout.py), on fakes:
what the coordinator hands out, and what a worker does with it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from chalice.app import CloudWatchEvent
from local.worker_pool import sqs_event

from chalicelib import deps as app_deps
from chalicelib import fanout
from chalicelib.handlers.due_date_job import due_date_job
from chalicelib.handlers.due_date_worker import WORK_QUEUE, due_date_worker
from fakes import fake_deps, new_user
from support import FakeClock
from taskcore.config import Settings
from taskcore.services import tasks as task_service
from taskcore.services.deps import Deps


class Collected:
    """A dispatcher that keeps the messages (a stand-in for the queue)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def dispatch(self, bodies: Sequence[str]) -> None:
        self.bodies += bodies


@pytest.fixture
def deps() -> Iterator[Deps]:
    settings = Settings(
        TASKAPP_STAGE="test", BCRYPT_COST=4, DUE_INDEX_SHARDS=20, DUE_JOB_SHARDS_PER_WORKER=8
    )
    built = fake_deps(FakeClock(), settings=settings)
    app_deps.use(built)
    yield built
    app_deps.use(None)
    fanout.use(None)


def _scheduled(event_id: str) -> CloudWatchEvent:
    event = {"version": "0", "account": "000000000000", "region": "us-east-1", "detail": {},
             "detail-type": "Scheduled Event", "source": "aws.events",
             "time": "2026-03-01T12:00:00Z", "id": event_id, "resources": []}  # fmt: skip
    return CloudWatchEvent(event, None)


def test_a_message_names_a_range_of_shards_and_the_run() -> None:
    body = fanout.message(range(8, 16), "event-1")
    assert fanout.read_message(body) == (range(8, 16), "event-1")


@pytest.mark.parametrize(
    "body",
    ["", "[]", "{}", '{"first": 8, "stop": 8, "run": "x"}', '{"first": -1, "stop": 2, "run": "x"}',
     '{"first": "0", "stop": 8, "run": "x"}', '{"first": 0, "stop": 8}'],
)  # fmt: skip
def test_anything_else_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="not a due-date job message"):
        fanout.read_message(body)


def test_who_runs_the_workers(deps: Deps) -> None:
    assert fanout.dispatcher(deps.settings) is None  # in process: no fan-out
    queued = deps.settings.model_copy(update={"due_job_queue_url": "https://sqs.example/q"})
    chosen = fanout.dispatcher(queued)
    assert isinstance(chosen, fanout.SqsDispatcher) and chosen.queue_url.endswith("/q")
    pool = Collected()
    fanout.use(pool)  # the local scheduler's pool wins over any queue
    assert fanout.dispatcher(queued) is pool


def test_the_coordinator_hands_out_every_shard_and_runs_none_itself(deps: Deps) -> None:
    user = new_user(deps)
    task_service.create_task(deps, user, {"title": "call", "due_at": "2026-03-01T12:30:00Z"})
    handed = Collected()
    fanout.use(handed)
    assert due_date_job.func(_scheduled("event-3")) == {"groups": 3, "shards": 20}
    messages = [fanout.read_message(body) for body in handed.bodies]
    assert messages == [(range(0, 8), "event-3"), (range(8, 16), "event-3"),
                        (range(16, 20), "event-3")]  # fmt: skip
    assert deps.notifications.partitions_read == 0  # the coordinator read nothing
    # The workers, with the event Lambda's event source mapping delivers.
    done = [
        report
        for body in handed.bodies
        for report in due_date_worker(sqs_event(body, WORK_QUEUE, "us-east-1", 0.0), None)
    ]
    assert sum(r["sent"].get("due_soon", 0) for r in done) == 1
    assert [r["shards"] for r in done] == [[0, 8], [8, 16], [16, 20]]


def test_without_workers_the_coordinator_runs_every_shard(deps: Deps) -> None:
    user = new_user(deps)
    task_service.create_task(deps, user, {"title": "call", "due_at": "2026-03-01T12:30:00Z"})
    result: dict[str, Any] = due_date_job.func(_scheduled("event-4"))
    assert result["sent"] == {"due_soon": 1} and result["shards"] == [0, 20]
    assert deps.notifications.partitions_read == 2 * 20


def test_a_message_that_is_not_the_coordinators_fails_the_worker(deps: Deps) -> None:
    with pytest.raises(ValueError, match="not a due-date job message"):
        due_date_worker(sqs_event("hello", WORK_QUEUE, "us-east-1", 0.0), None)
