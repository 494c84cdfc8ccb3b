"""The due-date job for a million reminders due in one minute, with the shard fan-out.

A million tasks do not fit comfortably in moto on a 2-core machine, and the shards are
independent by construction (a worker reads and writes only its own), so this measures a
few **full** shards and extrapolates:

* measured: :data:`MEASURED_SHARDS` shards, each seeded with its share of a million
  reminders at the chosen shard count (every task due soon now), delivered by the worker
  handler (``due_date_worker``, as Lambda invokes it with the coordinator's SQS message),
  one shard per invocation, one after another in this process; and a worker over an
  empty shard. Time per shard, the share of it spent inside moto, items per second.
* extrapolated: the workers that must run in parallel to deliver the million within the
  minute at the measured rate; and, since moto's time is not DynamoDB's, at an assumed
  DynamoDB latency per request (:data:`ASSUMED_TRANSACTION_MS`) added to the measured time
  the app spends per item outside the emulator. A shard is the smallest unit of work, so
  the shard count must be at least the number of workers.
"""

from __future__ import annotations

import math
import time
import uuid
from datetime import timedelta
from typing import Any

from bench import inprocess
from bench.common import Result, Row, fmt, print_rows

REMINDERS = 1_000_000
MEASURED_SHARDS = 3
# DynamoDB's own time for one TransactWriteItems of two items, as a client in the same
# region sees it (an assumption: typically 10-25 ms; its published latency is "single-digit
# milliseconds" per item operation, and a transaction makes two passes), and for one Query
# page of up to 1 MB (about 1,000 index entries here).
ASSUMED_TRANSACTION_MS = 15.0
ASSUMED_QUERY_PAGE_MS = 20.0
_ENTRIES_PER_PAGE = 1000


def simulate(
    timer: inprocess.EmulatorTimer, *, shards: int, measured: int = MEASURED_SHARDS
) -> Result:
    """Seed and deliver ``measured`` full shards of a million reminders over ``shards``."""
    from taskcore.domain.reminders import shard_of

    per_shard = math.ceil(REMINDERS / shards)
    clock = inprocess.Clock()
    overrides = {"DUE_INDEX_SHARDS": shards, "DUE_JOB_SHARDS_PER_WORKER": 1}
    with inprocess.deps("million", None, clock, settings=overrides) as built:
        chosen = list(range(measured))
        empty = measured  # a shard nothing is due in
        _run_worker(range(0, shards))  # a running deployment: every shard marked
        began = time.perf_counter()
        seeded = _seed(built, clock, {s: per_shard for s in chosen}, shard_of)
        seed_seconds = time.perf_counter() - began
        runs = [_measured_run(timer, shard) for shard in [*chosen, empty]]
    full, idle = runs[:-1], runs[-1]
    if any(run["delivered"] != per_shard for run in full) or seeded != per_shard * measured:
        raise RuntimeError(f"a shard was not delivered whole: {full}")
    return _result(full, idle, shards, per_shard, seed_seconds)


def _seed(built: Any, clock: inprocess.Clock, want: dict[int, int], shard_of: Any) -> int:
    """Tasks due soon now, ``want[shard]`` of them in each shard (ten per user)."""
    from ulid import ULID

    from taskcore.domain.due import Due
    from taskcore.domain.task import TaskChanges, new_task
    from taskcore.domain.user import User
    from taskcore.repositories.tasks import to_item
    from taskcore.storage.models import TaskModel

    shards = built.settings.due_index_shards
    due = Due((clock.now + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), all_day=False)
    left = dict(want)
    made = 0
    with TaskModel.batch_write() as batch:
        while any(left.values()):
            task_id = str(ULID())
            shard = shard_of(task_id, shards)
            if not left.get(shard):
                continue
            left[shard] -= 1
            user_id = f"sim-{made // 10:07d}"
            owner = User(user_id, f"{user_id}@example.com", "", "UTC", 60, "-", "-", "-")
            changes = TaskChanges(title=f"Renew the passport {made}", due=due)
            task = new_task(task_id, user_id, changes, clock.now, owner_zone="UTC")
            batch.save(to_item(task, owner, made + 1, clock.now, shards))
            made += 1
    return made


def _run_worker(shards: range) -> list[dict[str, Any]]:
    """The worker handler, invoked as Lambda's event source mapping does, one message."""
    from local.worker_pool import sqs_event

    from chalicelib import fanout
    from chalicelib.handlers.due_date_worker import WORK_QUEUE, due_date_worker
    from gateway import lambda_context

    body = fanout.message(shards, f"sim-{uuid.uuid4().hex[:8]}")
    event = sqs_event(body, WORK_QUEUE, "us-east-1", time.time())
    done: list[dict[str, Any]] = due_date_worker(event, lambda_context("sim", "worker", 900))
    return done


def _measured_run(timer: inprocess.EmulatorTimer, shard: int) -> Result:
    before_seconds, before_requests = timer.seconds, timer.requests
    began = time.perf_counter()
    (report,) = _run_worker(range(shard, shard + 1))
    seconds = time.perf_counter() - began
    return {
        "shard": shard,
        "delivered": sum(report["sent"].values()),
        "seconds": round(seconds, 2),
        "emulator_seconds": round(timer.seconds - before_seconds, 2),
        "requests": timer.requests - before_requests,
    }


def _result(
    full: list[Result], idle: Result, shards: int, per_shard: int, seed_seconds: float
) -> Result:
    seconds = sum(run["seconds"] for run in full) / len(full)
    emulated = sum(run["emulator_seconds"] for run in full) / len(full)
    rate = per_shard / seconds
    app_ms = (seconds - emulated) * 1000 / per_shard  # this process's own time per item
    pages = math.ceil(per_shard / _ENTRIES_PER_PAGE)
    aws_item_ms = app_ms + ASSUMED_TRANSACTION_MS + pages * ASSUMED_QUERY_PAGE_MS / per_shard
    aws_rate = 1000 / aws_item_ms
    result: Result = {
        "reminders": REMINDERS,
        "shards": shards,
        "per_shard": per_shard,
        "measured_shards": len(full),
        "runs": full,
        "empty_shard": idle,
        "seed_seconds": round(seed_seconds, 1),
        "seconds_per_shard": round(seconds, 2),
        "emulator_share": round(emulated / seconds, 3),
        "items_per_second_per_worker": round(rate, 1),
        "workers_needed_at_measured_rate": math.ceil(REMINDERS / (rate * 60)),
        "app_ms_per_item": round(app_ms, 3),
        "assumed_transaction_ms": ASSUMED_TRANSACTION_MS,
        "assumed_query_page_ms": ASSUMED_QUERY_PAGE_MS,
        "aws_items_per_second_per_worker": round(aws_rate, 1),
        "aws_seconds_per_shard": round(per_shard / aws_rate, 1),
        "workers_needed_on_aws": math.ceil(REMINDERS / (aws_rate * 60)),
    }
    _print(result)
    return result


def _print(result: Result) -> None:
    idle = result["empty_shard"]
    rows = [
        Row(
            "measured: time per full shard",
            f"{result['seconds_per_shard']:.1f} s",
            f"{result['per_shard']:,} reminders, {result['measured_shards']} shards, "
            f"{result['emulator_share']:.0%} of it inside moto; seeding "
            f"{result['seed_seconds']:.0f} s",
        ),
        Row(
            "measured: items per second, one worker",
            fmt(result["items_per_second_per_worker"]),
            f"app {result['app_ms_per_item']:.2f} ms per item outside the emulator",
        ),
        Row(
            "measured: an empty shard's worker",
            f"{idle['seconds'] * 1000:.0f} ms",
            f"{idle['requests']} requests (the shard's marks, then one Query per hour)",
        ),
        Row(
            "extrapolated: parallel workers, moto's rate",
            str(result["workers_needed_at_measured_rate"]),
            f"to deliver {result['reminders']:,} within 60 s",
        ),
        Row(
            "extrapolated: items per second, one worker on AWS",
            fmt(result["aws_items_per_second_per_worker"]),
            f"assumed {result['assumed_transaction_ms']:g} ms per transaction, "
            f"{result['assumed_query_page_ms']:g} ms per Query page, plus the app's own time",
        ),
        Row(
            "extrapolated: parallel workers on AWS",
            str(result["workers_needed_on_aws"]),
            f"{result['aws_seconds_per_shard']:.0f} s per shard of {result['shards']}; "
            f"shards >= workers (one shard per worker at the peak)",
        ),
    ]
    print_rows(
        f"Due-date job: {result['reminders']:,} reminders due in one minute, "
        f"{result['shards']} shards (one worker per shard)",
        rows,
    )
