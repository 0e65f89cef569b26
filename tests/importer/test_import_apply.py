"""Writing a checked class to a real SQLite file: create, update in place, say what changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from bot.importer import ClassPlan, PersonPlan, SessionPlan, load_class_plan
from bot.rules.class_settings import from_json
from bot.rules.roles import Role
from bot.texts import Texts
from storage.db import Database
from storage.imports import ImportReport, apply_plan
from tests.importer.conftest import Sheets

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
CHEN, WANG, LI, ZHANG = "13800138002", "15000150002", "15000150003", "15000150001"


@pytest.fixture
def plan(write_csv: Callable[..., Path], good_sheets: Sheets) -> ClassPlan:
    """The good class, checked."""
    return load_class_plan(write_csv(good_sheets))


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the audit log, read from the file itself."""
    with sqlite3.connect(db.path) as conn:  # type: ignore[attr-defined]
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] != "audit_log"
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}


async def roles_of(db: Database, class_id: int, phone: str) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT m.role, m.active FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND p.phone = ?",
        (class_id, phone),
    )
    return {role: active for role, active in rows}


async def sessions(db: Database, class_id: int) -> dict[str, tuple[object, ...]]:
    rows = await db.fetchall(
        "SELECT external_id, title, starts_at, ends_at, location, hours, cancelled_at, id"
        " FROM sessions WHERE class_id = ? ORDER BY id",
        (class_id,),
    )
    return {row[0] or row[1]: tuple(row[1:]) for row in rows}


def session(plan: ClassPlan, external_id: str) -> SessionPlan:
    return next(s for s in plan.sessions if s.external_id == external_id)


def with_session(plan: ClassPlan, external_id: str, **changes: object) -> ClassPlan:
    new = tuple(
        replace(s, **changes) if s.external_id == external_id else s  # type: ignore[arg-type]
        for s in plan.sessions
    )
    return replace(plan, sessions=new)


def with_person(plan: ClassPlan, phone: str, **changes: object) -> ClassPlan:
    new = tuple(
        replace(p, **changes) if p.phone == phone else p  # type: ignore[arg-type]
        for p in plan.people
    )
    return replace(plan, people=new)


def render(report: ImportReport, name: str = "测试班", locale: str = "zh") -> str:
    return Texts().plain(locale, "cli.import_report", name=name, r=report)  # type: ignore[arg-type]


async def test_a_new_class_is_created_whole(db: Database, plan: ClassPlan) -> None:
    report = await apply_plan(db, plan, NOW)
    assert report.class_created
    assert report.people_added == ["陈志远", "王芳", "李强", "张伟"]
    assert report.sessions_added == ["开班式", "专题讲座", "分组研讨", "结业式"]
    [klass] = await db.fetchall(
        "SELECT id, name, start_date, end_date, timezone, settings FROM classes"
    )
    assert tuple(klass)[1:5] == ("测试班", "2026-12-07", "2026-12-08", "Asia/Shanghai")
    assert from_json(klass[5]) == plan.settings
    assert await roles_of(db, report.class_id, CHEN) == {"manager": 1, "instructor": 1}
    assert await roles_of(db, report.class_id, ZHANG) == {"trainee": 1, "monitor": 1}
    stored = await sessions(db, report.class_id)
    assert stored["S1"][:5] == (
        "开班式",
        "2026-12-07T00:30:00+00:00",
        "2026-12-07T03:30:00+00:00",
        "报告厅",
        3.0,
    )
    assert stored["S3"][3] is None  # no place given
    teaching = await db.fetchall(
        "SELECT s.external_id, p.phone FROM session_instructors i"
        " JOIN sessions s ON s.id = i.session_id JOIN people p ON p.id = i.person_id"
        " ORDER BY s.external_id"
    )
    assert [tuple(r) for r in teaching] == [("S1", CHEN), ("S2", CHEN), ("S4", CHEN)]
    codes = await db.fetchall("SELECT invite_code FROM people")
    assert len({c[0] for c in codes}) == 4 and all(c[0] for c in codes)
    [audit] = await db.fetchall("SELECT action, class_id FROM audit_log")
    assert tuple(audit) == ("class.import", report.class_id)
    assert "已新建班次“测试班”" in render(report)


async def test_importing_again_changes_nothing(db: Database, plan: ClassPlan) -> None:
    first = await apply_plan(db, plan, NOW)
    before = snapshot(db)
    again = await apply_plan(db, plan, LATER)
    assert again.unchanged and again.class_id == first.class_id
    assert snapshot(db) == before  # not even an updated_at
    assert len(await db.fetchall("SELECT id FROM audit_log")) == 1
    assert render(again) == "“测试班”已是最新，没有变化。"
    assert render(again, locale="en") != render(again)


async def test_the_same_file_again_changes_nothing(
    db: Database, write_source: Callable[..., Path], good_sheets: Sheets
) -> None:
    # From the file, not from a copy of the plan: each kind of file reads the same twice.
    await apply_plan(db, load_class_plan(write_source(good_sheets)), NOW)
    report = await apply_plan(db, load_class_plan(write_source(good_sheets)), LATER)
    assert report.unchanged


async def test_a_session_moved_and_given_another_place(db: Database, plan: ClassPlan) -> None:
    first = await apply_plan(db, plan, NOW)
    old = await sessions(db, first.class_id)
    s2 = session(plan, "S2")
    moved = with_session(
        plan,
        "S2",
        starts_at=s2.starts_at + timedelta(minutes=30),
        ends_at=s2.ends_at + timedelta(minutes=30),
        location="第二教室",
    )
    report = await apply_plan(db, moved, LATER)
    session_id = old["S2"][6]
    assert report.sessions_changed == [
        (session_id, "专题讲座", ["starts_at", "ends_at", "location"])
    ]
    assert not (report.sessions_added or report.sessions_cancelled or report.people_changed)
    new = await sessions(db, first.class_id)
    assert new["S2"][1:4] == ("2026-12-07T07:00:00+00:00", "2026-12-07T10:00:00+00:00", "第二教室")
    assert new["S2"][6] == session_id  # updated in place: its records stay attached
    assert {k: v for k, v in new.items() if k != "S2"} == {
        k: v for k, v in old.items() if k != "S2"
    }
    assert "课程变更：专题讲座（开始时间、结束时间、地点）" in render(report)
    assert "Lecture" not in render(report, locale="en")


async def test_an_instructor_change_is_reported(db: Database, plan: ClassPlan) -> None:
    await apply_plan(db, plan, NOW)
    report = await apply_plan(db, with_session(plan, "S1", instructor_phones=()), LATER)
    assert [(title, fields) for _, title, fields in report.sessions_changed] == [
        ("开班式", ["instructor"])
    ]
    rows = await db.fetchall(
        "SELECT count(*) FROM session_instructors i JOIN sessions s ON s.id = i.session_id"
        " WHERE s.external_id = 'S1'"
    )
    assert rows[0][0] == 0


async def test_a_person_left_out_stays_with_an_inactive_membership(
    db: Database, plan: ClassPlan
) -> None:
    first = await apply_plan(db, plan, NOW)
    without = replace(plan, people=tuple(p for p in plan.people if p.phone != LI))
    report = await apply_plan(db, without, LATER)
    assert report.people_removed == ["李强"]
    assert await roles_of(db, first.class_id, LI) == {"trainee": 0}  # not deleted
    assert await db.fetchone("SELECT name FROM people WHERE phone = ?", (LI,)) is not None
    assert "移出名单 1 人（保留其记录）：李强" in render(report)
    # Still left out next time: nothing more to say.
    assert (await apply_plan(db, without, LATER)).unchanged
    # Back on the roster: the same membership is active again.
    back = await apply_plan(db, plan, LATER)
    assert back.people_changed == ["李强"] and not back.people_added
    assert await roles_of(db, first.class_id, LI) == {"trainee": 1}


async def test_a_session_left_out_is_cancelled_not_deleted(db: Database, plan: ClassPlan) -> None:
    first = await apply_plan(db, plan, NOW)
    old = await sessions(db, first.class_id)
    without = replace(plan, sessions=tuple(s for s in plan.sessions if s.external_id != "S3"))
    report = await apply_plan(db, without, LATER)
    assert report.sessions_cancelled == [(old["S3"][6], "分组研讨")]
    stored = await sessions(db, first.class_id)
    assert stored["S3"][5] == LATER.isoformat(timespec="seconds")
    assert "课程取消：分组研讨" in render(report)
    assert (await apply_plan(db, without, LATER)).unchanged


async def test_a_cancelled_session_put_back_is_restored(db: Database, plan: ClassPlan) -> None:
    # Its id is still taken by the cancelled row (UNIQUE per class): it must be restored,
    # not inserted again.
    first = await apply_plan(db, plan, NOW)
    old = await sessions(db, first.class_id)
    without = replace(plan, sessions=tuple(s for s in plan.sessions if s.external_id != "S3"))
    await apply_plan(db, without, LATER)
    report = await apply_plan(db, plan, LATER)
    assert report.sessions_added == ["分组研讨"] and not report.sessions_cancelled
    assert await sessions(db, first.class_id) == {
        **old,
        "S3": old["S3"],
    }
    assert (await apply_plan(db, plan, LATER)).unchanged


async def test_a_role_change(db: Database, plan: ClassPlan) -> None:
    first = await apply_plan(db, plan, NOW)
    promoted = with_person(plan, WANG, roles=frozenset({Role.TRAINEE, Role.MONITOR}))
    demoted = with_person(promoted, ZHANG, roles=frozenset({Role.TRAINEE}))
    report = await apply_plan(db, demoted, LATER)
    assert sorted(report.people_changed) == ["张伟", "王芳"]
    assert await roles_of(db, first.class_id, WANG) == {"trainee": 1, "monitor": 1}
    assert await roles_of(db, first.class_id, ZHANG) == {"trainee": 1, "monitor": 0}
    # Once more with the same roles: nothing changes.
    assert (await apply_plan(db, demoted, LATER)).unchanged


async def test_a_new_name_or_unit_for_the_same_phone(db: Database, plan: ClassPlan) -> None:
    await apply_plan(db, plan, NOW)
    report = await apply_plan(db, with_person(plan, WANG, unit="审计局"), LATER)
    assert report.people_changed == ["王芳"] and not report.people_added
    row = await db.fetchone("SELECT name, unit FROM people WHERE phone = ?", (WANG,))
    assert tuple(row) == ("王芳", "审计局")  # type: ignore[arg-type]


async def test_class_settings_and_dates_changes_are_named(db: Database, plan: ClassPlan) -> None:
    await apply_plan(db, plan, NOW)
    changed = replace(
        plan,
        end_date=plan.end_date + timedelta(days=1),
        settings=replace(plan.settings, leave_limit_ratio=Fraction(3, 20), late_grace_min=10),
    )
    report = await apply_plan(db, changed, LATER)
    assert report.class_changes == ["end_date", "late_grace_min", "leave_limit_ratio"]
    assert "班次信息变更：结束日期、late_grace_min、请假上限" in render(report)
    [settings] = await db.fetchone("SELECT settings FROM classes")  # type: ignore[misc]
    assert from_json(settings).leave_limit_ratio == Fraction(3, 20)


async def test_without_ids_sessions_are_known_by_title_and_start(
    db: Database, plan: ClassPlan
) -> None:
    no_ids = replace(plan, sessions=tuple(replace(s, external_id=None) for s in plan.sessions))
    first = await apply_plan(db, no_ids, NOW)
    old = await sessions(db, first.class_id)
    s1 = session(plan, "S1")
    # A new place is an update in place; a new start is another session.
    placed = replace(
        no_ids,
        sessions=tuple(
            replace(s, location="礼堂") if s.title == "开班式" else s for s in no_ids.sessions
        ),
    )
    report = await apply_plan(db, placed, LATER)
    assert [fields for _, _, fields in report.sessions_changed] == [["location"]]
    moved = replace(
        placed,
        sessions=tuple(
            replace(s, starts_at=s.starts_at + timedelta(hours=1)) if s.title == "开班式" else s
            for s in placed.sessions
        ),
    )
    report = await apply_plan(db, moved, LATER)
    assert report.sessions_added == ["开班式"]
    assert report.sessions_cancelled == [(old["开班式"][6], "开班式")]
    assert s1.title == "开班式"


async def test_ids_added_to_a_timetable_that_had_none(db: Database, plan: ClassPlan) -> None:
    no_ids = replace(plan, sessions=tuple(replace(s, external_id=None) for s in plan.sessions))
    first = await apply_plan(db, no_ids, NOW)
    old = await sessions(db, first.class_id)
    report = await apply_plan(db, plan, LATER)
    # The same sessions, now with their ids: nothing cancelled, nothing added.
    assert not (report.sessions_added or report.sessions_cancelled)
    assert [fields for _, _, fields in report.sessions_changed] == [["id"]] * 4
    new = await sessions(db, first.class_id)
    assert sorted(v[6] for v in new.values()) == sorted(v[6] for v in old.values())
    assert set(new) == {"S1", "S2", "S3", "S4"}
    assert (await apply_plan(db, plan, LATER)).unchanged


async def test_people_are_matched_by_phone_across_classes(db: Database, plan: ClassPlan) -> None:
    a = await apply_plan(db, plan, NOW)
    # The class manager of one class teaches in another.
    other = replace(
        plan,
        name="另一个班",
        people=(
            PersonPlan(2, "陈志远", CHEN, frozenset({Role.INSTRUCTOR}), "党校"),
            PersonPlan(3, "赵敏", "13900139000", frozenset({Role.TRAINEE}), None),
        ),
        sessions=tuple(replace(s, instructor_phones=()) for s in plan.sessions),
    )
    b = await apply_plan(db, other, NOW)
    assert b.class_created and b.class_id != a.class_id
    assert b.people_added == ["赵敏"]  # 陈志远 is already known by his phone
    [count] = await db.fetchone("SELECT count(*) FROM people WHERE phone = ?", (CHEN,))  # type: ignore[misc]
    assert count == 1
    assert await roles_of(db, a.class_id, CHEN) == {"manager": 1, "instructor": 1}
    assert await roles_of(db, b.class_id, CHEN) == {"instructor": 1}
    # Leaving one class leaves the other alone.
    report = await apply_plan(db, replace(other, people=other.people[1:]), LATER)
    assert report.people_removed == ["陈志远"]
    assert await roles_of(db, a.class_id, CHEN) == {"manager": 1, "instructor": 1}
    assert (await apply_plan(db, plan, LATER)).unchanged


async def test_a_failure_half_way_writes_nothing(db: Database, plan: ClassPlan) -> None:
    # The last session breaks a database rule (it ends when it starts), after the class,
    # its people and the other sessions have been written inside the transaction.
    last = plan.sessions[-1]
    broken = replace(plan, sessions=(*plan.sessions[:-1], replace(last, ends_at=last.starts_at)))
    with pytest.raises(sqlite3.IntegrityError):
        await apply_plan(db, broken, NOW)
    for table in ("classes", "people", "memberships", "sessions", "audit_log"):
        assert await db.fetchall(f"SELECT * FROM {table}") == [], table
    # The database is still usable, and the good plan goes in whole.
    assert (await apply_plan(db, plan, NOW)).class_created


async def test_a_failed_update_leaves_the_previous_class(db: Database, plan: ClassPlan) -> None:
    await apply_plan(db, plan, NOW)
    before = snapshot(db)
    last = plan.sessions[-1]
    broken = replace(
        with_person(plan, WANG, unit="审计局"),
        sessions=(*plan.sessions[:-1], replace(last, hours=-1.0)),
    )
    with pytest.raises(sqlite3.IntegrityError):
        await apply_plan(db, broken, LATER)
    assert snapshot(db) == before


async def test_apply_reports_progress(db: Database, plan: ClassPlan) -> None:
    many = replace(
        plan,
        people=(
            *plan.people,
            *(
                PersonPlan(n + 6, f"学员{n}", f"139{n:08d}", frozenset({Role.TRAINEE}), None)
                for n in range(246)
            ),
        ),
    )
    calls: list[tuple[str, int, int]] = []
    await apply_plan(db, many, NOW, lambda *call: calls.append(call))
    assert calls == [
        ("roster", 100, 250),
        ("roster", 200, 250),
        ("roster", 250, 250),
        ("schedule", 4, 4),
    ]
