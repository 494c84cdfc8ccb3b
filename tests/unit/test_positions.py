"""Fractional position keys: between any two neighbours, short at the ends, re-spaced."""

from __future__ import annotations

import random

from taskcore.domain import positions
from taskcore.domain.lists import TaskList, in_order


def test_a_key_between_two_neighbours_sorts_between_them() -> None:
    rng = random.Random(3)
    keys = [positions.key_between(None, None)]
    for _ in range(500):
        gap = rng.randrange(len(keys) + 1)
        before = keys[gap - 1] if gap else None
        after = keys[gap] if gap < len(keys) else None
        key = positions.key_between(before, after)
        assert (before is None or before < key) and (after is None or key < after)
        keys.insert(gap, key)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_appending_and_prepending_keep_keys_short() -> None:
    last, first = "a0", "a0"
    for _ in range(3000):
        last = positions.key_between(last, None)
        first = positions.key_between(None, first)
    assert len(last) <= 4 and len(first) <= 4 and first < "a0" < last


def test_one_gap_grows_about_a_character_per_six_insertions_until_respacing() -> None:
    low, high = positions.key_between(None, None), None
    high = positions.key_between(low, None)
    inserted = 0
    while not positions.needs_respacing(high):
        high = positions.key_between(low, high)  # always right after ``low``
        inserted += 1
    assert 330 <= inserted <= 420  # rare: hundreds of moves into one gap


def test_respaced_keys_are_short_in_order_and_after_every_current_key() -> None:
    current = ["a0", "a0V", "a0G", "a08", "a04", "a02", "a01", "a00V"]
    ordered = sorted(current)
    fresh = positions.respaced(ordered)
    assert fresh == sorted(fresh) and all(len(k) <= 3 for k in fresh)
    assert min(fresh) > max(current)
    # Re-keying from the last to the first keeps the order at every step.
    state = list(ordered)
    for index in reversed(range(len(state))):
        state[index] = fresh[index]
        assert state == sorted(state)
    assert positions.respaced([]) == []


def test_the_sort_key_orders_a_position_before_its_extensions() -> None:
    # "a0" < "a0V" as positions; a separator above the digits would put a0V first.
    shorter = positions.sort_key(None, "a0", "01ZZZZ")
    longer = positions.sort_key(None, "a0V", "01AAAA")
    assert shorter < longer and shorter.startswith(positions.siblings_prefix(None))
    child = positions.sort_key("01PARENT", "a0", "01CHILD")
    assert child.startswith(positions.siblings_prefix("01PARENT"))
    assert shorter < child  # top-level tasks first ("-" sorts before any id)


def test_lists_in_manual_order_break_ties_by_id() -> None:
    def item(list_id: str, position: str) -> TaskList:
        return TaskList(list_id, "u", list_id, position, False, "t", "t", 1)

    ordered = in_order([item("b", "a1"), item("c", "a0"), item("a", "a1")])
    assert [x.id for x in ordered] == ["c", "a", "b"]
