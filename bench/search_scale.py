"""5. Search scale: a term with 5 matches, for a user with 1,000 and one with 10,000 tasks.

Both users live in the same tables, as on a real deployment, and no cache is used, so
every search reads DynamoDB. Items read come from the call counter; latency is the median
of several searches, split into time inside moto and the rest (moto answers a ``Query`` by
walking and sorting the whole table, so its share says nothing about DynamoDB).
"""

from __future__ import annotations

from functools import partial

from bench import inprocess
from bench.common import Result, Row, fmt, median, print_rows, ratio

TARGET = 1.5
SIZES = (1_000, 10_000)
MATCHES = 5
TERM = "zebra"
RUNS = 7
_FILLER = ("alpha beta", "gamma delta", "epsilon zeta", "theta iota", "kappa lambda")


def run(timer: inprocess.EmulatorTimer) -> Result:
    """Seed, search, report."""
    from tests.seeding import seed_tasks

    from taskcore.domain.task import TaskChanges
    from taskcore.services import listing

    with inprocess.deps("search", redis_port=None) as built:
        users: dict[int, str] = {size: inprocess.register_user(built) for size in SIZES}
        seed_seconds: dict[int, float] = {}
        for size, user_id in users.items():
            titles = [f"Quarterly {TERM} review {i}" for i in range(MATCHES)]
            titles += [f"{_FILLER[i % 5]} {i}" for i in range(size - MATCHES)]
            fields = (TaskChanges(title=title) for title in titles)
            seed_seconds[size], _ = inprocess.timed(partial(seed_tasks, built, user_id, fields))
        params = {"q": TERM, "limit": "25"}
        reads: dict[int, int] = {}
        requests: dict[int, dict[str, int]] = {}
        wall: dict[int, list[float]] = {size: [] for size in SIZES}
        emulated: dict[int, list[float]] = {size: [] for size in SIZES}
        with inprocess.counting(built) as counter:
            for size, user_id in users.items():  # one counted search each, then warm
                counter.reset()
                page = listing.list_tasks(built, user_id, params)
                if len(page.items) != MATCHES:
                    raise RuntimeError(f"search found {len(page.items)} of {MATCHES} tasks")
                reads[size] = counter.items_read
                requests[size] = dict(counter.calls)
        for _ in range(RUNS):
            for size, user_id in users.items():
                before = timer.seconds
                seconds, _ = inprocess.timed(partial(listing.list_tasks, built, user_id, params))
                wall[size].append(seconds * 1000)
                emulated[size].append((timer.seconds - before) * 1000)
    small, large = SIZES
    latency = {size: median(wall[size]) for size in SIZES}
    emulator = {size: median(emulated[size]) for size in SIZES}
    outside = {
        size: median([w - e for w, e in zip(wall[size], emulated[size], strict=True)])
        for size in SIZES
    }
    result: Result = {
        "items_read_1k": reads[small],
        "items_read_10k": reads[large],
        "items_ratio_10k_vs_1k": round(ratio(reads[large], reads[small]), 3),
        "latency_ms_1k": round(latency[small], 2),
        "latency_ms_10k": round(latency[large], 2),
        "latency_ratio_10k_vs_1k": round(ratio(latency[large], latency[small]), 3),
        "emulator_ms_1k": round(emulator[small], 2),
        "emulator_ms_10k": round(emulator[large], 2),
        "outside_emulator_ms_1k": round(outside[small], 2),
        "outside_emulator_ms_10k": round(outside[large], 2),
        "outside_emulator_ratio_10k_vs_1k": round(ratio(outside[large], outside[small]), 3),
        "requests_1k": requests[small],
        "requests_10k": requests[large],
        "seed_seconds": {str(k): round(v, 1) for k, v in seed_seconds.items()},
        "runs": RUNS,
    }
    print_rows(
        f"Search scale: '{TERM}' ({MATCHES} matches), 1,000 vs 10,000 tasks, no cache",
        [
            Row("items read, 1k tasks", str(reads[small]), _calls(requests[small])),
            Row("items read, 10k tasks", str(reads[large]), _calls(requests[large])),
            Row("items ratio 10k / 1k", fmt(result["items_ratio_10k_vs_1k"], 2), "target <= 1.5"),
            Row(
                "latency ms, 1k",
                fmt(latency[small], 2),
                f"{emulator[small]:.2f} ms inside moto, median of {RUNS}",
            ),
            Row(
                "latency ms, 10k",
                fmt(latency[large], 2),
                f"{emulator[large]:.2f} ms inside moto, median of {RUNS}",
            ),
            Row(
                "latency ratio 10k / 1k",
                fmt(result["latency_ratio_10k_vs_1k"], 2),
                f"target <= {TARGET}",
            ),
            Row(
                "  outside moto 10k / 1k",
                fmt(result["outside_emulator_ratio_10k_vs_1k"], 2),
                f"{outside[small]:.2f} -> {outside[large]:.2f} ms",
            ),
        ],
    )
    return result


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(calls.items()))
