from __future__ import annotations

from datetime import UTC, datetime

from taskcore.domain.listing import ListQuery, Segment, SortField, plan

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOW_KEY = "2026-03-01T12:00:00.000Z"


def test_default_list_reads_the_table_newest_first() -> None:
    the_plan = plan(ListQuery(), NOW)
    assert the_plan.segments == (Segment(None, "sk", prefix="T#"),)
    assert not the_plan.forward and not the_plan.sorted_in_memory


def test_status_filter_uses_the_status_index() -> None:
    the_plan = plan(ListQuery(completed=False, descending=False), NOW)
    assert the_plan.segments == (Segment("by_status_created", "status_created", prefix="0|"),)
    assert the_plan.forward


def test_overdue_is_a_key_range_of_open_tasks_before_now() -> None:
    the_plan = plan(ListQuery(overdue=True, sort=SortField.DUE_AT, descending=False), NOW)
    assert the_plan.segments == (Segment("by_status_due", "status_due", "0|0", f"0|{NOW_KEY}"),)
    assert not the_plan.sorted_in_memory


def test_due_range_with_due_sort_streams() -> None:
    query = ListQuery(
        due_from=datetime(2026, 3, 1, tzinfo=UTC),
        due_until=datetime(2026, 3, 2, tzinfo=UTC),
        sort=SortField.DUE_AT,
    )
    the_plan = plan(query, NOW)
    assert the_plan.segments == (
        Segment("by_due", "due_sort", "2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z|~"),
    )


def test_due_range_sorted_by_creation_reads_the_range_and_sorts_it() -> None:
    the_plan = plan(ListQuery(due_from=NOW), NOW)
    assert the_plan.sorted_in_memory
    assert the_plan.segments[0].index == "by_due"


def test_due_sort_puts_undated_tasks_last_in_both_directions() -> None:
    for descending in (False, True):
        segments = plan(ListQuery(sort=SortField.DUE_AT, descending=descending), NOW).segments
        assert [s.low for s in segments] == ["0", "~"]


def test_no_due_date_filter() -> None:
    segments = plan(ListQuery(has_due=False, completed=True), NOW).segments
    assert segments == (Segment("by_status_due", "status_due", "1|~", "1|~~"),)


# v1.1: one list's tasks are the same plans on the list's partition of the list index.


def test_a_list_is_planned_on_its_own_partition() -> None:
    the_plan = plan(ListQuery(list_id="L1", completed=False), NOW)
    assert the_plan.segments == (
        Segment("by_status_created", "status_created", prefix="0|", list_id="L1"),
    )
    due = plan(ListQuery(list_id="L1", sort=SortField.DUE_AT), NOW).segments
    assert {s.list_id for s in due} == {"L1"} and len(due) == 2


def test_manual_order_is_the_position_index() -> None:
    the_plan = plan(ListQuery(list_id="L1", sort=SortField.POSITION, descending=False), NOW)
    assert the_plan.segments == (Segment("by_position", "position_key", list_id="L1"),)
    assert the_plan.forward and not the_plan.sorted_in_memory


def test_children_are_a_prefix_of_the_position_index() -> None:
    query = ListQuery(list_id="L1", parent_id="P1", sort=SortField.POSITION, descending=False)
    assert plan(query, NOW).segments == (
        Segment("by_position", "position_key", prefix="P1|", list_id="L1"),
    )
    top = plan(ListQuery(list_id="L1", top_level=True, sort=SortField.POSITION), NOW)
    assert top.segments[0].prefix == "-|" and not top.sorted_in_memory
    # In another order, the children are read whole and sorted in memory.
    by_due = plan(ListQuery(list_id="L1", parent_id="P1", sort=SortField.DUE_AT), NOW)
    assert by_due.sorted_in_memory and by_due.segments[0].prefix == "P1|"


def test_top_level_without_a_list_is_checked_per_task() -> None:
    query = ListQuery(top_level=True)
    assert plan(query, NOW).segments == (Segment(None, "sk", prefix="T#"),)
    assert query.parent_filter
