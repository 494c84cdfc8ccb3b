"""The measured targets of DESIGN.md sections 4 and 6, checked against a results document."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import Result

_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Target:
    """One figure, where it is in the results, and the bound it must meet."""

    key: str  # dotted path into the results document
    label: str
    op: str  # ">=" or "<="
    bound: float

    def value(self, results: Result) -> float | None:
        """The measured figure, None when that measurement did not run or failed."""
        node: Any = results
        for part in self.key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return float(node) if isinstance(node, int | float) else None

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the bound."""
        return _OPS[self.op](value, self.bound)


TARGETS = (
    Target("http_tier.ratio_vs_bare_wsgi", "health: app / bare WSGI", ">=", 0.6),
    Target("http_tier.ratio_vs_chalice_local", "health: app / chalice local", ">=", 20.0),
    Target("cached_list.ratio_vs_health", "cached list / health", ">=", 0.4),
    Target("search.items_ratio_10k_vs_1k", "search items read 10k / 1k", "<=", 1.5),
    Target("search.latency_ratio_10k_vs_1k", "search latency 10k / 1k", "<=", 1.5),
    Target("job.items_ratio_50k_vs_1k", "job items read 50k / 1k", "<=", 1.5),
    Target("cold_start.ratio_vs_boto3_import", "cold start / boto3 import", "<=", 2.5),
    Target("mix.errors", "mix errors", "<=", 0.0),
    Target("ddb_scans", "Scan requests", "<=", 0.0),
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
