"""The demo class: who is in it and where its sessions sit around the current time."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.rules.phones import normalize_phone
from bot.rules.roles import Role
from bot.sandbox.demo import FIRST_USER_ID, build_demo
from bot.sandbox.main import NotASandboxDatabase, prepare_database
from bot.testing import FakeTelegram
from storage import classes
from storage.db import Database, Tx
from storage.imports import apply_plan
from storage.times import to_db

NOW = datetime(2026, 12, 7, 2, 17, 42, tzinfo=UTC)


def test_roster_has_every_role() -> None:
    demo = build_demo(NOW)
    people = demo.plan.people

    def count(role: Role) -> int:
        return sum(role in p.roles for p in people)

    assert count(Role.TRAINEE) == 30
    assert count(Role.MANAGER) == 2
    assert count(Role.MONITOR) == 1
    assert count(Role.INSTRUCTOR) == 5
    assert count(Role.ADMIN) == 1
    monitor = next(p for p in people if Role.MONITOR in p.roles)
    assert Role.TRAINEE in monitor.roles
    assert all(normalize_phone(p.phone) == p.phone for p in people)
    assert len({p.phone for p in people}) == len(people)
    assert [p.user_id for p in demo.personas] == [FIRST_USER_ID + i for i in range(len(people))]
    assert [p.phone for p in demo.personas] == [p.phone for p in people]
    assert demo.plan.settings.checkin_mode == "code"
    assert demo.plan.settings.venue_lat is not None


@pytest.mark.parametrize("hour", [0, 2, 9, 15, 16, 23])
def test_a_two_week_class_with_sessions_around_now_at_any_hour(hour: int) -> None:
    now = NOW.replace(hour=hour)  # 16 UTC: 00:17 in Shanghai, just after midnight
    minute = now.replace(second=0)
    plan = build_demo(now).plan
    sessions = plan.sessions
    zone = ZoneInfo(plan.timezone)
    ended = [s for s in sessions if s.ends_at <= minute]
    running = [s for s in sessions if s.starts_at <= minute < s.ends_at]
    upcoming = [s for s in sessions if s.starts_at > minute]
    assert timedelta(0) < minute - max(s.ends_at for s in ended) <= timedelta(minutes=30)
    assert len(running) == 1
    # The running session belongs to today, so /today lists it even just after midnight.
    assert running[0].starts_at.astimezone(zone).date() == minute.astimezone(zone).date()
    # Past the 15-minute reminder lead: moving the clock shows the reminder.
    assert min(s.starts_at for s in upcoming) - minute == timedelta(minutes=20)
    assert (plan.end_date - plan.start_date).days == 13
    # Realistic class hours: the one-seventh limit is about two days' leave, not an afternoon.
    class_hours = sum(s.hours for s in sessions)
    assert class_hours / 7 >= 2 * 8 * 0.95
    every_instructor = {phone for s in sessions for phone in s.instructor_phones}
    assert len(every_instructor) == 5
    assert all(s.starts_at.tzinfo is UTC and s.hours > 0 for s in sessions)
    starts = sorted((s.starts_at, s.ends_at) for s in sessions)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(starts)), "overlap"


async def test_the_past_is_written_with_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite3"
    await prepare_database(path, build_demo(NOW), ManualClock(NOW), keep=False)
    db = await Database.open(path)
    try:

        async def one(sql: str, params: tuple = ()) -> list:
            return list(await db.fetchone(sql, params))

        # Every past session has its roll and over three ratings; a few comments.
        per_session = await db.fetchall(
            "SELECT s.id, (SELECT count(*) FROM attendance a WHERE a.session_id = s.id),"
            " (SELECT count(*) FROM ratings r WHERE r.session_id = s.id) FROM sessions s"
            " WHERE s.ends_at <= ?",
            (to_db(NOW),),
        )
        assert len(per_session) == 11
        assert all(row[1] >= 25 and row[2] >= 3 for row in per_session)
        assert (await one("SELECT count(*) FROM ratings WHERE comment IS NOT NULL"))[0] >= 5
        # Anonymised where the window closed, as the summary job does.
        assert (await one("SELECT count(*) FROM ratings WHERE person_id IS NULL"))[0] > 0
        # Three granted leaves, one waiting for the class managers.
        statuses = await db.fetchall("SELECT status, hours FROM leave_requests ORDER BY id")
        assert [r[0] for r in statuses] == ["approved", "approved", "approved", "pending"]
        assert statuses[0][1] == 12  # near the limit of 111 / 7 = 15.9 class hours
        # The running session is checked in by all but the trainees left to the user.
        running = await one(
            "SELECT count(*) FROM attendance a JOIN sessions s ON s.id = a.session_id"
            " WHERE s.starts_at <= ? AND s.ends_at > ?",
            (to_db(NOW), to_db(NOW)),
        )
        assert running[0] == 25
    finally:
        await db.close()


async def _bound(path: Path) -> int:
    db = await Database.open(path)
    try:
        row = await db.fetchone("SELECT count(*) FROM people WHERE telegram_user_id IS NOT NULL")
        return int(row[0])
    finally:
        await db.close()


async def test_fresh_database_each_run_unless_kept(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite3"
    clock = ManualClock(NOW)
    demo = build_demo(NOW)
    assert await prepare_database(path, demo, clock, keep=False) is True
    db = await Database.open(path)

    async def bind(tx: Tx) -> None:
        await tx.execute(
            "UPDATE people SET telegram_user_id = 10009 WHERE phone = ?", ("13800000010",)
        )

    await db.write(bind)
    await db.close()
    assert await prepare_database(path, demo, clock, keep=True) is False
    assert await _bound(path) == 1
    assert await prepare_database(path, demo, clock, keep=False) is True
    assert await _bound(path) == 0


async def test_refuses_to_wipe_a_school_database(tmp_path: Path) -> None:
    path = tmp_path / "school.sqlite3"
    other = build_demo(NOW)
    plan = replace(other.plan, name="another class")
    db = await Database.open(path)
    await apply_plan(db, plan, NOW)
    await db.close()
    with pytest.raises(NotASandboxDatabase):
        await prepare_database(path, build_demo(NOW), ManualClock(NOW), keep=False)
    db = await Database.open(path)
    assert [c.name for c in await classes.all_classes(db)] == ["another class"]
    await db.close()


def test_the_double_serves_a_file_by_id() -> None:
    telegram = FakeTelegram()
    telegram.add_user(1, "A")
    document = telegram.send_document(1, "a.csv", b"x,y")["message"]["document"]
    stored = telegram.file(document["file_id"])
    assert stored is not None
    assert (stored.content, stored.file_name, stored.kind) == (b"x,y", "a.csv", "document")
    assert telegram.file("nope") is None
