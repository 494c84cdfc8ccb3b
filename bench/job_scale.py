"""6. Due-date job scale: items read by one run with 10 tasks due, among 1,000 and among
50,000 stored tasks (fresh tables for each, like
tests/integration/test_reminders.py::test_job_reads_the_same_for_100_or_5000_stored_tasks).

One stored task in :data:`RECURRING_EVERY` is a weekly recurring task with two reminders,
due later; half of the due tasks are recurring ones whose first reminder has fallen due
(the other half get the default due_soon): a run reads one index entry per task due,
whatever the number and kind of tasks stored.

Seeding uses tests/seeding.py (batch writes). In moto every transaction copies each table
it touches, so the job's ten notification transactions cost time in proportion to the
stored tasks; that time is the emulator's and is reported beside the figures.
"""

from __future__ import annotations

import time

from bench import inprocess
from bench.common import Result, Row, fmt, print_rows, ratio

TARGET = 1.5
DUE = 10
RECURRING_EVERY = 5
SMALL = 1_000
LARGE = 50_000


def run(timer: inprocess.EmulatorTimer, *, large: int = LARGE) -> Result:
    """Measure at :data:`SMALL` and ``large`` stored tasks."""
    small_run = _one(timer, SMALL)
    large_run = _one(timer, large)
    result: Result = {
        "items_read_1k": small_run["items_read"],
        "items_read_50k": large_run["items_read"],
        "items_ratio_50k_vs_1k": round(ratio(large_run["items_read"], small_run["items_read"]), 3),
        "stored_small": SMALL,
        "stored_large": large,
        "due": DUE,
        "small": small_run,
        "large": large_run,
    }
    rows = []
    for one in (small_run, large_run):
        rows.append(
            Row(
                f"items read, {one['stored']:,} stored ({one['recurring_stored']:,} recurring)",
                str(one["items_read"]),
                f"{_calls(one['requests'])}; run {one['job_seconds']:.1f} s "
                f"({one['emulator_seconds']:.1f} s in moto), seeding {one['seed_seconds']:.0f} s",
            )
        )
    rows.append(
        Row(
            f"items ratio {large // 1000}k / 1k",
            fmt(result["items_ratio_50k_vs_1k"], 2),
            f"target <= {TARGET}",
        )
    )
    print_rows(f"Due-date job: {DUE} tasks due among {SMALL:,} and {large:,} stored", rows)
    return result


def _one(timer: inprocess.EmulatorTimer, stored: int) -> Result:
    from tests.seeding import seed_tasks

    from taskcore.domain.due import Due
    from taskcore.domain.recurrence import Recurrence
    from taskcore.domain.task import Reminder, TaskChanges
    from taskcore.services import reminders

    clock = inprocess.Clock()
    with inprocess.deps(f"job{stored}", redis_port=None, clock=clock) as built:
        user_id = inprocess.register_user(built)
        reminders.run_due_date_job(built)  # sets the watermark, as a running scheduler has
        later = Due("2026-06-01T10:00:00Z", all_day=False)
        soon = Due("2026-03-01T12:40:00Z", all_day=False)  # within the 60-minute lead
        weekly = Recurrence("FREQ=WEEKLY;BYDAY=MO,TH")
        # Before 12:40: 11:50 has fallen due when the job runs at 12:00, 12:10 has not.
        twice = (Reminder(before_minutes=50), Reminder(before_minutes=30))
        began = time.perf_counter()
        # One word per filler title: one search entry each, which the job never reads.
        filler = (
            TaskChanges(title="Later", due=later)
            if i % RECURRING_EVERY
            else TaskChanges(title="Weekly", due=later, recurrence=weekly, reminders=twice)
            for i in range(stored - DUE)
        )
        seed_tasks(built, user_id, filler)
        due = (
            TaskChanges(title=f"Due {i}", due=soon, recurrence=weekly, reminders=twice)
            if i % 2
            else TaskChanges(title=f"Due {i}", due=soon)
            for i in range(DUE)
        )
        seed_tasks(built, user_id, due)
        seeded = time.perf_counter() - began
        with inprocess.counting(built) as counter:
            before = timer.seconds
            seconds, report = inprocess.timed(lambda: reminders.run_due_date_job(built))
            emulated = timer.seconds - before
            expected = {"due_soon": DUE - DUE // 2, "reminder": DUE // 2}
            if dict(report.sent) != expected or "Scan" in counter.calls:
                raise RuntimeError(f"unexpected job run: {report}, {dict(counter.calls)}")
            return {
                "stored": stored,
                "recurring_stored": (stored - DUE + RECURRING_EVERY - 1) // RECURRING_EVERY
                + DUE // 2,
                "items_read": counter.items_read,
                "requests": dict(counter.calls),
                "job_seconds": round(seconds, 2),
                "emulator_seconds": round(emulated, 2),
                "seed_seconds": round(seeded, 1),
            }


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(calls.items()))
