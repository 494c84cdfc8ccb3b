"""Entity tags: a task's (or list's) ``version`` as HTTP spells it.

The core speaks of versions only; the syntax of ``ETag``, ``If-Match`` and
``If-None-Match`` (quotes, weak tags, lists, ``*``) lives here.
"""

from __future__ import annotations

# Versions start at 1: a write conditional on this one fails its precondition (after
# the task was found, so a missing task is still 404).
NO_VERSION = 0


def etag(version: int) -> str:
    """The strong entity tag of a version."""
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def matches(header: str | None, version: int) -> bool:
    """Whether an ``If-None-Match`` / ``If-Match`` value names ``version`` (or is ``*``)."""
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or etag(version) in tags


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header makes a write conditional on; ``None`` when
    there is no condition (no header, or ``*`` for an existing resource).

    A tag that is no version of ours can never match, and neither can a list of
    several versions, which no client of one resource sends (a write is based on the
    one version the client holds): both give :data:`NO_VERSION`.
    """
    if if_match is None:
        return None
    tags = _tags(if_match)
    if "*" in tags:
        return None
    versions = {
        int(tag[1:-1])
        for tag in tags
        if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit()
    }
    return versions.pop() if len(versions) == 1 else NO_VERSION
