"""The fakes against what they stand for: port signatures, adapter rules and constants."""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

import fakes
from taskcore.cache import user_cache
from taskcore.domain.due import Due
from taskcore.domain.recurrence import Basis, Recurrence
from taskcore.domain.reminders import Kind
from taskcore.domain.task import Reminder, Task, TaskChanges, new_task
from taskcore.domain.user import User
from taskcore.repositories import mail_items
from taskcore.repositories import notifications as notification_repository
from taskcore.repositories import outbox as outbox_repository
from taskcore.repositories import tasks as task_repository
from taskcore.services import ports
from taskcore.storage import tables

PAIRS = [
    (ports.UserStore, fakes.FakeUsers),
    (ports.TaskStore, fakes.FakeTasks),
    (ports.ListStore, fakes.FakeLists),
    (ports.SessionStore, fakes.FakeSessions),
    (ports.NotificationStore, fakes.FakeNotifications),
    (ports.IdempotencyStore, fakes.FakeIdempotency),
    (ports.Cache, fakes.FakeCache),
    (ports.Limiter, fakes.FakeLimiter),
    (ports.CredentialStore, fakes.FakeCredentials),
    (ports.Outbox, fakes.FakeOutbox),
    (ports.Mailer, fakes.FakeMailer),
]


def _port_methods(port: type) -> dict[str, object]:
    return {
        name: member
        for name, member in vars(port).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(("port", "fake"), PAIRS, ids=[f.__name__ for _, f in PAIRS])
def test_each_fake_implements_every_method_of_its_port(port, fake) -> None:
    for name, method in _port_methods(port).items():
        if name == "require":  # UserStore's one concrete method, inherited as is
            continue
        implementation = getattr(fake, name)
        assert implementation is not method, f"{fake.__name__}.{name} is not implemented"
        assert list(inspect.signature(implementation).parameters) == list(
            inspect.signature(method).parameters
        ), f"{fake.__name__}.{name} does not take the port's parameters"


def test_fake_deps_builds_every_field_and_refuses_unknown_overrides(clock) -> None:
    deps = fakes.fake_deps(clock)
    assert deps.clock is clock and deps.settings.stage == "test"
    assert deps.tasks._users is deps.users and deps.notifications._tasks is deps.tasks
    with pytest.raises(TypeError):
        fakes.fake_deps(clock, taks=None)


def test_the_notification_id_rule_is_the_repositorys() -> None:
    for kind in Kind:
        for due_at in ("2026-03-01T14:00:00Z", "2026-03-08"):
            for reminder in (None, "before:30", "at:2026-03-01T10:00:00.000Z"):
                assert fakes.notification_id("01TASK", kind, due_at, reminder) == (
                    notification_repository.notification_id("01TASK", kind, due_at, reminder)
                )
    # One id per reminder of an occurrence; the v1.0 ids are unchanged.
    ids = {
        fakes.notification_id("01TASK", Kind.REMINDER, "2026-03-08", key)
        for key in ("before:30", "before:60", "at:2026-03-07T10:00:00.000Z")
    }
    assert len(ids) == 3
    assert fakes.notification_id("01TASK", Kind.OVERDUE, "2026-03-08") == (
        "01TASK.overdue." + hashlib.sha256(b"2026-03-08").hexdigest()[:10]
    )


def _v11_task(**bookkeeping: object) -> Task:
    task = new_task(
        "01TASK",
        "u1",
        TaskChanges(
            title="stand-up",
            due=Due("2026-03-02T08:00:00.000Z", all_day=False),
            due_tz="Australia/Adelaide",
            recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO;COUNT=4", Basis.COMPLETION),
            reminders=(Reminder(before_minutes=30), Reminder(at="2026-03-01T20:00:00.000Z")),
        ),
        datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    return replace(task, last_completed_at="2026-02-23T09:00:00.000Z", **bookkeeping)


@pytest.mark.parametrize(
    "bookkeeping",
    [
        {},
        {"reminders_sent_for": "2026-03-02T08:00:00.000Z", "reminders_sent": ("before:30",)},
        {"reminded_overdue_for": "2026-03-02T08:00:00.000Z", "reminded_soon_for": "x"},
    ],
    ids=["fresh", "a reminder sent", "overdue sent"],
)
def test_the_stored_task_is_what_the_adapter_writes_and_reads_back(bookkeeping) -> None:
    owner = User("u1", "a@example.com", "", "Europe/Berlin", 45, "hash", "t", "t")
    task = _v11_task(**bookkeeping)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    item = task_repository.to_item(task, owner, 7, now, 16)
    fake = fakes.stored_task(task, owner, 7, now, 16)
    read_back = task_repository.to_task(item)
    assert read_back == fake.task  # every v1.1 field survives the round trip
    for name in ("deadline_key", "reminders_sent_for", "reminders_sent", "reminded_overdue_for"):
        assert getattr(read_back, name) == getattr(fake.task, name), name
    assert read_back.recurrence.anchor == "2026-03-02T18:30:00"  # Adelaide wall time
    assert (item.notify_bucket, item.notify_at, item.notify_kind) == (
        fake.notify_bucket,
        fake.notify_at,
        fake.notify_kind,
    )
    assert {name: item.attribute_values[name] for name in fake.keys if name != "sk"} == {
        name: value for name, value in fake.keys.items() if name != "sk"
    }


def test_copied_constants_agree_with_the_adapters() -> None:
    assert fakes.NOTIFICATION_RETENTION == tables.NOTIFICATION_RETENTION
    assert fakes.CACHE_ENTRY_TTL.total_seconds() == user_cache.ENTRY_TTL_SECONDS
    assert fakes.SESSION_MEMORY_TTL.total_seconds() == user_cache.SESSION_TTL_SECONDS
    assert fakes.LIVE == task_repository.LIVE
    assert fakes.OUTBOX_SHARDS == mail_items.OUTBOX_SHARDS
    assert fakes.GIVEN_UP_RETENTION == outbox_repository.GIVEN_UP_RETENTION


def test_the_outbox_shard_rule_is_the_repositorys() -> None:
    ids = [f"01JMESSAGE{i:016d}" for i in range(64)]
    assert [str(fakes.shard_of(i)) for i in ids] == [mail_items.shard_of(i) for i in ids]
    assert len({fakes.shard_of(i) for i in ids}) == fakes.OUTBOX_SHARDS  # all shards used


def test_ttl_keeps_whole_seconds_like_a_ttl_attribute() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, 999_999, tzinfo=UTC)
    assert fakes.ttl(moment) == datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_cache_expires_entries_and_remembered_sessions(clock) -> None:
    cache = fakes.FakeCache(clock)
    generation, _ = cache.lookup("u", "x")
    cache.store("u", generation, "x", {"v": 1})
    cache.remember_session_live("u", "fam", cache.session_live("u", "fam").generation or "")
    assert cache.lookup("u", "x") == ("0", {"v": 1}) and cache.session_live("u", "fam").live
    clock.advance(seconds=30)
    assert not cache.session_live("u", "fam").live and cache.lookup("u", "x")[1] == {"v": 1}
    clock.advance(seconds=30)
    assert cache.lookup("u", "x") == ("0", None)
    cache.online = False
    assert cache.lookup("u", "x") == (None, None) and not cache.available()


def test_forgetting_a_users_sessions_unmarks_every_family_at_once(clock) -> None:
    cache = fakes.FakeCache(clock)
    for family in ("a", "b"):
        cache.remember_session_live("u", family, "0")
    cache.remember_session_live("v", "c", "0")
    cache.forget_sessions("u")
    assert not cache.session_live("u", "a").live and not cache.session_live("u", "b").live
    assert cache.session_live("v", "c").live
    # A mark made afterwards counts again, as of the generation read then.
    cache.remember_session_live("u", "a", cache.session_live("u", "a").generation or "")
    assert cache.session_live("u", "a").live
    # A mark as of the generation before the end of all sessions never counts.
    cache.remember_session_live("u", "b", "0")
    assert not cache.session_live("u", "b").live


def test_ending_all_sessions_spares_the_kept_family_and_later_logins(clock) -> None:
    sessions = fakes.FakeSessions(fakes.FakeUsers())
    month = timedelta(days=30)
    for family in ("old", "kept"):
        sessions.start_family("u", family, f"digest-{family}", clock(), month)
    sessions.start_family("v", "theirs", "digest-theirs", clock(), month)
    clock.advance(seconds=1)
    sessions.end_all("u", clock(), keep_family="kept")
    clock.advance(seconds=1)
    sessions.start_family("u", "new", "digest-new", clock(), month)
    revoked = {f: sessions.is_family_revoked("u", f, clock()) for f in ("old", "kept", "new")}
    assert revoked == {"old": True, "kept": False, "new": False}
    assert not sessions.is_family_revoked("v", "theirs", clock())
    assert sessions.is_family_revoked("u", "theirs", clock())  # not the user's family
    clock.advance(days=30)  # the mark is gone with the families it could end
    assert sessions.is_family_revoked("u", "old", clock())
