"""``python -m bench``: every benchmark of DESIGN.md sections 4 and 6 in one run.

Prints each measurement's rows as it goes, then a summary against the targets; writes
bench/results/latest.json and bench/results/latest.png, and appends the main figures to
bench/results/history.jsonl (drawn as bench/results/history.png). Takes a few minutes on
a 2-core machine. Everything listens on and talks to 127.0.0.1 only.

    python -m bench                        # the default sections
    python -m bench --only http,cold       # some sections
    python -m bench --only granian         # the optional HTTP-server comparison
    python -m bench --job-stored 20000     # a smaller due-date job table
    python -m bench --mix-seconds 5 --round-seconds 1   # a quick check of the machinery
    python -m bench --no-wrk               # the Python load generator even if wrk is here
    python -m bench --only reset           # password reset timing, known vs unknown address

Sections: cold (cold start), http (HTTP tier + cached list), mix, store (bench/store.py:
create latency 100 vs 10,000 tasks, list page, search on the stack's emulator), apptime
(time per request in process: emulator, client, Redis, app), calls (DynamoDB requests per
operation), search, job, reset (password reset requests for known vs unknown addresses:
medians, bench/reset_timing.py); optional, not in the default run: granian (granian vs gunicorn
through nginx). Exit status: 0 when every section ran (whether or not the targets are met;
``--strict`` makes a missed target fail too), 1 otherwise. A section whose module is not
there (bench/store.py, granian not installed) is reported unavailable, not failed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
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
    app_time,
    cached_list,
    chart,
    cold_start,
    ddb_calls,
    history,
    http_tier,
    inprocess,
    job_scale,
    mix,
    reset_timing,
    search_scale,
    servers,
)
from bench.common import RESULTS, ROOT, Result, add_import_paths
from bench.load import disable_wrk, wrk_path
from bench.targets import check

SECTIONS = ("cold", "http", "mix", "store", "apptime", "calls", "search", "job", "reset")
OPTIONAL_SECTIONS = ("granian",)
# What bench/store.py's measure() returns (dotted: section.figure).
STORE_KEYS = (
    "store.create_ms_100",
    "store.create_ms_10k",
    "store.list_page_ms",
    "search.emulator_ms_10k",
)


class SectionUnavailable(Exception):
    """A section's code or tool is not here (not a failure of the run)."""


class Run:
    """The results of one run, filled section by section; a failing section is recorded
    and the others still run."""

    def __init__(self, only: Sequence[str]) -> None:
        self.only = set(only)
        self.results: Result = {"meta": _meta()}
        self.failed: list[str] = []
        self.unavailable: list[str] = []

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
        except SectionUnavailable as why:
            print(f"\n== {name}: section unavailable: {why}", flush=True)
            self.results[key] = {"unavailable": str(why)}
            self.unavailable.append(name)
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
    http_tier.ROUND_SECONDS = args.round_seconds
    http_tier.CHALICE_SECONDS = max(1.0, args.round_seconds)
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
            lambda stack: run.section(
                "mix",
                "mix",
                lambda: mix.run(
                    stack.config.port,
                    3,
                    seconds=args.mix_seconds,
                    health_seconds=args.health_seconds,
                    log_dir=getattr(stack, "log_dir", None),
                ),
            ),
        )
        run.section("granian", "granian", lambda: _granian(redis_port, args.round_seconds))
        if run.wants("apptime", "calls", "search", "job", "reset"):
            with inprocess.moto() as timer:
                run.section("apptime", "app_time", lambda: app_time.run(timer, redis_port))
                run.section("calls", "calls", lambda: ddb_calls.run(redis_port))
                run.section("search", "search", lambda: search_scale.run(timer))
                run.section("job", "job", lambda: job_scale.run(timer, large=args.job_stored))
                run.section("reset", "reset_timing", lambda: reset_timing.run(redis_port))
    run.section("store", "store", _store)
    results = _finish(run.results, began)
    written = _write(results, args.output, history_file=not args.no_history)
    _summary(results)
    print(f"\n{written}")
    if run.unavailable:
        print(f"\nsections unavailable: {', '.join(run.unavailable)}")
    if run.failed:
        print(f"\nsections that failed: {', '.join(run.failed)}")
        return 1
    missed = [t for t in results["targets"] if t["met"] is False]
    return 1 if args.strict and missed else 0


def _store() -> Result:
    """bench/store.py's figures (another change brings that module); unavailable without."""
    try:
        module = importlib.import_module("bench.store")
    except ModuleNotFoundError as error:
        if error.name != "bench.store":
            raise
        raise SectionUnavailable("bench/store.py is not in this checkout") from None
    measure = getattr(module, "measure", None)
    if not callable(measure):
        raise SectionUnavailable("bench/store.py has no measure() function")
    figures: dict[str, float] = measure()
    return store_result(figures)


def store_result(figures: dict[str, float]) -> Result:
    """The store section of the results from ``measure()``'s dotted figures: the ones
    named ``store.*`` as they are, the rest kept whole under ``figures`` (merged into
    their own sections by :func:`merge_store`), plus the create ratio the target checks."""
    result: Result = {"figures": dict(figures)}
    for dotted, value in figures.items():
        section, _, name = dotted.partition(".")
        if section == "store" and name:
            result[name] = value
    small, large = result.get("create_ms_100"), result.get("create_ms_10k")
    if isinstance(small, int | float) and isinstance(large, int | float) and small:
        result["create_ratio_10k_vs_100"] = round(large / small, 3)
    missing = [key for key in STORE_KEYS if key not in figures]
    if missing:
        result["missing"] = missing
    return result


def merge_store(results: Result) -> None:
    """Put the store module's figures of other sections (``search.emulator_ms_10k``) where
    their name says. They are measured on the stack's emulator and win over a same-named
    in-process figure, which is kept as ``<name>_in_process``."""
    store = results.get("store")
    if not isinstance(store, dict):
        return
    for dotted, value in store.get("figures", {}).items():
        section, _, name = dotted.partition(".")
        if section == "store" or not name:
            continue
        target = results.setdefault(section, {})
        if not isinstance(target, dict):
            continue
        if name in target and target[name] != value:
            target[f"{name}_in_process"] = target[name]
        target[name] = value


def _granian(redis_port: int, round_seconds: float) -> Result:
    try:
        granian_tier = importlib.import_module("bench.granian_tier")
    except ModuleNotFoundError as error:
        raise SectionUnavailable(f"cannot import bench.granian_tier: {error}") from None
    if not granian_tier.available():
        raise SectionUnavailable(
            "granian is not installed: pip install -e '.[bench]' (or pip install granian)"
        )
    result: Result = granian_tier.run(redis_port, round_seconds=round_seconds)
    return result


def _finish(results: Result, began: float) -> Result:
    merge_store(results)
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
        help=f"comma-separated sections ({', '.join(SECTIONS)}; optional: "
        f"{', '.join(OPTIONAL_SECTIONS)}); default all but the optional ones",
    )
    parser.add_argument(
        "--mix-seconds",
        type=float,
        default=mix.SECONDS,
        help=f"length of the measured mix (default {mix.SECONDS:g})",
    )
    parser.add_argument(
        "--health-seconds",
        type=float,
        default=mix.HEALTH_SECONDS,
        help="health load through the mix's nginx, half before and half after the mix "
        f"(default {mix.HEALTH_SECONDS:g})",
    )
    parser.add_argument(
        "--round-seconds",
        type=float,
        default=http_tier.ROUND_SECONDS,
        help="length of each alternating round of the http and granian sections "
        f"(default {http_tier.ROUND_SECONDS:g})",
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="do not append this run to bench/results/history.jsonl",
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
    unknown = set(args.only) - set(SECTIONS) - set(OPTIONAL_SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _meta() -> Result:
    commit = _git("rev-parse", "--short", "HEAD")
    # Changes to tracked files (results excepted) mean the figures are not the commit's.
    changed = [
        line
        for line in _git("status", "--porcelain", "--untracked-files=no").splitlines()
        if "bench/results/" not in line
    ]
    return {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit or "unknown",
        "uncommitted_changes": bool(changed),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_start": _load(),
        "seconds": {},
    }


def _summary(results: Result) -> None:
    print("\n== Summary against DESIGN.md targets")
    print(f"  {'figure':<34} {'measured':>12}  {'target':<10} result")
    for target in results["targets"]:
        value = target["value"]
        shown = "-" if value is None else f"{value:g}"
        verdict = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        print(f"  {target['label']:<34} {shown:>12}  {target['target']:<10} {verdict}")
    headline = [
        ("health req/s (gunicorn, 2 workers)", "http_tier", "rps"),
        ("cached list req/s", "cached_list", "rps"),
        ("mix req/s (nginx, 3 workers)", "mix", "rps"),
        ("health req/s (mix's nginx)", "mix", "health_rps"),
        ("mix p99 ms", "mix", "p99_ms"),
        ("store create ms, 100 tasks", "store", "create_ms_100"),
        ("store create ms, 10k tasks", "store", "create_ms_10k"),
        ("cold start ms", "cold_start", "ms"),
    ]
    for label, section, key in headline:
        value = results.get(section, {}).get(key)
        if value is not None:
            print(f"  {label:<34} {value:>12g}")
    operations = (results.get("app_time") or {}).get("operations") or {}
    for name in ("get (no cache)", "list page (no cache)", "create"):
        split = operations.get(name)
        if split:
            store = split["emulator_ms"] + split["client_ms"]
            print(
                f"  {name + ', in process ms':<34} {split['total_ms']:>12g}  "
                f"store {store:.2f} (emulator {split['emulator_ms']:g}), "
                f"app {split['app_ms']:g}, redis {split['redis_ms']:g}"
            )
    meta = results["meta"]
    print(
        f"  total {meta['total_seconds']:.0f} s; load average {meta['load_start']} at the "
        f"start, {meta['load_end']} at the end"
    )


def _write(results: Result, directory: Path, *, history_file: bool = True) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "latest.json"
    _keep_scale(results, json_path)
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    tmp.replace(json_path)
    written = [_shown(json_path)]
    history_path = directory / history.FILE_NAME
    if history_file:
        history.append(history_path, results)
        written.append(_shown(history_path))
    png_path = directory / "latest.png"
    history_png = directory / "history.png"
    try:
        chart.draw(results, png_path)
        written.append(_shown(png_path))
        if history.read(history_path):
            chart.draw_history(history.read(history_path), history_png)
            written.append(_shown(history_png))
    except Exception as error:  # the figures matter more than the picture
        return f"wrote {', '.join(written)}; !! chart not drawn: {error}"
    return f"wrote {', '.join(written)}"


def _keep_scale(results: Result, json_path: Path) -> None:
    """``make bench-scale``'s figures (``scale``, with their own date and commit) stay in
    latest.json when this run did not measure them."""
    if "scale" in results or not json_path.exists():
        return
    try:
        previous = json.loads(json_path.read_text())
    except ValueError:
        return
    if isinstance(previous, dict) and "scale" in previous:
        results["scale"] = previous["scale"]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
