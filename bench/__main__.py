"""``python -m bench``: every benchmark of DESIGN.md sections 4 and 6 in one run.

Prints each measurement's rows as it goes, then a summary against the targets; writes
bench/results/latest.json and bench/results/latest.png. Takes a few minutes on a 2-core
machine. Everything listens on and talks to 127.0.0.1 only.

    python -m bench                        # everything
    python -m bench --only http,cold       # some sections
    python -m bench --job-stored 20000     # a smaller due-date job table
    python -m bench --no-wrk               # the Python load generator even if wrk is here

Sections: cold (cold start), http (HTTP tier + cached list), mix, calls (DynamoDB
requests per operation), search, job. Exit status: 0 when every section ran (whether or
not the targets are met; ``--strict`` makes a missed target fail too), 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType

from local.stack import Stack

from bench import (
    cached_list,
    chart,
    cold_start,
    ddb_calls,
    http_tier,
    inprocess,
    job_scale,
    mix,
    search_scale,
    servers,
)
from bench.common import RESULTS, ROOT, Result, add_import_paths
from bench.load import disable_wrk, wrk_path
from bench.targets import check

SECTIONS = ("cold", "http", "mix", "calls", "search", "job")


class Run:
    """The results of one run, filled section by section; a failing section is recorded
    and the others still run."""

    def __init__(self, only: Sequence[str]) -> None:
        self.only = set(only)
        self.results: Result = {"meta": _meta()}
        self.failed: list[str] = []

    def wants(self, *names: str) -> bool:
        """Whether any of these sections was asked for."""
        return bool(self.only.intersection(names))

    def section(self, name: str, key: str, action: Callable[[], Result]) -> None:
        """Run one measurement and keep its result under ``key``."""
        if name not in self.only:
            return
        started = time.monotonic()
        try:
            self.results[key] = action()
        except Exception as error:  # one broken section must not lose the others
            self._fail(name, key, error)
        self.results["meta"]["seconds"][key] = round(time.monotonic() - started, 1)

    def on_stack(
        self,
        name: str,
        key: str,
        stack: Callable[[], AbstractContextManager[Stack]],
        body: Callable[[Stack], None],
    ) -> None:
        """Run ``body`` on a stack; a stack that does not start fails section ``name``."""
        if name not in self.only:
            return
        try:
            with stack() as started:
                body(started)
        except Exception as error:
            self._fail(name, key, error)

    def _fail(self, name: str, key: str, error: Exception) -> None:
        traceback.print_exc()
        print(f"!! {name} failed: {error}", flush=True)
        self.results[key] = {"error": f"{type(error).__name__}: {error}"}
        self.failed.append(name)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run like Ctrl-C: every server is stopped


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; see the module docstring."""
    args = _parse(argv)
    # The in-process measurements log through the app's JSON logger; keep the table legible.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    signal.signal(signal.SIGTERM, _interrupt)
    add_import_paths()
    if args.no_wrk:
        disable_wrk()
    began = time.monotonic()
    run = Run(args.only)
    meta = run.results["meta"]
    meta["load_generator"] = (
        "wrk" if wrk_path() else "python" + (" (--no-wrk)" if args.no_wrk else " (no wrk)")
    )
    print(
        f"bench: {meta['cpus']} CPUs, load average {meta['load_start']}, "
        f"load generator {meta['load_generator']}",
        flush=True,
    )
    run.section("cold", "cold_start", cold_start.run)
    with servers.redis() as redis_port:

        def single(stack: Stack) -> None:
            run.section("http", "http_tier", lambda: http_tier.run(stack))
            run.section(
                "http", "cached_list", lambda: cached_list.run(stack.config.worker_ports[0])
            )

        run.on_stack(
            "http",
            "http_tier",
            lambda: servers.app_stack(
                "single", redis_port=redis_port, workers=1, processes_per_worker=2
            ),
            single,
        )
        run.on_stack(
            "mix",
            "mix",
            lambda: servers.app_stack("mix", redis_port=redis_port, workers=3),
            lambda stack: run.section("mix", "mix", lambda: mix.run(stack.config.port, 3)),
        )
        if run.wants("calls", "search", "job"):
            with inprocess.moto() as timer:
                run.section("calls", "calls", lambda: ddb_calls.run(redis_port))
                run.section("search", "search", lambda: search_scale.run(timer))
                run.section("job", "job", lambda: job_scale.run(timer, large=args.job_stored))
    results = _finish(run.results, began)
    written = _write(results, args.output)
    _summary(results)
    print(f"\n{written}")
    if run.failed:
        print(f"\nsections that failed: {', '.join(run.failed)}")
        return 1
    missed = [t for t in results["targets"] if t["met"] is False]
    return 1 if args.strict and missed else 0


def _finish(results: Result, began: float) -> Result:
    calls = results.pop("calls", None)
    if calls is not None:
        results["ddb_calls"] = calls.get("ddb_calls", calls)
        results["ddb_calls_detail"] = calls.get("ddb_calls_detail", {})
        if "scans" in calls:
            results["ddb_scans"] = calls["scans"]
    meta = results["meta"]
    meta["total_seconds"] = round(time.monotonic() - began, 1)
    meta["load_end"] = _load()
    meta["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    results["targets"] = check(results)
    return results


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        type=lambda text: [s.strip() for s in text.split(",") if s.strip()],
        default=list(SECTIONS),
        help=f"comma-separated sections ({', '.join(SECTIONS)}); default all",
    )
    parser.add_argument(
        "--job-stored",
        type=int,
        default=job_scale.LARGE,
        help=f"tasks stored for the large due-date job run (default {job_scale.LARGE})",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory")
    parser.add_argument(
        "--no-wrk", action="store_true", help="use the Python load generator even if wrk is here"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _meta() -> Result:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit or "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_start": _load(),
        "seconds": {},
    }


def _summary(results: Result) -> None:
    print("\n== Summary against DESIGN.md targets")
    print(f"  {'figure':<30} {'measured':>12}  {'target':<10} result")
    for target in results["targets"]:
        value = target["value"]
        shown = "-" if value is None else f"{value:g}"
        verdict = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        print(f"  {target['label']:<30} {shown:>12}  {target['target']:<10} {verdict}")
    headline = [
        ("health req/s (gunicorn, 2 workers)", "http_tier", "rps"),
        ("cached list req/s", "cached_list", "rps"),
        ("mix req/s (nginx, 3 workers)", "mix", "rps"),
        ("mix p99 ms", "mix", "p99_ms"),
        ("cold start ms", "cold_start", "ms"),
    ]
    for label, section, key in headline:
        value = results.get(section, {}).get(key)
        if value is not None:
            print(f"  {label:<30} {value:>12g}")
    meta = results["meta"]
    print(
        f"  total {meta['total_seconds']:.0f} s; load average {meta['load_start']} at the "
        f"start, {meta['load_end']} at the end"
    )


def _write(results: Result, directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "latest.json"
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    tmp.replace(json_path)
    png_path = directory / "latest.png"
    try:
        chart.draw(results, png_path)
    except Exception as error:  # the figures matter more than the picture
        return f"wrote {_shown(json_path)}; !! chart not drawn: {error}"
    return f"wrote {_shown(json_path)} and {_shown(png_path)}"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
