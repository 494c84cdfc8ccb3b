"""bench/results/history.jsonl: one line per run, the main figures and where they came from.

Each line is a JSON object: the commit (short hash; ``uncommitted_changes`` when tracked
files differed from it), the date, the sections that ran, the
load generator and load average, and ``figures``, a flat map from dotted result keys
(``mix.p99_ms``) to numbers. Figures a run did not measure are absent, so partial runs
(``--only``) add points for what they measured only. The chart of the history reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import Result
from bench.targets import TARGETS, figure

FILE_NAME = "history.jsonl"

# The figures followed across commits besides every target's figure (in bench/targets.py).
MAIN_FIGURES = (
    "http_tier.rps",
    "http_tier.ratio_vs_chalice_local",
    "cached_list.rps",
    "mix.rps",
    "mix.health_rps",
    "mix.p50_ms",
    "mix.p99_ms",
    "mix.ratio_vs_health",
    "store.create_ms_100",
    "store.create_ms_10k",
    "store.list_page_ms",
    "search.emulator_ms_10k",
    "cold_start.ms",
    "granian.health_ratio_vs_gunicorn",
    "granian.list_ratio_vs_gunicorn",
)


def entry(results: Result) -> Result:
    """The history line of one run."""
    meta = results.get("meta", {})
    keys = dict.fromkeys([*MAIN_FIGURES, *(t.key for t in TARGETS)])
    figures = {key: value for key in keys if (value := figure(results, key)) is not None}
    sections = [
        name
        for name, value in results.items()
        if name not in ("meta", "targets", "ddb_calls_detail")
        and isinstance(value, dict)
        and not ({"error", "unavailable"} & set(value))
    ]
    return {
        "commit": meta.get("commit", "unknown"),
        "uncommitted_changes": bool(meta.get("uncommitted_changes", False)),
        "date": meta.get("finished") or meta.get("started"),
        "sections": sections,
        "load_generator": meta.get("load_generator"),
        "load_start": meta.get("load_start"),
        "figures": figures,
    }


def append(path: Path, results: Result) -> Result:
    """Append this run's line to ``path``; the line."""
    line = entry(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps(line, sort_keys=False) + "\n")
    return line


def read(path: Path) -> list[Result]:
    """Every readable line of ``path``, oldest first (a damaged line is skipped)."""
    if not path.exists():
        return []
    lines: list[Result] = []
    for text in path.read_text().splitlines():
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("figures"), dict):
            lines.append(value)
    return lines
