"""The charts of a run, made to be read at a glance.

``latest.png``: every ratio target on one logarithmic axis (measured dot, target line,
passing side shaded), the absolute targets likewise in milliseconds, the mix's latency
distribution (histogram and p50 / p99 per kind of request), where a request's time goes
in process (emulator, client, Redis, app), the throughputs side by side, and DynamoDB
requests per operation.

``history.png``: the main figures of bench/results/history.jsonl across runs, one small
plot per figure, with its target where it has one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.common import Result
from bench.targets import TARGETS, Target

_PASS, _FAIL, _NONE = "#2e7d32", "#c62828", "#9e9e9e"
_MET_BAND = "#e8f5e9"
_PARTS = (
    ("emulator_ms", "inside the emulator", "#ef6c00"),
    ("client_ms", "DynamoDB client (botocore)", "#ffb74d"),
    ("redis_ms", "Redis", "#8e24aa"),
    ("app_ms", "app (WSGI, Chalice, services)", "#1565c0"),
)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw(results: Result, path: Path) -> None:
    """Write the chart of ``results`` to ``path`` (PNG)."""
    plt = _pyplot()
    figure = plt.figure(figsize=(18, 15), constrained_layout=True)
    grid = figure.add_gridspec(4, 2, height_ratios=[1.25, 1.0, 1.0, 0.9])
    ratios = [t for t in TARGETS if t.is_ratio]
    others = [t for t in TARGETS if not t.is_ratio and t.bound > 0]
    zero = [t for t in TARGETS if not t.is_ratio and t.bound <= 0]
    _targets_panel(
        figure.add_subplot(grid[0, 0]),
        results,
        ratios,
        "Ratios: measured (dot) vs target (line); the shaded side passes",
        "ratio (log scale)",
    )
    _targets_panel(
        figure.add_subplot(grid[0, 1]),
        results,
        others,
        "Absolute targets: measured vs target" + _zero_note(results, zero),
        "milliseconds (log scale)",
    )
    mix = results.get("mix") if isinstance(results.get("mix"), dict) else {}
    _histogram_panel(figure.add_subplot(grid[1, 0]), mix or {})
    _kinds_panel(figure.add_subplot(grid[1, 1]), mix or {})
    _time_split_panel(figure.add_subplot(grid[2, 0]), results.get("app_time") or {})
    _throughput_panel(figure.add_subplot(grid[2, 1]), results)
    _ddb_panel(figure.add_subplot(grid[3, :]), results)
    meta = results.get("meta", {})
    figure.suptitle(
        f"make bench - {meta.get('finished', '')} - commit {meta.get('commit', '?')} - "
        f"load generator {meta.get('load_generator', '?')} - load average "
        f"{meta.get('load_start', '?')} -> {meta.get('load_end', '?')}",
        fontsize=13,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _verdict(target: Target, value: float | None) -> tuple[str, str]:
    if value is None:
        return _NONE, "not measured"
    return (_PASS, "met") if target.met(value) else (_FAIL, "MISSED")


def _zero_note(results: Result, targets: list[Target]) -> str:
    parts = []
    for target in targets:
        value = target.value(results)
        _, verdict = _verdict(target, value)
        shown = "-" if value is None else f"{value:g}"
        parts.append(f"{target.label} {shown} ({verdict})")
    return ("\n" + ";  ".join(parts)) if parts else ""


def _targets_panel(
    axes: Any, results: Result, targets: list[Target], title: str, unit: str
) -> None:
    values = [t.value(results) for t in targets]
    known = [v for v in values if v is not None and v > 0] + [t.bound for t in targets]
    low = min(known) / 4 if known else 0.01
    high = max(known) * 4 if known else 100.0
    axes.set_xscale("log")
    axes.set_xlim(low, high)
    for row, (target, value) in enumerate(zip(targets, values, strict=True)):
        y = len(targets) - 1 - row
        if target.op == ">=":
            axes.fill_betweenx([y - 0.4, y + 0.4], target.bound, high, color=_MET_BAND)
        else:
            axes.fill_betweenx([y - 0.4, y + 0.4], low, target.bound, color=_MET_BAND)
        axes.plot([target.bound, target.bound], [y - 0.4, y + 0.4], color="black", linewidth=2)
        colour, verdict = _verdict(target, value)
        if value is None:
            axes.text(target.bound, y, "  not measured", va="center", fontsize=9, color=_NONE)
            continue
        shown = min(max(value, low * 1.05), high / 1.05)
        axes.plot([shown], [y], "o", markersize=11, color=colour)
        axes.annotate(
            f"{value:g}  ({verdict}, target {target.op} {target.bound:g})",
            (shown, y),
            xytext=(8, 7),
            textcoords="offset points",
            fontsize=9,
            color=colour,
            fontweight="bold",
        )
    axes.set_yticks(range(len(targets)))
    axes.set_yticklabels([t.label for t in reversed(targets)], fontsize=10)
    axes.set_ylim(-0.6, len(targets) - 0.4)
    axes.set_xlabel(unit)
    axes.set_title(title, fontsize=11)
    axes.grid(axis="x", which="both", alpha=0.25)


def _histogram_panel(axes: Any, mix: Result) -> None:
    latency = mix.get("latency") or {}
    histogram = latency.get("histogram") or {}
    edges: list[float] = histogram.get("edges_ms") or []
    counts: list[int] = histogram.get("counts") or []
    if not counts or not sum(counts):
        _empty(axes, "mix latency distribution: not measured")
        return
    labels = [
        f"{edges[i]:g}-{edges[i + 1]:g}" if i + 1 < len(edges) else f">{edges[i]:g}"
        for i in range(len(edges))
    ]
    total = sum(counts)
    shares = [100 * c / total for c in counts]
    colours = [
        _PASS if i + 1 < len(edges) and edges[i + 1] <= 150 else _FAIL for i in range(len(edges))
    ]
    axes.bar(range(len(counts)), shares, color=colours)
    axes.set_xticks(range(len(counts)))
    axes.set_xticklabels(labels, rotation=35, fontsize=8)
    axes.set_xlabel("latency bin (ms); green: within the 150 ms p99 target")
    axes.set_ylabel("% of requests")
    quantiles = latency.get("quantiles_ms") or {}
    marks = "   ".join(
        f"{label} {quantiles[q]:g}"
        for q, label in (("0.5", "p50"), ("0.9", "p90"), ("0.99", "p99"), ("1", "max"))
        if q in quantiles
    )
    servers = mix.get("server_time") or {}
    where = ""
    if servers:
        where = (
            f"\nmean ms: client {latency.get('mean_ms', 0):g}, nginx "
            f"{servers['nginx_ms']['mean_ms']:g}, worker (queue + app) "
            f"{servers['upstream_ms']['mean_ms']:g}, app incl. DynamoDB "
            f"{servers['app_ms']['mean_ms']:g}"
        )
    axes.set_title(
        f"Mix latency through nginx: {total} requests, {mix.get('rps', 0):g} req/s\n"
        f"{marks} ms{where}",
        fontsize=11,
    )


def _kinds_panel(axes: Any, mix: Result) -> None:
    kinds: dict[str, Result] = mix.get("latency_by_kind") or {}
    if not kinds:
        _empty(axes, "mix latency by kind: not measured")
        return
    names = list(kinds)
    ys = list(range(len(names)))
    p50 = [kinds[n]["p50_ms"] for n in names]
    p99 = [kinds[n]["p99_ms"] for n in names]
    axes.barh([y + 0.2 for y in ys], p99, height=0.4, color="#90a4ae", label="p99")
    axes.barh([y - 0.2 for y in ys], p50, height=0.4, color="#37474f", label="p50")
    for y, (a, b) in enumerate(zip(p50, p99, strict=True)):
        axes.text(b, y + 0.2, f" {b:.0f}", va="center", fontsize=8)
        axes.text(a, y - 0.2, f" {a:.0f}", va="center", fontsize=8)
    axes.axvline(150, color="black", linestyle="--", linewidth=1, label="p99 target 150 ms")
    axes.set_yticks(ys)
    axes.set_yticklabels([f"{n} ({kinds[n]['count']})" for n in names])
    axes.set_xlabel("ms (number of requests of each kind in brackets)")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8)
    axes.set_title("Mix latency by kind of request (p50, p99)", fontsize=11)


def _time_split_panel(axes: Any, app_time: Result) -> None:
    operations: dict[str, Result] = app_time.get("operations") or {}
    if not operations:
        _empty(axes, "time per request in process: not measured")
        return
    names = list(operations)
    ys = list(range(len(names)))[::-1]
    left = [0.0] * len(names)
    for key, label, colour in _PARTS:
        widths = [float(operations[n].get(key, 0.0)) for n in names]
        axes.barh(ys, widths, left=left, color=colour, label=label, height=0.6)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, name, total in zip(ys, names, left, strict=True):
        app = operations[name].get("app_ms", 0.0)
        axes.text(total, y, f"  {total:.1f} ms (app {app:.1f})", va="center", fontsize=8)
    axes.set_xlim(0, max(left) * 1.35 if max(left) else 1)
    axes.set_yticks(ys)
    axes.set_yticklabels(names, fontsize=9)
    axes.set_xlabel("mean ms per request, in process")
    axes.legend(loc="upper right", fontsize=8)
    axes.set_title("Where a request's time goes: the store's time beside the app's", fontsize=11)


def _throughput_panel(axes: Any, results: Result) -> None:
    bars: list[tuple[str, float, str]] = []
    http = results.get("http_tier") or {}
    for label, node, colour in (
        ("bare WSGI hello (gunicorn)", (http.get("bare_wsgi") or {}).get("rps"), "#9e9e9e"),
        ("health (gunicorn)", http.get("rps"), "#1565c0"),
        ("cached list (gunicorn)", (results.get("cached_list") or {}).get("rps"), "#1565c0"),
        ("chalice local health", (http.get("chalice_local") or {}).get("rps"), "#9e9e9e"),
        ("health via nginx (mix stack)", (results.get("mix") or {}).get("health_rps"), "#00838f"),
        ("mix via nginx", (results.get("mix") or {}).get("rps"), "#00838f"),
    ):
        if isinstance(node, int | float):
            bars.append((label, float(node), colour))
    granian = results.get("granian") or {}
    for server, colour in (("gunicorn", "#5d4037"), ("granian", "#bf360c")):
        for what in ("health", "list"):
            value = (granian.get(server) or {}).get(what, {}).get("rps")
            if isinstance(value, int | float):
                bars.append((f"{what} via nginx ({server})", float(value), colour))
    if not bars:
        _empty(axes, "throughput: not measured")
        return
    ys = list(range(len(bars)))[::-1]
    axes.barh(ys, [b[1] for b in bars], color=[b[2] for b in bars], height=0.6)
    for y, (_, value, _) in zip(ys, bars, strict=True):
        axes.text(value, y, f" {value:,.0f}", va="center", fontsize=8)
    axes.set_yticks(ys)
    axes.set_yticklabels([b[0] for b in bars], fontsize=9)
    axes.set_xscale("log")
    axes.set_xlabel("requests per second (log scale)")
    axes.set_xlim(
        min(b[1] for b in bars) / 2 if min(b[1] for b in bars) > 0 else 1,
        max(b[1] for b in bars) * 3,
    )
    axes.set_title("Throughput, 16 connections", fontsize=11)


def _ddb_panel(axes: Any, results: Result) -> None:
    counts: dict[str, int] = results.get("ddb_calls") or {}
    if not counts:
        _empty(axes, "DynamoDB requests: not measured")
        return
    names = list(counts)
    axes.bar(names, [counts[n] for n in names], color="#1565c0")
    for x, name in enumerate(names):
        axes.text(x, counts[name], str(counts[name]), ha="center", va="bottom", fontsize=9)
    axes.set_ylabel("DynamoDB requests")
    axes.set_ylim(0, max(counts.values(), default=1) * 1.25 + 0.5)
    axes.set_title("DynamoDB requests per operation", fontsize=11)
    axes.tick_params(axis="x", labelsize=8, rotation=20)


def _empty(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", color=_NONE, fontsize=11)
    axes.set_axis_off()


# -- history -------------------------------------------------------------------------------

_HISTORY_LABELS = {
    "http_tier.rps": "health req/s (gunicorn)",
    "cached_list.rps": "cached list req/s",
    "mix.rps": "mix req/s",
    "mix.p99_ms": "mix p99 ms",
    "mix.ratio_vs_health": "mix / health",
    "store.create_ms_100": "create ms, 100 tasks",
    "store.create_ms_10k": "create ms, 10k tasks",
    "cold_start.ms": "cold start ms",
}


def draw_history(lines: list[Result], path: Path) -> None:
    """Write the history chart of ``lines`` (bench/results/history.jsonl) to ``path``."""
    plt = _pyplot()
    bounds = {t.key: t for t in TARGETS}
    keys: list[str] = []
    for line in lines:
        for key in line["figures"]:
            if key not in keys and (key in _HISTORY_LABELS or key in bounds):
                keys.append(key)
    keys.sort(key=lambda k: (k not in _HISTORY_LABELS, k))
    keys = [k for k in keys if not (k in bounds and bounds[k].bound == 0)]
    columns = 4
    rows = max(1, math.ceil(len(keys) / columns))
    figure = plt.figure(figsize=(18, 3.2 * rows + 1), constrained_layout=True)
    grid = figure.add_gridspec(rows, columns)
    labels = [
        f"{line.get('commit', '?')}{'*' if line.get('uncommitted_changes') else ''}\n"
        f"{str(line.get('date', ''))[5:10]}"
        for line in lines
    ]
    for index, key in enumerate(keys):
        axes = figure.add_subplot(grid[index // columns, index % columns])
        xs = [i for i, line in enumerate(lines) if key in line["figures"]]
        ys = [float(lines[i]["figures"][key]) for i in xs]
        target = bounds.get(key)
        colours = [_NONE if target is None else (_PASS if target.met(y) else _FAIL) for y in ys]
        axes.plot(xs, ys, color="#607d8b", linewidth=1)
        axes.scatter(xs, ys, color=colours, zorder=3)
        if ys:
            axes.annotate(
                f"{ys[-1]:g}",
                (xs[-1], ys[-1]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=9,
            )
        title = _HISTORY_LABELS.get(key) or (target.label if target else key)
        if target is not None:
            axes.axhline(target.bound, color="black", linestyle="--", linewidth=1)
            title += f"  (target {target.op} {target.bound:g})"
        axes.set_title(title, fontsize=10)
        axes.set_xticks(range(len(lines)))
        axes.set_xticklabels(labels, fontsize=7)
        axes.set_xlim(-0.5, len(lines) - 0.5)
        low = min([*ys, target.bound if target else min(ys, default=0)])
        high = max([*ys, target.bound if target else max(ys, default=1)])
        axes.set_ylim(min(0.0, low), high * 1.15 if high > 0 else 1.0)
        axes.grid(axis="y", alpha=0.3)
    figure.suptitle(
        f"make bench history: {len(lines)} runs (bench/results/history.jsonl); "
        "green: target met, red: missed, grey: no target; * uncommitted changes",
        fontsize=13,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
