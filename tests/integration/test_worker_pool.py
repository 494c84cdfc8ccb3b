"""The local stacks' pool of due-date workers (local/worker_pool.py) in real processes:
a worker process that dies breaks the run it was in, never the runs after it."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
from chalice import Chalice
from local import worker_pool

app = Chalice(app_name="pool-under-test")


@app.on_sqs_message(queue="pool-work", name="pool_worker")
def pool_worker(event: Any) -> str:
    bodies = [record.body for record in event]
    if bodies == ["die"]:
        os._exit(1)  # killed, as by the OOM killer: no exception, no reply
    return ",".join(bodies)


def test_a_dead_worker_process_fails_its_run_and_the_next_run_works() -> None:
    (handler,) = worker_pool.discover(app, __import__(__name__))
    pool = worker_pool.WorkerPool(
        handler, app_spec=f"{__name__}:app", size=2, region="us-east-1", timeout_seconds=10
    )
    try:
        pool.dispatch(["a", "b"])
        assert sorted(r["result"] for r in pool.take_results()) == ["a", "b"]
        with pytest.raises(BrokenProcessPool):
            pool.dispatch(["die"])
        pool.dispatch(["c"])  # a new pool of processes took the broken one's place
        assert [r["result"] for r in pool.take_results()] == ["c"]
    finally:
        pool.close()
