"""The native stack's store (local/dynamodb_emulator.py): what writes and reads cost as
it fills. ``python -m bench.store [--server] [--plain]``.

Through the app's services, without a cache: the median latency of creating a task with
100 tasks stored, and again with 10,000 more stored (one user's: seeded in batches as
tests/seeding.py does, the measured creates making up the rest); then, for that user, a
25-item list page and a 5-match search, as time inside the emulator (in process) or wall
time (``--server``: the emulator as a separate process on a free port, as ``make up``
runs it). ``--plain`` measures plain serialised moto (the emulator's fast paths off).

:func:`measure` returns the figures bench/__main__.py records:
``store.create_ms_100``, ``store.create_ms_10k``, ``store.create_ratio_10k_vs_100``,
``store.list_page_ms``, ``search.emulator_ms_10k``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from bench import inprocess
from bench.common import LOCAL, Process, Row, add_import_paths, fmt, free_port, median, print_rows

SMALL, LARGE = 100, 10_000
CREATES = 15
READS = 9
TERM = "zebra"
MATCHES = 5


def measure(*, server: bool = False, plain: bool = False) -> dict[str, float]:
    """Seed, measure, print; returns the figures (milliseconds)."""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    add_import_paths()
    runs = (3, 3) if plain else (CREATES, READS)  # plain moto takes seconds per write
    with _store(server=server, plain=plain) as (built, timer):
        figures = _run(built, timer, *runs)
    where = "emulator server (wall ms)" if server else "emulator in process"
    mode = "plain serialised moto" if plain else "fast paths"
    print_rows(
        f"Store: {where}, {mode}, no cache",
        [
            Row(
                "create ms, 100 tasks stored",
                fmt(figures["store.create_ms_100"], 2),
                f"{figures['store.create_emulator_ms_100']:.2f} ms in the emulator",
            ),
            Row(
                "create ms, 10,100 tasks stored",
                fmt(figures["store.create_ms_10k"], 2),
                f"{figures['store.create_emulator_ms_10k']:.2f} ms in the emulator",
            ),
            Row(
                "create 10k / 100",
                fmt(figures["store.create_ratio_10k_vs_100"], 2),
                "target <= 1.5",
            ),
            Row(
                "list page (25) ms",
                fmt(figures["store.list_page_ms"], 2),
                f"wall {figures['store.list_page_wall_ms']:.2f} ms",
            ),
            Row(
                "search (5 of 10k) ms",
                fmt(figures["search.emulator_ms_10k"], 2),
                f"wall {figures['search.wall_ms_10k']:.2f} ms",
            ),
            Row("seconds", fmt(figures["store.seconds"], 1)),
        ],
    )
    return figures


def _run(
    built: Any, timer: inprocess.EmulatorTimer | None, creates: int, reads: int
) -> dict[str, float]:
    from tests.seeding import seed_tasks

    from taskcore.domain.task import TaskChanges
    from taskcore.services import listing
    from taskcore.services import tasks as task_service

    began = time.monotonic()
    small = inprocess.register_user(built)
    seed_tasks(built, small, (TaskChanges(title=f"alpha beta {i}") for i in range(SMALL)))

    def create(user_id: str) -> None:
        task_service.create_task(
            built, user_id, {"title": "Water the plants", "due_at": "2030-01-01"}
        )

    create_100, create_inside_100 = _timed(timer, partial(create, small), creates)
    large = inprocess.register_user(built)
    titles = [f"Quarterly {TERM} review {i}" for i in range(MATCHES)]
    # The quota is 10,000 tasks per user: the measured creates make up the rest.
    titles += [f"alpha beta gamma {i}" for i in range(LARGE - MATCHES - CREATES)]
    seed_tasks(built, large, (TaskChanges(title=title) for title in titles))
    create_10k, create_inside_10k = _timed(timer, partial(create, large), creates)
    page = listing.list_tasks(built, large, {"limit": "25"})
    found = listing.list_tasks(built, large, {"q": TERM, "limit": "25"})
    if len(page.items) != 25 or len(found.items) != MATCHES:
        raise RuntimeError(f"list {len(page.items)} / search {len(found.items)} items")
    list_wall, list_emulator = _timed(
        timer, partial(listing.list_tasks, built, large, {"limit": "25"}), reads
    )
    search_wall, search_emulator = _timed(
        timer, partial(listing.list_tasks, built, large, {"q": TERM, "limit": "25"}), reads
    )
    return {
        "store.create_ms_100": round(create_100, 2),
        "store.create_ms_10k": round(create_10k, 2),
        "store.create_ratio_10k_vs_100": round(create_10k / create_100, 3),
        "store.create_emulator_ms_100": round(create_inside_100, 2),
        "store.create_emulator_ms_10k": round(create_inside_10k, 2),
        "store.list_page_ms": round(list_emulator, 2),
        "store.list_page_wall_ms": round(list_wall, 2),
        "search.emulator_ms_10k": round(search_emulator, 2),
        "search.wall_ms_10k": round(search_wall, 2),
        "store.seconds": round(time.monotonic() - began, 1),
    }


def _timed(
    timer: inprocess.EmulatorTimer | None, action: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """Median wall ms of ``runs`` calls, and median ms inside the emulator (wall ms when
    it is another process)."""
    walls: list[float] = []
    inside: list[float] = []
    for _ in range(runs):
        before = timer.seconds if timer else 0.0
        seconds, _ = inprocess.timed(action)
        walls.append(seconds * 1000)
        inside.append((timer.seconds - before) * 1000 if timer else seconds * 1000)
    return median(walls), median(inside)


@contextmanager
def _store(*, server: bool, plain: bool) -> Iterator[tuple[Any, inprocess.EmulatorTimer | None]]:
    if not server:
        with inprocess.moto() as timer:
            from local import dynamodb_emulator

            if plain:
                dynamodb_emulator.remove_fast_paths()
            try:
                with inprocess.deps("store", redis_port=None) as built:
                    yield built, timer
            finally:
                dynamodb_emulator.serialise_dynamodb_requests()
        return
    with (
        _emulator_server(plain=plain) as endpoint,
        inprocess.deps("store", redis_port=None, endpoint=endpoint) as built,
    ):
        yield built, None


@contextmanager
def _emulator_server(*, plain: bool) -> Iterator[str]:
    """local/dynamodb_emulator.py on a free port (no state file), until the block ends."""
    import boto3

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")  # any will do for the emulator
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    port = free_port()
    argv = [sys.executable, str(LOCAL / "dynamodb_emulator.py"), "-p", str(port)]
    if plain:
        argv.append("--no-fast-paths")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DYNAMODB_")}
    process = Process("store-emulator", argv, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client.list_tables()
                break
            except Exception:
                if not process.alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"emulator not answering:\n{process.log_tail()}") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--server", action="store_true", help="the emulator as a server")
    parser.add_argument("--plain", action="store_true", help="plain serialised moto")
    args = parser.parse_args(argv)
    figures = measure(server=args.server, plain=args.plain)
    print({k: v for k, v in figures.items()}, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
