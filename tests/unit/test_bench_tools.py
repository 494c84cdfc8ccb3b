"""The benchmark's own logic: parsing wrk's report, checking targets, drawing the chart."""

from __future__ import annotations

import pytest
from bench.chart import draw
from bench.load import LoadResult, parse_wrk
from bench.targets import TARGETS, check

WRK_REPORT = """Running 4s test @ http://127.0.0.1:3101/v1/health
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.90ms    1.01ms  21.49ms   84.65%
    Req/Sec     2.78k   183.88     3.12k    72.50%
  Latency Distribution
     50%  812.00us
     75%    3.21ms
     90%    3.95ms
     99%    1.20s
  22171 requests in 4.01s, 4.17MB read
  Socket errors: connect 1, read 7, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:   5529.95
Transfer/sec:      1.04MB
"""


def test_wrk_report_is_parsed_with_its_units() -> None:
    result = parse_wrk(WRK_REPORT)
    assert result.requests == 22171
    assert result.duration_s == pytest.approx(4.01)
    assert result.rps == pytest.approx(5529, rel=0.01)
    assert result.p50_ms == pytest.approx(0.812)
    assert result.p99_ms == pytest.approx(1200.0)
    # Failed requests: non-2xx, connect errors and timeouts; read/write errors are what
    # wrk reports when a server closes connections, and are kept apart.
    assert result.errors == 3 + 1 + 2
    assert result.socket_errors == 7


def test_wrk_report_without_errors() -> None:
    clean = "\n".join(
        line for line in WRK_REPORT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )
    result = parse_wrk(clean)
    assert (result.errors, result.socket_errors) == (0, 0)


def test_an_unexpected_wrk_report_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="unexpected wrk output"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_targets_are_checked_in_both_directions_and_missing_ones_are_not_judged() -> None:
    results = {
        "http_tier": {"ratio_vs_bare_wsgi": 0.7, "ratio_vs_chalice_local": 19.9},
        "cold_start": {"ratio_vs_boto3_import": 2.5},
        "mix": {"errors": 1},
    }
    verdicts = {t["key"]: t["met"] for t in check(results)}
    assert verdicts["http_tier.ratio_vs_bare_wsgi"] is True
    assert verdicts["http_tier.ratio_vs_chalice_local"] is False
    assert verdicts["cold_start.ratio_vs_boto3_import"] is True  # the bound itself is met
    assert verdicts["mix.errors"] is False
    assert verdicts["search.latency_ratio_10k_vs_1k"] is None
    assert len(verdicts) == len(TARGETS)


def test_load_result_json_form() -> None:
    result = LoadResult("python", requests=100, errors=0, duration_s=2.0, p50_ms=1, p99_ms=5)
    assert result.to_dict()["rps"] == 50.0


def test_the_chart_is_drawn_even_for_a_partial_run(tmp_path) -> None:
    path = tmp_path / "chart.png"
    results = {
        "meta": {"finished": "now", "commit": "abc", "load_generator": "wrk"},
        "http_tier": {"ratio_vs_bare_wsgi": 0.7},
        "ddb_calls": {"register": 2, "get (cached)": 0},
    }
    draw(results, path)
    assert path.read_bytes().startswith(b"\x89PNG")
