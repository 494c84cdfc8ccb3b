"""The benchmark's own logic: parsing wrk's report, checking targets, the store section,
the latency distribution, the history file, and drawing the charts."""

from __future__ import annotations

import json
import sys
import types

import pytest
from bench import __main__ as bench_main
from bench import history
from bench.chart import draw, draw_history
from bench.common import distribution
from bench.granian_tier import render_nginx
from bench.load import LoadResult, parse_wrk
from bench.mix import server_time
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
        "mix": {"errors": 1, "p99_ms": 150.0, "ratio_vs_health": 0.09},
        "store": {"create_ratio_10k_vs_100": 1.2, "list_page_ms": 15.1},
    }
    verdicts = {t["key"]: t["met"] for t in check(results)}
    assert verdicts["http_tier.ratio_vs_bare_wsgi"] is True
    # DESIGN.md section 6: chalice local is recorded, with no target.
    assert "http_tier.ratio_vs_chalice_local" not in verdicts
    assert verdicts["cold_start.ratio_vs_boto3_import"] is True  # the bound itself is met
    assert verdicts["mix.errors"] is False
    assert verdicts["mix.p99_ms"] is True
    assert verdicts["mix.ratio_vs_health"] is False
    assert verdicts["store.create_ratio_10k_vs_100"] is True
    assert verdicts["store.list_page_ms"] is False
    assert verdicts["search.latency_ratio_10k_vs_1k"] is None
    assert verdicts["search.emulator_ms_10k"] is None
    assert len(verdicts) == len(TARGETS)


def test_a_boolean_is_not_a_measured_figure() -> None:
    verdicts = {t["key"]: t["value"] for t in check({"mix": {"errors": True}})}
    assert verdicts["mix.errors"] is None


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


def _results() -> dict:
    return {
        "meta": {"finished": "2026-11-30T01:00:00+00:00", "commit": "abc1234"},
        "http_tier": {"rps": 3000.0, "ratio_vs_bare_wsgi": 0.7, "bare_wsgi": {"rps": 4000}},
        "mix": {
            "rps": 40.0,
            "health_rps": 800.0,
            "ratio_vs_health": 0.05,
            "p99_ms": 900.0,
            "errors": 0,
            "latency": distribution([5.0, 20.0, 120.0, 400.0]),
            "latency_by_kind": {"get": {"count": 3, "p50_ms": 20.0, "p99_ms": 400.0}},
        },
        "app_time": {
            "operations": {
                "get (no cache)": {
                    "total_ms": 20.0,
                    "emulator_ms": 10.0,
                    "client_ms": 6.0,
                    "redis_ms": 0.0,
                    "app_ms": 4.0,
                }
            }
        },
        "granian": {
            "gunicorn": {"health": {"rps": 1000.0}, "list": {"rps": 500.0}},
            "granian": {"health": {"rps": 1500.0}, "list": {"rps": 600.0}},
        },
        "ddb_calls": {"register": 2},
    }


def test_the_charts_are_drawn_for_a_full_run(tmp_path) -> None:
    results = _results()
    results["targets"] = check(results)
    draw(results, tmp_path / "latest.png")
    lines = [history.entry(results), history.entry({"meta": {"commit": "def5678"}})]
    draw_history(lines, tmp_path / "history.png")
    for name in ("latest.png", "history.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_distribution_quantiles_and_histogram() -> None:
    shape = distribution(sorted([0.5, 3.0, 3.0, 140.0, 160.0, 20000.0]))
    assert shape["count"] == 6
    assert shape["quantiles_ms"]["0.5"] == 3.0
    assert shape["quantiles_ms"]["1"] == 20000.0
    edges, counts = shape["histogram"]["edges_ms"], shape["histogram"]["counts"]
    assert sum(counts) == 6
    assert counts[edges.index(0)] == 1  # 0.5 ms
    assert counts[edges.index(2)] == 2  # 3 ms, in [2, 5)
    assert counts[edges.index(100)] == 1  # 140 ms, in [100, 150)
    assert counts[edges.index(150)] == 1  # 160 ms
    assert counts[-1] == 1  # beyond the last edge
    assert distribution([])["count"] == 0


def test_history_lines_keep_the_main_figures_and_skip_damage(tmp_path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, _results())
    with path.open("a") as handle:
        handle.write("not json\n")
    history.append(path, {"meta": {"commit": "def5678"}, "store": {"unavailable": "why"}})
    lines = history.read(path)
    assert [line["commit"] for line in lines] == ["abc1234", "def5678"]
    first = lines[0]
    assert first["date"] == "2026-11-30T01:00:00+00:00"
    assert first["figures"]["mix.p99_ms"] == 900.0
    assert first["figures"]["mix.ratio_vs_health"] == 0.05
    assert "mix" in first["sections"]
    assert lines[1]["figures"] == {}
    assert "store" not in lines[1]["sections"]  # unavailable is not measured
    assert json.loads(path.read_text().splitlines()[0])["commit"] == "abc1234"


def test_store_section_records_the_figures_where_their_names_say() -> None:
    figures = {
        "store.create_ms_100": 4.0,
        "store.create_ms_10k": 5.0,
        "store.list_page_ms": 9.0,
        "search.emulator_ms_10k": 30.0,
    }
    results: dict = {"search": {"emulator_ms_10k": 1200.0, "items_read_10k": 10}}
    results["store"] = bench_main.store_result(figures)
    bench_main.merge_store(results)
    assert results["store"]["create_ms_100"] == 4.0
    assert results["store"]["create_ratio_10k_vs_100"] == 1.25
    assert "missing" not in results["store"]
    assert results["search"]["emulator_ms_10k"] == 30.0
    assert results["search"]["emulator_ms_10k_in_process"] == 1200.0
    verdicts = {t["key"]: t["met"] for t in check(results)}
    assert verdicts["store.create_ratio_10k_vs_100"] is True
    assert verdicts["store.list_page_ms"] is True
    assert verdicts["search.emulator_ms_10k"] is True


def test_store_section_runs_the_module_lazily(monkeypatch) -> None:
    module = types.ModuleType("bench.store")
    module.measure = lambda: {"store.create_ms_100": 2.0}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bench.store", module)
    result = bench_main._store()
    assert result["create_ms_100"] == 2.0
    assert "store.create_ms_10k" in result["missing"]


def test_store_section_is_unavailable_without_the_module(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "bench.store", raising=False)
    real_import = bench_main.importlib.import_module

    def no_store(name: str, package: str | None = None) -> types.ModuleType:
        if name == "bench.store":
            raise ModuleNotFoundError("No module named 'bench.store'", name="bench.store")
        return real_import(name, package)

    monkeypatch.setattr(bench_main.importlib, "import_module", no_store)
    run = bench_main.Run(["store"])
    run.section("store", "store", bench_main._store)
    assert run.results["store"] == {"unavailable": "bench/store.py is not in this checkout"}
    assert run.unavailable == ["store"]
    assert run.failed == []


def test_nginx_template_is_rendered_completely() -> None:
    assert render_nginx("listen ${LB_LISTEN}; $host", {"LB_LISTEN": "1"}) == "listen 1; $host"
    with pytest.raises(RuntimeError, match="LB_PID_FILE"):
        render_nginx("pid ${LB_PID_FILE};", {})


def test_mix_server_time_reads_only_what_the_window_appended(tmp_path) -> None:
    app_log = tmp_path / "app-3001.log"
    nginx_log = tmp_path / "nginx-access.log"
    app_log.write_text('{"logger": "taskapp.access", "duration_ms": 999}\n')
    nginx_log.write_text('{"duration_s": 9.0, "upstream_s": "9.0"}\n')
    offsets = {app_log: app_log.stat().st_size, nginx_log: nginx_log.stat().st_size}
    with app_log.open("a") as handle:
        handle.write('{"logger": "taskapp.access", "duration_ms": 10}\n')
        handle.write("gunicorn says something\n")
        handle.write('{"logger": "taskapp.other", "message": "x"}\n')
        handle.write('{"logger": "taskapp.access", "duration_ms": 30}\n')
    with nginx_log.open("a") as handle:
        handle.write('{"duration_s": 0.050, "upstream_s": "0.040"}\n')
        handle.write('{"duration_s": 0.030, "upstream_s": "0.010, 0.015"}\n')  # retried
        handle.write('{"duration_s": 0.001, "upstream_s": "-"}\n')  # answered by nginx
    times = server_time(offsets)
    assert times["app_ms"]["count"] == 2
    assert times["app_ms"]["mean_ms"] == 20.0
    assert times["upstream_ms"]["count"] == 2
    assert times["upstream_ms"]["mean_ms"] == pytest.approx(32.5)
    assert times["nginx_ms"]["mean_ms"] == pytest.approx(40.0)
