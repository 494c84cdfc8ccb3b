"""The chart of a run: each ratio against its target, and DynamoDB requests per operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import Result
from bench.targets import TARGETS

_PASS, _FAIL, _NONE = "#2e7d32", "#c62828", "#9e9e9e"


def draw(results: Result, path: Path) -> None:
    """Write the chart of ``results`` to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(16, 10), constrained_layout=True)
    grid = figure.add_gridspec(3, 5)
    for index, target in enumerate(TARGETS):
        axes = figure.add_subplot(grid[index // 5, index % 5])
        value = target.value(results)
        met = None if value is None else target.met(value)
        colour = _NONE if met is None else (_PASS if met else _FAIL)
        shown = value if value is not None else 0.0
        axes.bar([0], [shown], width=0.5, color=colour)
        axes.axhline(target.bound, color="black", linestyle="--", linewidth=1)
        axes.set_ylim(0, max(shown, target.bound, 1.0) * 1.3)
        axes.set_xticks([])
        axes.set_title(target.label, fontsize=10)
        text = "" if value is None else f"{value:g}"
        axes.text(0, shown, text, ha="center", va="bottom", fontsize=11, fontweight="bold")
        verdict = {True: "met", False: "MISSED", None: "not measured"}[met]
        axes.text(
            0.02,
            0.98,
            verdict,
            transform=axes.transAxes,
            ha="left",
            va="top",
            fontsize=9,
            fontweight="bold",
            color=colour,
        )
        axes.text(
            0.98,
            0.98,
            f"target {target.op} {target.bound:g}",
            transform=axes.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    _ddb_panel(figure.add_subplot(grid[2, :]), results)
    meta = results.get("meta", {})
    figure.suptitle(
        f"make bench - {meta.get('finished', '')} - commit {meta.get('commit', '?')} - "
        f"load generator {meta.get('load_generator', '?')}",
        fontsize=12,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)


def _ddb_panel(axes: Any, results: Result) -> None:
    counts: dict[str, int] = results.get("ddb_calls") or {}
    if not counts:
        axes.text(0.5, 0.5, "DynamoDB requests: not measured", ha="center", va="center")
        axes.set_axis_off()
        return
    names = list(counts)
    axes.bar(names, [counts[n] for n in names], color="#1565c0")
    for x, name in enumerate(names):
        axes.text(x, counts[name], str(counts[name]), ha="center", va="bottom", fontsize=9)
    axes.set_ylabel("DynamoDB requests")
    axes.set_title("DynamoDB requests per operation", fontsize=10)
    axes.tick_params(axis="x", labelsize=8, rotation=20)
