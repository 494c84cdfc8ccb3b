"""Manual order: fractional position keys (v1.1).

A task's or list's ``position`` is a string key; siblings sorted by it are in the order
the user chose. Moving an item writes only that item: its new key is chosen strictly
between the keys of its new neighbours (``fractional-indexing``, base 62, the
"integer part + fraction" scheme), so no sibling is renumbered. Keys of items appended at
either end stay short (the integer part is incremented or decremented); keys grow only
when items keep landing in the same gap, by about one character per six insertions.

When a key would be longer than :data:`MAX_POSITION_LENGTH`, the container's siblings are
re-spaced first (:func:`respaced`): rare (hundreds of insertions into one gap since the
last re-spacing) and bounded by the container's size.

Equal keys cannot arise from two concurrent moves (every write of a user is serialised
by the account's change sequence, so the loser recomputes on fresh neighbours), but
sort keys end with the item's id anyway, as a tie-break.
"""

from __future__ import annotations

from collections.abc import Sequence

from fractional_indexing import generate_key_between, generate_n_keys_between

# Longer keys trigger a re-spacing of the container, the one time a move renumbers its
# siblings: reached after roughly 370 insertions into one gap. Far below DynamoDB's
# 1,024-byte limit on sort keys (a sort key is the parent, the position and the task id).
MAX_POSITION_LENGTH = 64
# The separator between a position and the id that breaks ties. It must sort below every
# base-62 digit, so that a key sorts before its own extensions ("a0" < "a0V").
TIE_BREAK = "#"
TOP_LEVEL = "-"  # the parent part of a top-level task's sort key


def key_between(before: str | None, after: str | None) -> str:
    """A key strictly between two neighbours' keys (``None``: the start or the end)."""
    return str(generate_key_between(before, after))


def needs_respacing(key: str) -> bool:
    """Whether a newly computed key is too long to be written as it is."""
    return len(key) > MAX_POSITION_LENGTH


def respaced(current: Sequence[str]) -> list[str]:
    """Short keys for a container's siblings, in their current order.

    Every new key sorts after every current key, so the siblings can be re-keyed from
    the last to the first in several transactions and the order stays right at every
    step (the re-keyed tail is after the untouched head, and in order within itself).
    """
    if not current:
        return []
    return [str(k) for k in generate_n_keys_between(max(current), None, len(current))]


def sort_key(parent_id: str | None, position: str, item_id: str) -> str:
    """Sort key of a task in its list's position index: its parent, then its position,
    then its id (``<parent id or ->|<position>#<id>``)."""
    return f"{parent_id or TOP_LEVEL}|{position}{TIE_BREAK}{item_id}"


def siblings_prefix(parent_id: str | None) -> str:
    """The sort-key prefix of the children of ``parent_id`` (top level for ``None``)."""
    return f"{parent_id or TOP_LEVEL}|"
