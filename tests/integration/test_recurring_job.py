"""Recurring tasks, task zones and reminders against moto and Redis, the due-date job
driven by a controlled clock: across a daylight-saving change, through an 8-hour
outage, with double completes and overlapping runs."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from taskcore.services import reminders
from taskcore.storage.models import TaskModel


class Client:
    """One user over HTTP, with an access token re-issued as the fake clock moves on
    (tokens live 15 minutes; the refresh family stays the same)."""

    def __init__(self, api, deps, **profile) -> None:
        session = api.register(**profile)
        self.api, self.deps = api, deps
        self.user_id = session["user"]["id"]
        self.family = deps.tokens.verify(session["access_token"], deps.clock()).family_id

    def request(self, method: str, path: str, body=None, **headers: str):
        token = self.deps.tokens.issue(self.user_id, self.family, self.deps.clock())
        return self.api.request(method, path, body, token=token, headers=headers)

    def create(self, **fields) -> dict:
        reply = self.request("POST", "/v1/tasks", {"title": "task", **fields})
        assert reply.status == 201, reply.json
        return reply.json

    def notifications(self) -> list[dict]:
        page = reminders.list_notifications(self.deps, self.user_id, {"limit": "100"})
        return list(reversed(page.items))  # oldest first


def _run_job(deps, times: int = 1) -> Counter:
    sent: Counter = Counter()
    for _ in range(times):
        sent.update(reminders.run_due_date_job(deps).sent)
    return sent


def _double_complete(client: Client, task: dict) -> dict:
    """A double click: two completes carrying the ETag the client showed."""
    path = f"/v1/tasks/{task['id']}/complete"
    first = client.request("POST", path, **{"If-Match": f'"{task["version"]}"'})
    second = client.request("POST", path, **{"If-Match": f'"{task["version"]}"'})
    assert first.status == 200, first.json
    assert second.status == 412, second.json
    return dict(first.json)


def test_four_days_of_recurring_tasks_across_the_spring_change(api, deps, clock) -> None:
    clock.now = datetime(2026, 3, 27, 6, 0, tzinfo=UTC)
    ann = Client(api, deps, timezone="Europe/Berlin")
    stand_up = ann.create(
        title="stand-up",
        due_at="2026-03-27T09:00:00+01:00",
        recurrence={"rule": "FREQ=DAILY"},
        reminders=[{"before_minutes": 60}, {"before_minutes": 10}],
    )
    plants = ann.create(title="plants", due_at="2026-03-28", recurrence={"rule": "FREQ=DAILY"})
    assert (stand_up["due_tz"], stand_up["due_local"]) == ("Europe/Berlin", "2026-03-27T09:00:00")
    seq = deps.users.get(ann.user_id).change_seq
    completions = 0
    seen_local: list[str] = []
    while clock() < datetime(2026, 3, 31, 0, 0, tzinfo=UTC):
        clock.advance(minutes=10)
        if not _run_job(deps, 2 if clock().minute == 30 else 1):  # now and then twice
            continue
        notes = ann.notifications()
        done = {(n["task_id"], n["type"], n["occurrence_due_at"]) for n in notes}
        if (stand_up["id"], "overdue", stand_up["due_at"]) in done:
            stand_up = _double_complete(ann, stand_up)
            seen_local.append(stand_up["due_local"])
            completions += 1
        if (plants["id"], "due_soon", plants["due_at"]) in done:
            plants = _double_complete(ann, plants)
            completions += 1
    assert seen_local == [f"2026-03-{day}T09:00:00" for day in (28, 29, 30, 31)]
    assert stand_up["last_completed_at"] == "2026-03-30T07:10:00.000Z"
    assert plants["due_at"] == "2026-03-31" and plants["all_day"]
    # Each completion is one change (the refused second click none).
    assert deps.users.get(ann.user_id).change_seq == seq + completions == seq + 7

    by_task = Counter(
        (n["task_id"], n["type"], n["occurrence_due_at"], n["remind_at"])
        for n in ann.notifications()
    )
    assert set(by_task.values()) == {1}  # nothing twice, however often the job ran
    timed = [
        (n["type"], n["occurrence_due_at"], n["remind_at"])
        for n in ann.notifications()
        if n["task_id"] == stand_up["id"]
    ]
    expected = []
    for occurrence, hour in (("27", 8), ("28", 8), ("29", 7), ("30", 7)):  # 09:00 Berlin
        due = f"2026-03-{occurrence}T{hour:02d}:00:00.000Z"
        expected += [
            ("reminder", due, f"2026-03-{occurrence}T{hour - 1:02d}:00:00.000Z"),
            ("reminder", due, f"2026-03-{occurrence}T{hour - 1:02d}:50:00.000Z"),
            ("overdue", due, None),
        ]
    assert timed == expected
    all_day = [
        (n["type"], n["occurrence_due_at"], n["remind_at"])
        for n in ann.notifications()
        if n["task_id"] == plants["id"]
    ]
    # An hour before the end of each day in Berlin; the 29th ends at 22:00Z (summer time).
    assert all_day == [
        ("due_soon", "2026-03-28", "2026-03-28T21:59:59.999Z"),
        ("due_soon", "2026-03-29", "2026-03-29T20:59:59.999Z"),
        ("due_soon", "2026-03-30", "2026-03-30T20:59:59.999Z"),
    ]


def test_an_eight_hour_outage_sends_each_notification_once(api, deps, clock) -> None:
    clock.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    bob = Client(api, deps, timezone="America/New_York")
    _run_job(deps)  # the scheduler's last run before it went down
    weekly = bob.create(
        title="report",
        due_at="2026-03-01T07:00:00-05:00",  # 12:00Z: passes during the outage
        recurrence={"rule": "FREQ=WEEKLY", "from": "completion"},
        reminders=[{"before_minutes": 120}, {"before_minutes": 30}, {"at": "2026-03-01T15:00:00Z"}],
    )
    later = bob.create(
        title="call",
        due_at="2026-03-01T19:00:00Z",  # still ahead after the outage
        reminders=[{"before_minutes": 480}, {"before_minutes": 300}, {"before_minutes": 60}],
    )
    daily = bob.create(title="log", due_at="2026-02-28", recurrence={"rule": "FREQ=DAILY"})
    clock.now = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # eight hours later
    with ThreadPoolExecutor(max_workers=3) as pool:  # two schedulers catching up at once
        sent = sum(pool.map(lambda _: _run_job(deps), range(3)), Counter())
    sent += _run_job(deps, 2)
    notes = {
        (n["task_title"], n["type"], n["occurrence_due_at"], n["remind_at"])
        for n in bob.notifications()
    }
    assert notes == {
        ("report", "overdue", "2026-03-01T12:00:00.000Z", None),
        # Its reminders meant for 10:00 and 11:30 come late (remind_at says so), once.
        ("report", "reminder", "2026-03-01T12:00:00.000Z", "2026-03-01T10:00:00.000Z"),
        ("report", "reminder", "2026-03-01T12:00:00.000Z", "2026-03-01T11:30:00.000Z"),
        ("report", "reminder", "2026-03-01T12:00:00.000Z", "2026-03-01T15:00:00.000Z"),
        ("call", "reminder", "2026-03-01T19:00:00.000Z", "2026-03-01T11:00:00.000Z"),
        ("call", "reminder", "2026-03-01T19:00:00.000Z", "2026-03-01T14:00:00.000Z"),
        ("log", "overdue", "2026-02-28", None),  # created overdue: no late due_soon
    }
    assert sent == Counter({"reminder": 5, "overdue": 2})
    # Completed late from completion: the next week's occurrence, re-armed in full.
    report = bob.request("POST", f"/v1/tasks/{weekly['id']}/complete").json
    assert report["due_local"] == "2026-03-08T07:00:00"  # 07:00 New York, now -04:00
    assert report["due_at"] == "2026-03-08T11:00:00.000Z"
    clock.now = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    while clock() < datetime(2026, 3, 8, 11, 5, tzinfo=UTC):
        clock.advance(minutes=5)
        _run_job(deps)
    next_week = [n for n in bob.notifications() if n["occurrence_due_at"] == report["due_at"]]
    assert [(n["type"], n["remind_at"]) for n in next_week] == [
        ("reminder", "2026-03-08T09:00:00.000Z"),
        ("reminder", "2026-03-08T10:30:00.000Z"),
        ("overdue", None),
    ]  # the `at` reminder was the first occurrence's: not repeated
    # "call": its three reminders (the last a week late: no run saw it in time) and overdue.
    assert sum(1 for n in bob.notifications() if n["task_title"] == "call") == 4
    assert later["id"] and daily["id"]


def test_editing_reminders_re_arms_only_what_changed(api, deps, clock) -> None:
    clock.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    cy = Client(api, deps)
    task = cy.create(
        title="visa", due_at="2026-03-01T14:00:00Z", reminders=[{"before_minutes": 240}]
    )
    _run_job(deps)  # 10:00 is the 240-minute reminder: sent
    clock.now = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    _run_job(deps)
    change = {
        "reminders": [{"before_minutes": 240}, {"before_minutes": 180}, {"before_minutes": 30}]
    }
    reply = cy.request("PATCH", f"/v1/tasks/{task['id']}", change)
    assert reply.status == 200 and reply.json["reminders"] == change["reminders"]
    _run_job(deps, 3)  # 11:00 has passed? no: 10:05; nothing new yet
    clock.now = datetime(2026, 3, 1, 13, 45, tzinfo=UTC)
    _run_job(deps, 3)
    assert sorted(n["remind_at"] for n in cy.notifications()) == [
        "2026-03-01T10:00:00.000Z",
        "2026-03-01T11:00:00.000Z",
        "2026-03-01T13:30:00.000Z",
    ]
    item = TaskModel.get(cy.user_id, "T#" + task["id"], consistent_read=True)
    assert item.reminders_sent_for == "2026-03-01T14:00:00.000Z"
    assert item.notify_kind == "overdue"  # the only thing left pending


def test_a_task_from_before_v11_follows_its_owners_zone(api, deps, clock) -> None:
    dee = Client(api, deps)  # UTC
    legacy = dee.create(title="old", due_at="2026-03-02")
    pinned = dee.create(title="new", due_at="2026-03-02")
    TaskModel(dee.user_id, "T#" + legacy["id"]).update(actions=[TaskModel.due_tz.remove()])
    assert dee.request("GET", f"/v1/tasks/{legacy['id']}").json["due_tz"] is None
    dee.request("PATCH", "/v1/me", {"timezone": "Asia/Tokyo"})

    def deadline(task: dict) -> str:
        return TaskModel.get(dee.user_id, "T#" + task["id"], consistent_read=True).due_instant

    assert deadline(legacy) == "2026-03-02T14:59:59.999Z"  # the end of the day in Tokyo
    assert deadline(pinned) == "2026-03-02T23:59:59.999Z"  # its own zone: UTC
    clock.now = datetime(2026, 3, 2, 16, tzinfo=UTC)
    overdue = dee.request("GET", "/v1/tasks?overdue=true").json["items"]
    assert [t["title"] for t in overdue] == ["old"]


def test_recurring_tasks_appear_once_in_sync_in_their_latest_state(api, deps, clock) -> None:
    eve = Client(api, deps, timezone="Australia/Adelaide")
    task = eve.create(title="rent", due_at="2026-03-01", recurrence={"rule": "FREQ=MONTHLY"})
    since = eve.request("GET", "/v1/sync").json["next_since"]
    for _ in range(2):
        task = eve.request("POST", f"/v1/tasks/{task['id']}/complete").json
    changes = eve.request("GET", f"/v1/sync?since={since}").json["changes"]
    assert [(c["id"], c["due_at"], c["completed"]) for c in changes] == [
        (task["id"], "2026-05-01", False)
    ]
    assert changes[0]["recurrence"] == {"rule": "FREQ=MONTHLY", "from": "due"}
    assert changes[0]["last_completed_at"] == "2026-03-01T12:00:00.000Z"


def test_validation_names_the_part_and_the_field(api, deps, clock) -> None:
    fay = Client(api, deps)
    reply = fay.request(
        "POST",
        "/v1/tasks",
        {
            "title": "x",
            "due_at": "2026-03-02",
            "recurrence": {"rule": "FREQ=MINUTELY;INTERVAL=5"},
            "reminders": [{"before_minutes": 5, "at": "2026-03-01T10:00:00Z"}],
        },
    )
    assert reply.status == 422, reply.json
    errors = {e["field"]: e["message"] for e in reply.json["errors"]}
    assert errors["recurrence.rule"].startswith("FREQ=MINUTELY is not supported")
    assert errors["reminders.0"] == "give exactly one of before_minutes and at"
    reply = fay.request("POST", "/v1/tasks", {"title": "x", "due_local": "2026-03-02"})
    assert reply.json["errors"] == [{"field": "due_local", "message": "is read-only"}]
    # No reminders and the default ones are told apart once stored.
    silent = fay.create(title="silent", due_at="2026-03-02", reminders=[])
    assert fay.request("GET", f"/v1/tasks/{silent['id']}").json["reminders"] == []
    default = fay.request("PATCH", f"/v1/tasks/{silent['id']}", {"reminders": None}).json
    assert default["reminders"] is None


def test_a_run_that_finds_its_notifications_stored_still_moves_the_task_on(
    api, deps, clock
) -> None:
    # As after a run that crashed half-way, or an edit that re-filed what was sent: the
    # task waits again for reminders whose notifications exist. They are not stored
    # twice; the one not yet sent is, and the task moves on.
    gus = Client(api, deps)
    task = gus.create(
        title="t",
        due_at="2026-03-01T12:30:00Z",
        reminders=[{"before_minutes": 60}, {"before_minutes": 45}, {"before_minutes": 20}],
    )
    waiting = TaskModel.get(gus.user_id, "T#" + task["id"], consistent_read=True)
    assert _run_job(deps) == Counter({"reminder": 2})  # 11:30 and 11:45 have fallen due
    clock.now = datetime(2026, 3, 1, 12, 10, tzinfo=UTC)
    waiting.save()  # back to waiting for the 11:30 one, nothing remembered as sent
    assert _run_job(deps, 2) == Counter({"reminder": 3})  # counted: the job cannot tell
    assert sorted(n["remind_at"] for n in gus.notifications()) == [
        "2026-03-01T11:30:00.000Z",
        "2026-03-01T11:45:00.000Z",
        "2026-03-01T12:10:00.000Z",
    ]
    item = TaskModel.get(gus.user_id, "T#" + task["id"], consistent_read=True)
    assert item.notify_kind == "overdue" and item.reminders_sent == [
        "before:60",
        "before:45",
        "before:20",
    ]
