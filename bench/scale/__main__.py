"""``python -m bench.scale`` (``make bench-scale``): cost per operation, the capacity model
and the simulated million-reminder run; prints the tables, draws bench/results/scale.png
and writes the figures into bench/results/latest.json under ``scale`` (the rest of that
file, from ``make bench``, is kept).

    python -m bench.scale                      # everything (a few minutes)
    python -m bench.scale --measured-shards 1  # a quicker simulation
    python -m bench.scale --no-simulation      # costs and model only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import inprocess, servers
from bench.common import RESULTS, ROOT, Result, Row, add_import_paths, print_rows
from bench.scale import chart, costs, model, pricing, simulation


def deployed_shards() -> tuple[int, int]:
    """The production stage's shard count and shards per worker (functions/.chalice/
    config.json, else the settings' defaults): what the model and simulation size."""
    from taskcore.config import Settings

    config = json.loads((ROOT / "functions" / ".chalice" / "config.json").read_text())
    env = config["stages"]["prod"].get("environment_variables", {})
    defaults = Settings()
    shards = int(env.get("DUE_INDEX_SHARDS", defaults.due_index_shards))
    per_worker = int(env.get("DUE_JOB_SHARDS_PER_WORKER", defaults.due_job_shards_per_worker))
    return shards, per_worker


def capacity(operations: dict[str, Result], shards: int, per_worker: int) -> Result:
    """The model for every N, unsharded (one shard, one worker) and sharded."""
    behaviour = model.Behaviour()
    item_bytes = int(operations["job: one reminder delivered"]["task_item_bytes"])
    by_users: Result = {}
    for users in model.USERS:
        layouts = {"before": (1, 1), "after": (shards, per_worker)}
        by_users[str(users)] = {
            name: [
                vars(hot)
                for hot in model.hottest_keys(
                    operations, behaviour, users, shards=s, per_worker=p, item_bytes=item_bytes
                )
            ]
            for name, (s, p) in layouts.items()
        }
    result: Result = {
        "behaviour": behaviour.described(),
        "task_item_bytes": item_bytes,
        "limits": {
            "write_units_per_second": pricing.PARTITION_WRITE_UNITS_PER_SECOND,
            "read_units_per_second": pricing.PARTITION_READ_UNITS_PER_SECOND,
        },
        "users": by_users,
    }
    _print_capacity(result)
    return result


def _print_capacity(result: Result) -> None:
    limits = result["limits"]
    for users, layouts in result["users"].items():
        after = {row["target"]: row for row in layouts["after"]}
        rows = []
        for before in layouts["before"]:
            now = after[before["target"]]
            over = (
                now["write_units"] > limits["write_units_per_second"]
                or now["read_units"] > limits["read_units_per_second"]
            )
            rows.append(
                Row(
                    before["target"],
                    f"{now['write_units']:,.1f} W/s",
                    f"{now['read_units']:,.1f} R/s after; before: "
                    f"{before['write_units']:,.1f} W/s, {before['read_units']:,.1f} R/s"
                    f"   [{now['key']}]{'  OVER THE LIMIT' if over else ''}",
                )
            )
        print_rows(
            f"Hottest partition key, {int(users):,} users (limits per key: "
            f"{limits['write_units_per_second']:,} W/s, {limits['read_units_per_second']:,} R/s)",
            rows,
        )


def merge_into_latest(scale: Result, directory: Path) -> Path:
    """Put ``scale`` into ``directory/latest.json``, keeping everything else there."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "latest.json"
    results: Result = json.loads(path.read_text()) if path.exists() else {}
    results["scale"] = scale
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run it all; see the module docstring."""
    args = _parse(argv)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    add_import_paths()
    shards, per_worker = deployed_shards()
    began = time.monotonic()
    scale: Result = {"meta": _meta(), "shards": shards, "shards_per_worker": per_worker}
    with servers.redis() as redis_port, inprocess.moto() as timer:
        measured = costs.measure(redis_port)
        scale["costs"] = measured
        scale["capacity"] = capacity(measured["operations"], shards, per_worker)
        if args.measured_shards > 0:
            scale["simulation"] = simulation.simulate(
                timer, shards=shards, measured=args.measured_shards
            )
    scale["seconds"] = round(time.monotonic() - began, 1)
    written = merge_into_latest(scale, args.output)
    picture = chart.draw(scale, args.output / "scale.png")
    print_rows("Written", [Row(_shown(p), "") for p in (written, picture)])
    return 0


def _meta() -> Result:
    """When and on what these figures were measured."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit or "unknown",
        "cpus": os.cpu_count(),
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _parse(argv: Sequence[str] | None) -> Any:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument(
        "--measured-shards",
        type=int,
        default=simulation.MEASURED_SHARDS,
        help="full shards the simulation delivers (0: no simulation)",
    )
    parser.add_argument("--no-simulation", dest="measured_shards", action="store_const", const=0)
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
