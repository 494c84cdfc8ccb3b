"""bench/results/scale.png: the capacity model, the cost per operation and the simulated
million-reminder run at a glance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.chart import _pyplot
from bench.common import Result

_BEFORE, _AFTER, _LIMIT = "#c62828", "#2e7d32", "#424242"


def draw(scale: Result, path: Path) -> Path:
    """Write the chart of ``scale`` (bench.scale's results) to ``path``."""
    plt = _pyplot()
    figure = plt.figure(figsize=(18, 12), constrained_layout=True)
    grid = figure.add_gridspec(2, 2)
    capacity = scale["capacity"]
    _due_index_panel(figure.add_subplot(grid[0, 0]), capacity)
    _tables_panel(figure.add_subplot(grid[0, 1]), capacity)
    _cost_panel(figure.add_subplot(grid[1, 0]), scale["costs"])
    _simulation_panel(figure.add_subplot(grid[1, 1]), scale.get("simulation"))
    figure.suptitle(
        f"make bench-scale - due-time index in {scale['shards']} shards, "
        f"{scale['shards_per_worker']} per worker",
        fontsize=13,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path


def _due_index_panel(axes: Any, capacity: Result) -> None:
    users = [int(n) for n in capacity["users"]]
    for layout, colour in (("before", _BEFORE), ("after", _AFTER)):
        for kind, style in (("write_units", "-"), ("read_units", ":")):
            values = [_row(capacity, n, layout, "tasks/by_notify_bucket")[kind] for n in users]
            label = f"{'one partition per hour' if layout == 'before' else 'sharded'}, {kind[:-6]}s"
            axes.plot(users, values, style, marker="o", color=colour, label=label)
    limits = capacity["limits"]
    axes.axhline(limits["write_units_per_second"], color=_LIMIT, linestyle="--", linewidth=1)
    axes.text(users[0], limits["write_units_per_second"] * 1.1, "1,000 W/s per key", fontsize=9)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("users")
    axes.set_ylabel("units per second on the hottest key")
    axes.set_title("Due-time index: hottest partition key in the busiest minute", fontsize=11)
    axes.legend(fontsize=8)


def _tables_panel(axes: Any, capacity: Result) -> None:
    biggest = str(max(int(n) for n in capacity["users"]))
    rows = capacity["users"][biggest]["after"]
    limits = capacity["limits"]
    names = [row["target"] for row in rows]
    shares = [
        max(
            row["write_units"] / limits["write_units_per_second"],
            row["read_units"] / limits["read_units_per_second"],
        )
        for row in rows
    ]
    before = {row["target"]: row for row in capacity["users"][biggest]["before"]}
    old = [
        max(
            before[n]["write_units"] / limits["write_units_per_second"],
            before[n]["read_units"] / limits["read_units_per_second"],
        )
        for n in names
    ]
    ys = list(range(len(names)))[::-1]
    axes.barh([y + 0.2 for y in ys], old, height=0.4, color=_BEFORE, label="before sharding")
    axes.barh([y - 0.2 for y in ys], shares, height=0.4, color=_AFTER, label="sharded")
    axes.axvline(1.0, color=_LIMIT, linestyle="--", linewidth=1)
    axes.set_yticks(ys)
    axes.set_yticklabels(names, fontsize=8)
    axes.set_xscale("log")
    axes.set_xlabel("hottest key's load / DynamoDB's per-partition limit (log)")
    axes.set_title(f"Every table and index, {int(biggest):,} users", fontsize=11)
    axes.legend(fontsize=8)


def _cost_panel(axes: Any, costs: Result) -> None:
    operations = costs["operations"]
    names = list(operations)
    ys = list(range(len(names)))[::-1]
    values = [operations[n]["usd_per_million"] for n in names]
    axes.barh(ys, values, color="#1565c0")
    for y, value in zip(ys, values, strict=True):
        axes.text(value, y, f" ${value:,.2f}", va="center", fontsize=8)
    axes.set_yticks(ys)
    axes.set_yticklabels(names, fontsize=8)
    axes.set_xlabel(f"US$ per million operations, on demand, {costs['region']}")
    axes.set_xlim(0, max(values) * 1.2)
    axes.set_title("Cost per million operations (measured units)", fontsize=11)


def _simulation_panel(axes: Any, simulation: Result | None) -> None:
    if not simulation:
        axes.text(0.5, 0.5, "simulation: not run", ha="center", va="center")
        axes.set_axis_off()
        return
    bars = [
        ("workers needed, moto's rate (measured)", simulation["workers_needed_at_measured_rate"]),
        ("workers needed on AWS (assumed latency)", simulation["workers_needed_on_aws"]),
        ("shards", simulation["shards"]),
    ]
    ys = list(range(len(bars)))[::-1]
    axes.barh(ys, [b[1] for b in bars], color=["#ef6c00", "#8e24aa", "#1565c0"])
    for y, (_, value) in zip(ys, bars, strict=True):
        axes.text(value, y, f" {value:,}", va="center", fontsize=9)
    axes.set_yticks(ys)
    axes.set_yticklabels([b[0] for b in bars], fontsize=9)
    axes.set_title(
        f"{simulation['reminders']:,} reminders in one minute\n"
        f"measured: {simulation['seconds_per_shard']:.1f} s per shard of "
        f"{simulation['per_shard']:,} on moto, "
        f"{simulation['items_per_second_per_worker']:,.0f} items/s per worker",
        fontsize=10,
    )


def _row(capacity: Result, users: int, layout: str, target: str) -> Result:
    rows: list[Result] = capacity["users"][str(users)][layout]
    (row,) = [r for r in rows if r["target"] == target]
    return row
