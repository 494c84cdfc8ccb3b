"""Lists, subtasks and moves on fakes (v1.1): the services' rules, races and resumption."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fakes import new_user
from taskcore.domain import positions
from taskcore.domain.listing import Segment
from taskcore.domain.lists import inbox_id
from taskcore.domain.task import TaskChanges, new_task
from taskcore.errors import (
    Conflict,
    DependencyUnavailable,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from taskcore.services import lists, moves, placement, sync
from taskcore.services import tasks as task_service
from taskcore.services.ports import WriteOutcome


@pytest.fixture
def user(deps) -> str:
    return new_user(deps)


def _create(deps, user: str, title: str, **fields):
    return task_service.create_task(deps, user, {"title": title, **fields})


def _order(deps, user: str, list_id: str, parent_id: str | None = None) -> list[str]:
    prefix = positions.siblings_prefix(parent_id)
    segment = Segment("by_position", "position_key", prefix=prefix, list_id=list_id)
    rows = deps.tasks.query(user, segment, forward=True, start=None, page_size=None)
    return [task.title for task, _ in rows]


def test_registration_makes_the_inbox_in_the_account_transaction(deps, user) -> None:
    account = deps.users.stored(user)
    assert (account.change_seq, account.list_count, account.lists_ready) == (1, 1, True)
    [inbox] = deps.lists.all(user)
    assert inbox.id == inbox_id(user) and inbox.is_inbox and inbox.name == "Inbox"
    assert deps.tasks.list_items(user)[inbox.id].seq == 1


def test_create_rename_move_lists(deps, user, clock) -> None:
    work = lists.create_list(deps, user, "Work")
    home = lists.create_list(deps, user, "Home")
    assert work.position < home.position and deps.users.stored(user).list_count == 3
    clock.advance(minutes=1)
    renamed = lists.rename_list(deps, user, work.id, {"name": "Job"}, expected_version=1)
    assert (renamed.name, renamed.version, renamed.updated_at > work.updated_at) == ("Job", 2, True)
    assert lists.rename_list(deps, user, work.id, {"name": "Job"}) == renamed  # no change
    with pytest.raises(PreconditionFailed):
        lists.rename_list(deps, user, work.id, {"name": "x"}, expected_version=1)
    lists.move_list(deps, user, home.id, {"before_id": None})
    page = lists.list_lists(deps, user, 100, None)
    assert [item.name for item in page.items] == ["Home", "Inbox", "Job"]
    with pytest.raises(ValidationFailed):
        lists.move_list(deps, user, home.id, {"after_id": "01NOSUCHLIST"})
    with pytest.raises(NotFound):
        lists.rename_list(deps, new_user(deps), work.id, {"name": "mine"})


def test_the_list_quota_is_quota_exceeded(deps, user) -> None:
    deps.settings = deps.settings.model_copy(update={"max_lists_per_user": 2})
    lists.create_list(deps, user, "one")
    with pytest.raises(ValidationFailed) as refused:
        lists.create_list(deps, user, "two")
    assert refused.value.code == "quota_exceeded"


def test_a_new_task_goes_to_the_end_of_its_siblings(deps, user) -> None:
    work = lists.create_list(deps, user, "Work")
    a = _create(deps, user, "a", list_id=work.id)
    b = _create(deps, user, "b", list_id=work.id)
    sub = _create(deps, user, "sub", parent_id=a.id)
    assert (sub.list_id, sub.parent_id) == (work.id, a.id)
    assert a.position < b.position and _order(deps, user, work.id) == ["a", "b"]
    assert _order(deps, user, work.id, a.id) == ["sub"]
    assert deps.tasks.entries(work.id).keys() == {a.id, b.id, sub.id}
    plain = _create(deps, user, "plain")
    assert plain.list_id == inbox_id(user)


def test_a_task_cannot_go_into_a_missing_or_closing_list(deps, user) -> None:
    with pytest.raises(ValidationFailed) as missing:
        _create(deps, user, "x", list_id="01NOSUCHLIST")
    assert missing.value.errors[0].field == "list_id"
    work = lists.create_list(deps, user, "Work")
    marked = replace(work, deleting=True)
    stored = deps.users.stored(user)
    assert deps.lists.write(stored, [lists.ListWrite(marked, 1)], deps.clock()) is (
        WriteOutcome.COMMITTED
    )
    with pytest.raises(Conflict):
        _create(deps, user, "late", list_id=work.id)


def test_depth_cycles_and_cross_list_parents_are_422_on_parent_id(deps, user) -> None:
    work, home = lists.create_list(deps, user, "Work"), lists.create_list(deps, user, "Home")
    top = _create(deps, user, "top", list_id=work.id)
    mid = _create(deps, user, "mid", parent_id=top.id)
    leaf = _create(deps, user, "leaf", parent_id=mid.id)
    for body in (
        {"title": "x", "parent_id": leaf.id},
        {"title": "x", "parent_id": top.id, "list_id": home.id},
        {"title": "x", "parent_id": "01NOSUCHTASK"},
    ):
        with pytest.raises(ValidationFailed) as refused:
            task_service.create_task(deps, user, body)
        assert refused.value.errors[0].field == "parent_id"
    for target in (top.id, mid.id, leaf.id):  # itself, its child, its grandchild
        with pytest.raises(ValidationFailed):
            moves.move_task(deps, user, top.id, {"parent_id": target})
    other = _create(deps, user, "other", list_id=work.id)
    with pytest.raises(ValidationFailed):  # three levels under a top task: four
        moves.move_task(deps, user, top.id, {"parent_id": other.id})
    moved = moves.move_task(deps, user, leaf.id, {"parent_id": other.id})
    assert moved.parent_id == other.id and moved.version == leaf.version + 1


def test_a_move_writes_only_the_moved_task_and_its_neighbours_stay(deps, user) -> None:
    work = lists.create_list(deps, user, "Work")
    a, b, c = (_create(deps, user, t, list_id=work.id) for t in "abc")
    commits = deps.tasks.commits
    moved = moves.move_task(deps, user, c.id, {"after_id": a.id})
    assert deps.tasks.commits == commits + 1
    assert a.position < moved.position < b.position
    assert _order(deps, user, work.id) == ["a", "c", "b"]
    assert deps.tasks.get(user, b.id).version == 1
    with pytest.raises(ValidationFailed):  # not a sibling at the new place
        moves.move_task(deps, user, c.id, {"after_id": a.id, "parent_id": b.id})


def test_moves_retry_on_fresh_neighbours_after_a_lost_race(deps, user) -> None:
    work = lists.create_list(deps, user, "Work")
    a, b, c, d = (_create(deps, user, t, list_id=work.id) for t in "abcd")
    # Another writer puts d right after a between our read and our write.
    deps.tasks.before_write.append(lambda: moves.move_task(deps, user, d.id, {"after_id": a.id}))
    moved = moves.move_task(deps, user, c.id, {"after_id": a.id})
    assert _order(deps, user, work.id) == ["a", "c", "d", "b"]
    keys = [deps.tasks.get(user, t.id).position for t in (a, b, c, d)]
    assert len(set(keys)) == 4 and moved.position < deps.tasks.get(user, d.id).position


def test_keys_that_grow_too_long_respace_the_container(deps, user) -> None:
    work = lists.create_list(deps, user, "Work")
    head = _create(deps, user, "head", list_id=work.id)
    _create(deps, user, "tail", list_id=work.id)
    titles = ["head"]
    for i in range(400):  # each new task right after "head": one gap, over and over
        task = _create(deps, user, f"t{i}", list_id=work.id)
        moves.move_task(deps, user, task.id, {"after_id": head.id})
        titles.insert(1, f"t{i}")
    stored = [deps.tasks.get(user, task_id) for task_id in deps.tasks.entries(work.id)]
    longest = max(len(t.position) for t in stored if t.position)
    assert longest <= positions.MAX_POSITION_LENGTH
    assert _order(deps, user, work.id) == [*titles, "tail"]
    tail = next(t for t in stored if t.title == "tail")
    assert tail.version > 1  # re-spaced (a new version and number, never reordered)
    assert tail.updated_at == head.updated_at  # not a change the user made


def test_moving_to_another_list_takes_the_subtree_in_one_transaction(deps, user) -> None:
    work, home = lists.create_list(deps, user, "Work"), lists.create_list(deps, user, "Home")
    top = _create(deps, user, "top", list_id=work.id)
    mid = _create(deps, user, "mid", parent_id=top.id)
    _create(deps, user, "leaf", parent_id=mid.id)
    commits = deps.tasks.commits
    moves.move_task(deps, user, top.id, {"list_id": home.id})
    assert deps.tasks.commits == commits + 1
    assert deps.tasks.entries(work.id) == {}
    assert {e.task.title for e in deps.tasks.entries(home.id).values()} == {"top", "mid", "leaf"}
    assert deps.tasks.get(user, mid.id).list_id == home.id


def test_thirty_one_subtasks_move_with_their_task_whatever_its_title(deps, user) -> None:
    work, home = lists.create_list(deps, user, "Work"), lists.create_list(deps, user, "Home")
    top = _create(deps, user, "a title of many different words", list_id=work.id)
    for i in range(placement.MAX_MOVED_TASKS - 1):
        _create(deps, user, f"c{i}", parent_id=top.id)
    moves.move_task(deps, user, top.id, {"list_id": home.id})
    assert len(deps.tasks.entries(home.id)) == placement.MAX_MOVED_TASKS


def test_a_subtree_over_the_transaction_limit_is_refused(deps, user) -> None:
    work, home = lists.create_list(deps, user, "Work"), lists.create_list(deps, user, "Home")
    top = _create(deps, user, "top", list_id=work.id)
    for i in range(placement.MAX_MOVED_TASKS):  # the task and 32 subtasks: one too many
        _create(deps, user, f"c{i}", parent_id=top.id)
    with pytest.raises(ValidationFailed) as refused:
        moves.move_task(deps, user, top.id, {"list_id": home.id})
    assert refused.value.errors[0].field == "list_id"
    assert len(deps.tasks.entries(work.id)) == 33


def test_deleting_a_subtree_goes_leaves_first_and_resumes(deps, user, monkeypatch) -> None:
    monkeypatch.setattr(moves, "pause", lambda attempt: None)
    top = _create(deps, user, "top")
    mids = [_create(deps, user, f"mid{i}", parent_id=top.id) for i in range(30)]
    for mid in mids:  # a long title: many search entries, so several transactions
        words = " ".join(f"{chr(97 + n)}zz" for n in range(20))
        _create(deps, user, words, parent_id=mid.id)
    real = deps.tasks.write_batch
    batches: list[int] = []

    def only_the_first_commits(account, batch, now):
        batches.append(len(batch.writes))
        if len(batches) > 1:
            return WriteOutcome.USER_CHANGED  # another writer always gets in first
        return real(account, batch, now)

    monkeypatch.setattr(deps.tasks, "write_batch", only_the_first_commits)
    with pytest.raises(DependencyUnavailable):
        task_service.delete_task(deps, user, top.id)
    monkeypatch.setattr(deps.tasks, "write_batch", real)
    left = [deps.tasks.get(user, t.id) for t in (top, *mids)]
    gone = deps.tasks.tombstones(user)
    assert 0 < len(gone) < 61 and left[0] is not None  # some leaves went; the root is last
    assert all(t is not None for t in left)  # no parent before its children
    task_service.delete_task(deps, user, top.id)  # a repeat finishes
    assert deps.tasks.get(user, top.id) is None and deps.users.stored(user).task_count == 0
    assert len(deps.tasks.tombstones(user)) == 61
    assert {t.tombstone.kind for t in deps.tasks.tombstones(user)} == {"task"}


def test_cascade_delete_of_a_list(deps, user) -> None:
    work = lists.create_list(deps, user, "Work")
    top = _create(deps, user, "top", list_id=work.id)
    _create(deps, user, "child", parent_id=top.id)
    with pytest.raises(Conflict):
        lists.delete_list(deps, user, work.id, {})
    with pytest.raises(Conflict):
        lists.delete_list(deps, user, inbox_id(user), {"cascade": "true"})
    lists.delete_list(deps, user, work.id, {"cascade": "true"})
    assert deps.lists.get(user, work.id) is None and deps.tasks.entries(work.id) == {}
    account = deps.users.stored(user)
    assert (account.task_count, account.list_count) == (0, 1)
    changes = sync.changes_since(deps, user, {"since": _since_zero(deps, user)}).changes
    assert [(c["kind"], c.get("deleted", False)) for c in changes][-3:] == [
        ("task", True),
        ("task", True),
        ("list", True),
    ]


def _since_zero(deps, user: str) -> str:
    return deps.cursors.seal(
        "sync", {"u": user, "s": 0, "t": int(deps.clock().timestamp()), "b": None}
    )


def _before_lists(deps, user: str, count: int) -> list[str]:
    """Make the account one from before lists, with ``count`` tasks."""
    deps.tasks.list_items(user).clear()
    account = deps.users.stored(user)
    deps.users.set_counters(user, account.change_seq, count, list_count=0, lists_ready=False)
    ids = []
    for n in range(count):
        task = new_task(deps.new_id(), user, TaskChanges(title=f"old {n}"), deps.clock())
        deps.tasks.store_v1_0_task(task, account, account.change_seq, deps.clock())
        ids.append(task.id)
    return ids


def test_an_old_account_is_brought_up_to_date_on_first_use(deps, user) -> None:
    ids = _before_lists(deps, user, 100)
    assert deps.tasks.get(user, ids[0]).list_id == inbox_id(user)  # without a read
    deps.tasks.fail_next.append(WriteOutcome.USER_CHANGED)  # a race on the first batch
    new = _create(deps, user, "new")
    account = deps.users.stored(user)
    assert account.lists_ready and account.list_count == 1 and account.task_count == 101
    assert _order(deps, user, inbox_id(user)) == [*(f"old {n}" for n in range(100)), "new"]
    assert new.position > deps.tasks.get(user, ids[-1]).position
    backfilled = deps.tasks.get(user, ids[0])
    assert backfilled.version == 2  # its representation changed: a new version and number


def test_an_old_account_with_no_tasks_gets_just_its_inbox(deps, user) -> None:
    _before_lists(deps, user, 0)
    page = lists.list_lists(deps, user, 10, None)
    assert [item.name for item in page.items] == ["Inbox"]
    assert deps.users.stored(user).lists_ready


def test_a_large_cascade_goes_on_over_several_requests(deps, user, monkeypatch) -> None:
    """Past its share of transactions a cascade answers 503 (retry): the list stays,
    marked deleting, takes no new task, and repeats with the first If-Match go on."""
    monkeypatch.setattr(lists, "CASCADE_TRANSACTIONS_PER_REQUEST", 1)
    work = lists.create_list(deps, user, "Work")
    for i in range(60):
        _create(deps, user, f"task number {i}", list_id=work.id)
    version = deps.lists.get(user, work.id).version
    left = []
    for _ in range(10):
        try:
            lists.delete_list(deps, user, work.id, {"cascade": "true"}, expected_version=version)
            break
        except DependencyUnavailable as busy:
            assert busy.retry_after == 1 and "repeat the request" in busy.detail
            assert deps.lists.get(user, work.id).deleting
            left.append(deps.users.stored(user).task_count)
    assert len(left) >= 2 and left == sorted(left, reverse=True)  # less each time
    assert deps.lists.get(user, work.id) is None and deps.users.stored(user).task_count == 0
    kinds = [t.tombstone.kind for t in deps.tasks.tombstones(user)]
    assert (kinds.count("task"), kinds.count("list")) == (60, 1)


def test_writes_in_batches_that_stop_half_way_still_invalidate_the_cache(deps, user) -> None:
    """A batch loses after earlier ones committed: the user's cached pages must not keep
    showing the versions from before the committed ones."""
    from taskcore.services.ports import TaskWrite

    tasks = [_create(deps, user, f"t{i}") for i in range(3)]
    generation = deps.cache.generation(user)
    writes = [
        TaskWrite(replace(t, title="renamed", version=t.version + 1), t.version, previous=t)
        for t in tasks
    ]
    deps.tasks.before_write = [
        lambda: None,
        lambda: deps.tasks.fail_next.append(WriteOutcome.USER_CHANGED),
    ]
    account = deps.users.stored(user)
    assert placement.commit_in_batches(deps, account, writes, lambda w: 2, 5) is None
    assert deps.tasks.get(user, tasks[0].id).title == "renamed"  # the first batch stands
    assert deps.cache.generation(user) != generation
