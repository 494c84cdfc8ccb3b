"""The shared load generator: wrk when installed, else a threaded keep-alive Python client.

Both report the same figures (requests per second, p50 / p99 latency, errors). wrk is
preferred for the fast, fixed requests (health, cached list): on a 2-core machine a
Python client competes with the server for the CPU and becomes the bottleneck. The mix
uses the Python client, which can vary every request and keep per-kind counts; its rate is
bounded by the emulated DynamoDB, far below what the client can drive.
"""

from __future__ import annotations

import http.client
import random
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import LOCALHOST, find_tool, percentile

_wrk_path: str | None = None
_wrk_checked = False


def disable_wrk() -> None:
    """Use the Python client even where wrk is installed."""
    global _wrk_path, _wrk_checked
    _wrk_checked, _wrk_path = True, None


def wrk_path() -> str | None:
    """wrk's path, installing it with apt-get once when missing and possible."""
    global _wrk_path, _wrk_checked
    if not _wrk_checked:
        _wrk_checked = True
        _wrk_path = find_tool("wrk", "wrk")
    return _wrk_path


@dataclass
class LoadResult:
    """What one load run measured."""

    tool: str
    requests: int
    errors: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    socket_errors: int = 0  # read/write errors (a server closing connections), not failures
    statuses: dict[str, int] = field(default_factory=dict)
    # Every request's latency by label, sorted (Python client only; not in to_dict).
    latencies_ms: dict[str, list[float]] = field(default_factory=dict, repr=False)

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.duration_s if self.duration_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "tool": self.tool,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests,
            "errors": self.errors,
            "socket_errors": self.socket_errors,
            "duration_s": round(self.duration_s, 2),
            **({"statuses": self.statuses} if self.statuses else {}),
        }


@dataclass(frozen=True)
class Request:
    """One request of a Python-driven load, with the label it is counted under."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    label: str = "request"


RequestSource = Callable[[int, random.Random], Request]
ResponseHook = Callable[[int, Request, int, bytes], None]


def measure(
    port: int,
    path: str,
    *,
    connections: int,
    duration: float,
    headers: dict[str, str] | None = None,
    close: bool = False,
    timeout: float = 2.0,
) -> LoadResult:
    """Load ``GET path`` on 127.0.0.1:port; wrk when available, else the Python client."""
    wrk = wrk_path()
    if wrk is not None:
        return run_wrk(
            wrk,
            port,
            path,
            connections=connections,
            duration=duration,
            headers=headers,
            close=close,
            timeout=timeout,
        )
    request = Request("GET", path, headers=dict(headers or {}))
    return run_python(
        port,
        lambda _i, _r: request,
        connections=connections,
        duration=duration,
        close=close,
        timeout=timeout,
    )


# -- wrk ---------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s+(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)?)(us|ms|s|m)\s*$", re.M)
_TOTAL = re.compile(r"(\d+) requests in (\d+(?:\.\d+)?)(us|ms|s|m)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def run_wrk(
    wrk: str,
    port: int,
    path: str,
    *,
    connections: int,
    duration: float,
    headers: dict[str, str] | None = None,
    close: bool = False,
    timeout: float = 2.0,
) -> LoadResult:
    """One wrk run (2 threads, ``connections`` connections) and its parsed report."""
    argv = [wrk, "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    argv.append(f"--timeout={max(1, round(timeout))}s")
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if close:
        argv += ["-H", "Connection: close"]
    argv.append(f"http://{LOCALHOST}:{port}{path}")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def parse_wrk(report: str) -> LoadResult:
    """The figures of a ``wrk --latency`` report."""
    latencies = {float(p): float(v) * _UNITS_MS[unit] for p, v, unit in _LATENCY.findall(report)}
    total = _TOTAL.search(report)
    if total is None:
        raise RuntimeError(f"unexpected wrk output:\n{report}")
    requests = int(total.group(1))
    seconds = float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000
    connect = read = write = timeouts = 0
    socket_found = _SOCKET.search(report)
    if socket_found:
        connect, read, write, timeouts = (int(g) for g in socket_found.groups())
    non_2xx_found = _NON_2XX.search(report)
    non_2xx = int(non_2xx_found.group(1)) if non_2xx_found else 0
    return LoadResult(
        tool="wrk",
        requests=requests,
        errors=non_2xx + connect + timeouts,
        duration_s=seconds,
        p50_ms=latencies.get(50.0, 0.0),
        p99_ms=latencies.get(99.0, 0.0),
        socket_errors=read + write,
    )


# -- Python ------------------------------------------------------------------------------


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0


@dataclass
class _Connection:
    """One load thread: one keep-alive connection, reopened when the server closes it."""

    port: int
    index: int
    close: bool
    timeout: float
    is_ok: Callable[[Request, int], bool]
    on_response: ResponseHook | None
    tally: _Tally = field(default_factory=_Tally)
    _conn: http.client.HTTPConnection | None = None

    def run(self, source: RequestSource, rng: random.Random, deadline: float) -> None:
        """Send requests until ``deadline`` (time.monotonic)."""
        while time.monotonic() < deadline:
            self._send(source(self.index, rng))
        if self._conn is not None:
            self._conn.close()

    def _send(self, request: Request) -> None:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(LOCALHOST, self.port, timeout=self.timeout)
        headers = dict(request.headers)
        if self.close:
            headers["Connection"] = "close"
        began = time.perf_counter()
        try:
            self._conn.request(request.method, request.path, body=request.body, headers=headers)
            response = self._conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self._conn.close()
            self._conn = None
            self.tally.errors += 1
            self.tally.statuses[f"{request.label}:error"] += 1
            time.sleep(0.01)
            return
        self.tally.latencies.append((time.perf_counter() - began) * 1000)
        self.tally.labels.append(request.label)
        self.tally.statuses[f"{request.label}:{response.status}"] += 1
        if not self.is_ok(request, response.status):
            self.tally.errors += 1
        if self.on_response is not None:
            self.on_response(self.index, request, response.status, body)
        if self.close or response.will_close:
            self._conn.close()
            self._conn = None


def run_python(
    port: int,
    source: RequestSource,
    *,
    connections: int,
    duration: float,
    close: bool = False,
    timeout: float = 5.0,
    ok: Callable[[Request, int], bool] | None = None,
    on_response: ResponseHook | None = None,
    seed: int = 7,
) -> LoadResult:
    """``connections`` threads, each on its own keep-alive connection, sending what
    ``source(thread_index, rng)`` returns until ``duration`` seconds have passed.

    A request fails when it raises (timeout, reset) or ``ok(request, status)`` is false
    (default: status >= 400). Every request has a ``timeout``, so the run always ends.
    """
    is_ok = ok or (lambda _req, status: status < 400)
    clients = [_Connection(port, i, close, timeout, is_ok, on_response) for i in range(connections)]
    start_gate = threading.Barrier(connections + 1)
    deadline: list[float] = []

    def worker(client: _Connection) -> None:
        start_gate.wait()
        client.run(source, random.Random(seed * 1000 + client.index), deadline[0])

    threads = [
        threading.Thread(target=worker, args=(c,), name=f"load-{c.index}", daemon=True)
        for c in clients
    ]
    for thread in threads:
        thread.start()
    deadline.append(time.monotonic() + duration)
    began = time.monotonic()
    start_gate.wait()
    for thread in threads:
        thread.join(duration + timeout + 30)
    elapsed = time.monotonic() - began
    latencies = sorted(x for c in clients for x in c.tally.latencies)
    statuses: Counter[str] = Counter()
    by_label: dict[str, list[float]] = {}
    for client in clients:
        statuses.update(client.tally.statuses)
        for label, latency in zip(client.tally.labels, client.tally.latencies, strict=True):
            by_label.setdefault(label, []).append(latency)
    return LoadResult(
        tool="python",
        requests=len(latencies),
        errors=sum(c.tally.errors for c in clients),
        duration_s=elapsed,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        statuses=dict(sorted(statuses.items())),
        latencies_ms={label: sorted(values) for label, values in sorted(by_label.items())},
    )
