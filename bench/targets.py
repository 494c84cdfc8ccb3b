"""The measured targets of DESIGN.md sections 4 and 6, checked against a results document."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import Result

_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


def figure(results: Result, dotted: str) -> float | None:
    """The number at a dotted path of the results, None when absent or not a number."""
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return float(node)


@dataclass(frozen=True)
class Target:
    """One figure, where it is in the results, and the bound it must meet."""

    key: str  # dotted path into the results document
    label: str
    op: str  # ">=" or "<="
    bound: float

    @property
    def is_ratio(self) -> bool:
        """Whether the figure is a dimensionless ratio (drawn on the ratio chart)."""
        return "ratio" in self.key

    def value(self, results: Result) -> float | None:
        """The measured figure, None when that measurement did not run or failed."""
        return figure(results, self.key)

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the bound."""
        return _OPS[self.op](value, self.bound)


TARGETS = (
    Target("http_tier.ratio_vs_bare_wsgi", "health: app / bare WSGI", ">=", 0.6),
    Target("cached_list.ratio_vs_health", "cached list / health", ">=", 0.4),
    Target("search.items_ratio_10k_vs_1k", "search items read 10k / 1k", "<=", 1.5),
    Target("search.latency_ratio_10k_vs_1k", "search latency 10k / 1k", "<=", 1.5),
    Target("job.items_ratio_50k_vs_1k", "job items read 50k / 1k", "<=", 1.5),
    Target("cold_start.ratio_vs_boto3_import", "cold start / boto3 import", "<=", 2.5),
    Target(
        "cold_start.observability_ratio_vs_boto3_import",
        "cold start, observability on / boto3",
        "<=",
        2.5,
    ),
    Target("mix.errors", "mix errors", "<=", 0.0),
    Target("ddb_scans", "Scan requests", "<=", 0.0),
    # DESIGN.md section 6, v1.1: the native stack's store.
    Target("mix.p99_ms", "mix p99 ms (nginx, native stack)", "<=", 150.0),
    Target("mix.ratio_vs_health", "mix req/s / health req/s", ">=", 0.1),
    Target("store.create_ratio_10k_vs_100", "create latency 10k / 100 tasks", "<=", 1.5),
    Target("store.list_page_ms", "list page ms (store)", "<=", 15.0),
    Target("search.emulator_ms_10k", "search ms in the emulator, 10k", "<=", 50.0),
)


def check(results: Result) -> list[dict[str, Any]]:
    """Every target with its measured value and whether it is met (None: not measured)."""
    checked = []
    for target in TARGETS:
        value = target.value(results)
        checked.append(
            {
                "key": target.key,
                "label": target.label,
                "target": f"{target.op} {target.bound:g}",
                "value": value,
                "met": None if value is None else target.met(value),
            }
        )
    return checked
