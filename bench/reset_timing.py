"""Password reset requests: known and unknown addresses take the same time (DESIGN §3:
no enumeration by timing). Medians of interleaved requests through the Chalice app in
process (moto, the real Redis), never asserted in tests.

    python -m bench --only reset

Both paths do one ``GetItem`` and one two-item ``TransactWriteItems``
(``tests/integration/test_budgets.py`` asserts the counts); this measures what that buys.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

from bench import inprocess
from bench.common import ROOT, Result, Row, print_rows

ROUNDS = 300


def run(redis_port: int, rounds: int = ROUNDS) -> Result:
    """Median and p90 of each path, interleaved so that drift hits both alike."""
    from chalice.test import Client

    from app import app

    with (
        inprocess.deps("reset", redis_port) as built,
        Client(app, project_dir=str(ROOT)) as client,
    ):
        # The limits are per address and per account: lift them for the measurement.
        built.settings = built.settings.model_copy(
            update={
                "password_reset_max_per_account": 10**9,
                "password_reset_max_per_client": 10**9,
            }
        )
        known = f"bench-reset-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": known, "password": "correct horse battery"}
        status = _post(client, "/v1/auth/register", body)
        if status != 201:
            raise RuntimeError(f"register: {status}")
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for i in range(rounds):
            order = ("known", "unknown") if i % 2 else ("unknown", "known")
            for which in order:
                email = known if which == "known" else f"nobody-{i}@example.com"
                began = time.perf_counter()
                status = _post(client, "/v1/auth/password-reset", {"email": email})
                times[which].append(time.perf_counter() - began)
                if status != 202:
                    raise RuntimeError(f"reset request: {status}")
    result: Result = {"rounds": rounds}
    for which, samples in times.items():
        result[f"{which}_median_ms"] = round(statistics.median(samples) * 1000, 3)
        result[f"{which}_p90_ms"] = round(statistics.quantiles(samples, n=10)[-1] * 1000, 3)
    result["median_ratio_unknown_vs_known"] = round(
        result["unknown_median_ms"] / result["known_median_ms"], 3
    )
    print_rows(
        "password reset request: known vs unknown address (in process, moto + Redis)",
        [
            Row("known median", f"{result['known_median_ms']} ms", f"p90 {result['known_p90_ms']}"),
            Row(
                "unknown median",
                f"{result['unknown_median_ms']} ms",
                f"p90 {result['unknown_p90_ms']}",
            ),
            Row("ratio", f"{result['median_ratio_unknown_vs_known']}x", "1.0 = indistinguishable"),
        ],
    )
    return result


def _post(client: Any, path: str, body: dict[str, Any]) -> int:
    response = client.http.post(
        path, headers={"Content-Type": "application/json"}, body=json.dumps(body)
    )
    return int(response.status_code)
