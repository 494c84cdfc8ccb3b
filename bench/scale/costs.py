"""What each operation costs on DynamoDB on demand, from the units it really uses.

Every API operation of bench/ddb_calls.py's script runs once in process (the Chalice app
over moto and Redis), with the call counter charging capacity units
(:meth:`taskcore.storage.DynamoCallCounter.measure_units`): each request's items are
sized before and after it, and every index write they cause is charged too. Then the
due-date job: a worker run over one group of shards with nothing due, and the units one
delivered reminder adds. Measured: requests and units per operation. Priced: those units
at :mod:`bench.scale.pricing`'s on-demand rates.

Each charge is also classed by the partition it lands on, for the capacity model: the
acting user's own partitions (their id, account item, lists), or another key (a token, a
message, the due-time index's hour and shard, the job's marks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench import inprocess
from bench.common import ROOT, Result, Row, print_rows
from bench.ddb_calls import _Api, drive, script
from bench.scale import pricing

# Reminders delivered by the measured job run (the units of one are the difference to an
# idle run, divided by these), on tasks of a typical size: a title, a few sentences of
# description, two tags.
JOB_REMINDERS = 10
JOB_TASK = {
    "description": "Bring the old passport, two photos and the filled-in form. The office "
    "closes at noon on Fridays; book a slot online first, they do not take walk-ins. "
    "Fee: pay by card at the desk, keep the receipt for the expense report.",
    "tags": ["admin", "travel"],
}
OWN = "own"  # the acting user's partitions
OTHER = "other"


def measure(redis_port: int | None) -> Result:
    """Units and price of every operation (see the module docstring)."""
    from chalice.test import Client

    from app import app

    clock = inprocess.Clock()
    operations: dict[str, Result] = {}
    with (
        inprocess.deps("costs", redis_port, clock) as built,
        inprocess.counting(built, units=True) as calls,
    ):
        owner: dict[str, str] = {}

        def count(name: str, action: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
            calls.reset()
            status, body = action()
            operations[name] = _summary(calls, owner)
            if name == "register":
                owner["user"] = str(body["user"]["id"])
            return status, body

        with Client(app, project_dir=str(ROOT)) as client:
            drive(script(_Api(client.http), clock, built), count)
        _classify(operations, _own_keys(built, owner["user"]))
        operations.update(_job(built, calls, clock))
    result: Result = {
        "region": pricing.REGION,
        "usd_per_million_write_units": pricing.USD_PER_MILLION_WRITE_UNITS,
        "usd_per_million_read_units": pricing.USD_PER_MILLION_READ_UNITS,
        "operations": operations,
    }
    _print(operations)
    return result


def _summary(calls: Any, owner: dict[str, str]) -> Result:
    """One operation's requests and units, with its charges kept for classing."""
    reads, writes = calls.units("read"), calls.units("write")
    index_writes = sum(c.units for c in calls.charges if c.kind == "write" and c.index)
    return {
        "requests": dict(calls.calls),
        "read_units": reads,
        "write_units": writes,
        "index_write_units": index_writes,
        "usd_per_million": round(pricing.usd_per_million(reads, writes), 4),
        "_charges": list(calls.charges),
    }


def _own_keys(built: Any, user_id: str) -> set[str]:
    """The partition key values of the user's own items, by the repositories' keys."""
    from taskcore.repositories.users import user_key

    own = {user_id, user_key(user_id)}
    own.update(task_list.id for task_list in built.lists.all(user_id))
    return own


def _classify(operations: dict[str, Result], own: set[str]) -> None:
    """Per operation: units by target (``table`` or ``table/index``), kind and class."""
    for summary in operations.values():
        targets: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for charge in summary.pop("_charges"):
            target = charge.table + (f"/{charge.index}" if charge.index else "")
            where = OWN if charge.partition in own else OTHER
            targets[target][f"{charge.kind}_{where}"] += charge.units
        summary["targets"] = {t: dict(units) for t, units in sorted(targets.items())}


def _job(built: Any, calls: Any, clock: inprocess.Clock) -> dict[str, Result]:
    """An idle worker run over one group of shards, and one delivered reminder."""
    from datetime import timedelta

    from taskcore.services import reminders
    from taskcore.services import tasks as task_service

    user = inprocess.register_user(built)
    groups = reminders.shard_groups(built.settings)
    reminders.run_due_date_job(built)  # every shard marked, as in a running deployment
    calls.reset()
    reminders.run_due_date_job(built, groups[0])
    idle = _summary(calls, {})
    # Due an hour from now: due soon now (the default lead time), in this hour's bucket;
    # delivering it moves the task's entry to its overdue moment, in the next hour's.
    due = (clock.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made = [
        task_service.create_task(
            built, user, {"title": f"Renew the passport {i}", "due_at": due, **JOB_TASK}
        )
        for i in range(JOB_REMINDERS)
    ]
    sizes = _task_item_bytes(built, user, [task.id for task in made])
    calls.reset()
    report = reminders.run_due_date_job(built)
    if report.sent.get("due_soon") != JOB_REMINDERS:
        raise RuntimeError(f"unexpected job run: {report}")
    every = _summary(calls, {})
    calls.reset()
    reminders.run_due_date_job(built)
    nothing = _summary(calls, {})
    own = _own_keys(built, user)
    operations = {"job: idle worker run (one group)": idle, "_run": every, "_idle": nothing}
    _classify(operations, own)
    one = _difference(operations.pop("_run"), operations.pop("_idle"), JOB_REMINDERS)
    one["task_item_bytes"] = sizes
    operations["job: one reminder delivered"] = one
    return operations


def _task_item_bytes(built: Any, user: str, task_ids: list[str]) -> int:
    """The mean size of these task items as stored (what the job's Queries read)."""
    from taskcore.repositories.tasks import LIVE
    from taskcore.storage.metering import image_reader
    from taskcore.storage.models import TaskModel
    from taskcore.storage.units import item_size

    read = image_reader(built.settings.aws_region, built.settings.dynamodb_endpoint_url)
    table = TaskModel.Meta.table_name
    sizes = [
        item_size(read(table, {"user_id": {"S": user}, "sk": {"S": LIVE + task_id}}) or {})
        for task_id in task_ids
    ]
    return round(sum(sizes) / len(sizes))


def _difference(run: Result, idle: Result, n: int) -> Result:
    """What one of ``n`` items added to ``run`` over ``idle``, per item."""
    requests = {k: (v - idle["requests"].get(k, 0)) / n for k, v in run["requests"].items()}
    targets: dict[str, dict[str, float]] = {}
    for target, units in run["targets"].items():
        base = idle["targets"].get(target, {})
        targets[target] = {k: (v - base.get(k, 0.0)) / n for k, v in units.items()}
    reads = (run["read_units"] - idle["read_units"]) / n
    writes = (run["write_units"] - idle["write_units"]) / n
    return {
        "requests": {k: round(v, 3) for k, v in requests.items() if v},
        "read_units": reads,
        "write_units": writes,
        "index_write_units": (run["index_write_units"] - idle["index_write_units"]) / n,
        "usd_per_million": round(pricing.usd_per_million(reads, writes), 4),
        "targets": targets,
    }


def _print(operations: dict[str, Result]) -> None:
    rows = [
        Row(
            name,
            f"${op['usd_per_million']:.2f}",
            f"{op['read_units']:g} RRU, {op['write_units']:g} WRU "
            f"({op['index_write_units']:g} of them index writes); "
            + ", ".join(f"{k} {v:g}" for k, v in sorted(op["requests"].items())),
        )
        for name, op in operations.items()
    ]
    print_rows(
        f"On-demand cost per million operations ({pricing.REGION}: "
        f"${pricing.USD_PER_MILLION_WRITE_UNITS}/M write units, "
        f"${pricing.USD_PER_MILLION_READ_UNITS}/M read units; measured units on moto)",
        rows,
    )
