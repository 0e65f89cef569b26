"""The demo class: who is in it and where its sessions sit around the current time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


@pytest.mark.parametrize("hour", [0, 2, 9, 15, 23])
def test_sessions_around_now(hour: int) -> None:
    now = NOW.replace(hour=hour)
    minute = now.replace(second=0)
    sessions = build_demo(now).plan.sessions
    ended = [s for s in sessions if s.ends_at <= minute]
    running = [s for s in sessions if s.starts_at <= minute < s.ends_at]
    upcoming = [s for s in sessions if s.starts_at > minute]
    assert len(ended) == 1 and timedelta(0) < minute - ended[0].ends_at <= timedelta(minutes=10)
    assert len(running) == 1
    assert timedelta(0) < min(s.starts_at for s in upcoming) - minute <= timedelta(minutes=10)
    later_days = {s.starts_at.date() for s in upcoming if s.starts_at - minute > timedelta(hours=8)}
    assert len(later_days) >= 2
    every_instructor = {phone for s in sessions for phone in s.instructor_phones}
    assert len(every_instructor) == 5
    assert all(s.starts_at.tzinfo is UTC and s.hours > 0 for s in sessions)


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
