"""API Gateway's resource selection: which route template serves a concrete path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True, slots=True)
class Resource:
    """One API Gateway resource: a path template and the methods defined on it."""

    template: str
    methods: frozenset[str]
    params: tuple[str, ...]
    cors_headers: Mapping[str, str] | None


class Router:
    """Matches concrete paths to resources, the way API Gateway selects a resource.

    Static paths are one dict lookup. Templates are grouped by segment count and tried
    with static segments before parameters at each position, so ``/v1/tasks/search``
    wins over ``/v1/tasks/{id}`` as it does in API Gateway.
    """

    def __init__(self, routes: Mapping[str, Mapping[str, Any]]) -> None:
        self._static: dict[str, Resource] = {}
        self._dynamic: dict[int, list[tuple[re.Pattern[str], Resource]]] = {}
        # Sorting on (is-parameter, text) per segment puts static segments first.
        for template in sorted(routes, key=lambda t: [(s[:1] == "{", s) for s in t.split("/")]):
            resource = _resource(template, routes[template])
            if not resource.params:
                self._static[template] = resource
                continue
            segments = template.split("/")
            pattern = "/".join("([^/]+)" if _PARAM.fullmatch(s) else re.escape(s) for s in segments)
            self._dynamic.setdefault(len(segments), []).append((re.compile(pattern), resource))

    def match(self, path: str) -> tuple[Resource, dict[str, str] | None] | None:
        """The resource serving ``path`` and its path parameters, or None."""
        resource = self._static.get(path)
        if resource is not None:
            return resource, None
        for pattern, resource in self._dynamic.get(path.count("/") + 1, ()):
            found = pattern.fullmatch(path)
            if found is not None:
                return resource, dict(zip(resource.params, found.groups(), strict=True))
        return None


def _resource(template: str, entries: Mapping[str, Any]) -> Resource:
    for method, entry in entries.items():
        # The adapter does not emulate API Gateway authorizers; serving such a route
        # without its authorizer would silently drop authentication, so refuse instead.
        if entry.authorizer is not None:
            raise ValueError(f"{method} {template}: API Gateway authorizers are not emulated")
    segments = template.split("/")
    if any("{" in s and not _PARAM.fullmatch(s) for s in segments):
        raise ValueError(f"{template}: only whole-segment {{name}} parameters are supported")
    cors = next((e.cors for e in entries.values() if e.cors is not None), None)
    cors_headers = None
    if cors is not None:
        cors_headers = dict(cors.get_access_control_headers())
        cors_headers["Access-Control-Allow-Methods"] = ",".join(sorted({*entries, "OPTIONS"}))
    return Resource(
        template=template,
        methods=frozenset(entries),
        params=tuple(_PARAM.findall(template)),
        cors_headers=cors_headers,
    )
