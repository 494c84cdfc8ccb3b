"""What every measurement shares: paths, ports, tools, results, and the printed rows."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
FUNCTIONS = ROOT / "functions"
LOCAL = ROOT / "local"
TESTS = ROOT / "tests"
RESULTS = BENCH / "results"
RUN_DIR = ROOT / ".run" / "bench"
LOCALHOST = "127.0.0.1"
GUNICORN_CONFIG = FUNCTIONS / "gunicorn.conf.py"
# The container's default (functions/gunicorn.conf.py, WEB_CONCURRENCY): one process per
# core of this 2-core machine.
GUNICORN_PROCESSES = 2
# How many concurrent connections the throughput figures of DESIGN section 6 use.
CONNECTIONS = 16

Result = dict[str, Any]


def add_import_paths() -> None:
    """Make the Chalice project (``app``, ``chalicelib``) and ``local/`` importable, as
    tests/conftest.py does."""
    for path in (FUNCTIONS, LOCAL, TESTS):
        if str(path) not in sys.path:
            sys.path.append(str(path))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def wait_until(probe: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``probe`` until it is true; raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout:.0f}s")


def http_ok(port: int, path: str = "/v1/health", timeout: float = 1.0) -> bool:
    """Whether ``GET path`` on 127.0.0.1:port answers 200."""
    import http.client

    conn = http.client.HTTPConnection(LOCALHOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def find_tool(binary: str, package: str, *, install: bool = True) -> str | None:
    """The path of ``binary``; installed with apt-get (as root) when missing, if allowed."""
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if found or not install:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    print(f"  ({binary} is missing: installing the {package} package with apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        try:
            subprocess.run(argv, env=env, capture_output=True, timeout=300, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
    return shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")


def _die_with_parent() -> None:
    # Runs in the child between fork and exec (Linux): if the benchmark dies without
    # cleaning up, the kernel sends the child SIGTERM, so no server is left behind.
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM


class Process:
    """A child process in its own process group, stopped as a whole."""

    def __init__(
        self, name: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path = ROOT
    ) -> None:
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = RUN_DIR / f"{name}.log"
        with self.log_path.open("wb") as log_file:
            self.popen = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The end of its output, for error messages."""
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM the group, then SIGKILL whatever is left of it."""
        import signal

        for signum, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.popen.pid, signum)
            except ProcessLookupError:
                break
            try:
                self.popen.wait(wait)
            except subprocess.TimeoutExpired:
                continue


@contextmanager
def serving(
    name: str, argv: Sequence[str], *, env: dict[str, str], port: int, cwd: Path = ROOT
) -> Iterator[Process]:
    """Run an HTTP server until the block ends, once ``GET /v1/health`` answers."""
    process = Process(name, argv, env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + 60
        while not http_ok(port):
            if not process.alive():
                raise RuntimeError(f"{name} exited:\n{process.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not answering after 60s:\n{process.log_tail()}")
            time.sleep(0.2)
        yield process
    finally:
        process.stop()


def base_env(**extra: str) -> dict[str, str]:
    """This environment without real AWS / app settings, plus ``extra``."""
    prefixes = ("AWS_", "DYNAMODB_", "REDIS_", "JWT_", "TASKAPP_", "TABLE_PREFIX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(extra)
    return env


def median(values: Sequence[float]) -> float:
    """The median, 0 for no values."""
    return float(statistics.median(values)) if values else 0.0


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of already sorted values (nearest rank)."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return float(sorted_values[index])


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, 0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Row:
    """One printed line of a measurement."""

    figure: str
    value: str
    note: str = ""


def print_rows(title: str, rows: Sequence[Row]) -> None:
    """Print a measurement's rows under its title."""
    print(f"\n== {title}", flush=True)
    width = max((len(r.figure) for r in rows), default=10)
    for row in rows:
        note = f"   {row.note}" if row.note else ""
        print(f"  {row.figure:<{width}}  {row.value:>14}{note}", flush=True)


def fmt(value: float, digits: int = 1) -> str:
    """A number for the table."""
    return f"{value:,.{digits}f}"


# Fixed histogram edges (ms), so that the distributions of different runs line up.
HISTOGRAM_EDGES_MS = (0, 1, 2, 5, 10, 20, 50, 100, 150, 200, 300, 500, 1000, 2000, 5000, 10000)
# The quantiles kept of a latency distribution (the chart draws them as a curve).
QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1.0)


def distribution(sorted_values: Sequence[float]) -> Result:
    """The shape of already sorted latencies (ms): quantiles, mean and a histogram over
    :data:`HISTOGRAM_EDGES_MS` (the last bin is everything from the last edge up)."""
    import bisect

    counts = [0] * len(HISTOGRAM_EDGES_MS)
    for value in sorted_values:
        counts[max(0, bisect.bisect_right(HISTOGRAM_EDGES_MS, value) - 1)] += 1
    return {
        "count": len(sorted_values),
        "mean_ms": round(statistics.fmean(sorted_values), 2) if sorted_values else 0.0,
        "quantiles_ms": {f"{q:g}": round(percentile(sorted_values, q), 2) for q in QUANTILES},
        "histogram": {"edges_ms": list(HISTOGRAM_EDGES_MS), "counts": counts},
    }
