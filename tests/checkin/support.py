"""Shared set-up for the check-in tests: people of the example class, settings, records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.importer.model import ClassPlan
from bot.rules.roles import Role
from storage.db import Database, Tx
from storage.times import to_db
from tests.harness import BotHarness, Person, bind

# The example's first session, 08:30-11:30 in Shanghai.
S01_START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
VENUE = (31.2304, 121.4737)


def plain_trainees(plan: ClassPlan) -> list[Any]:
    """Trainees with no other role."""
    return [p for p in plan.people if p.roles == {Role.TRAINEE}]


async def trainee(bot: BotHarness, plan: ClassPlan, index: int = 0, **kw: Any) -> Person:
    return await bind(bot, plain_trainees(plan)[index].phone, **kw)


async def manager(bot: BotHarness, plan: ClassPlan, index: int = 0, **kw: Any) -> Person:
    return await bind(bot, [p for p in plan.people if Role.MANAGER in p.roles][index].phone, **kw)


async def monitor(bot: BotHarness, plan: ClassPlan, **kw: Any) -> Person:
    return await bind(bot, next(p for p in plan.people if Role.MONITOR in p.roles).phone, **kw)


async def session_ids(db: Database, external_id: str = "S01") -> list[int]:
    """The ids of this session in every class (a copied class has the same 编号)."""
    rows = await db.fetchall(
        "SELECT id FROM sessions WHERE external_id = ? ORDER BY id", (external_id,)
    )
    return [r[0] for r in rows]


async def secret_of(db: Database, sid: int) -> str:
    return (await db.fetchone("SELECT secret FROM sessions WHERE id = ?", (sid,)))[0]


async def attendance_rows(db: Database) -> list[tuple]:
    rows = await db.fetchall(
        "SELECT session_id, person_id, checkin_at, checkin_method, checkout_at, checkout_method,"
        " code_failures, locked_at, override_status, override_reason FROM attendance"
        " ORDER BY session_id, person_id"
    )
    return [tuple(r) for r in rows]


async def person_id_of(db: Database, user: Person) -> int:
    row = await db.fetchone("SELECT id FROM people WHERE telegram_user_id = ?", (user.id,))
    return row[0]


async def approve_leave(db: Database, person_id: int, sid: int) -> None:
    """An approved leave request of one person covering one session."""

    async def op(tx: Tx) -> None:
        class_id = (await tx.fetchone("SELECT class_id FROM sessions WHERE id = ?", (sid,)))[0]
        rid = await tx.insert(
            "INSERT INTO leave_requests (class_id, person_id, status, reason, hours, created_at,"
            " updated_at) VALUES (?, ?, 'approved', 'ill', 3, ?, ?)",
            (class_id, person_id, "2026-12-06T00:00:00+00:00", "2026-12-06T00:00:00+00:00"),
        )
        await tx.execute("INSERT INTO leave_sessions VALUES (?, ?)", (rid, sid))

    await db.write(op)


async def big_class(
    db: Database,
    *,
    trainees: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    manager_user_id: int,
) -> int:
    """A class of many (unbound) trainees, a manager bound to this user, and one session.

    Returns the session's id.

    Names are long on purpose ("Trainee with a long name 0001"): listed in full, 900 of them
    would be far over Telegram's 4096 characters.
    """
    stamp = to_db(now)

    async def op(tx: Tx) -> int:
        class_id = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, settings, created_at,"
            " updated_at) VALUES ('Big class', ?, ?, 'Asia/Shanghai', ?, ?, ?)",
            (
                starts_at.date().isoformat(),
                ends_at.date().isoformat(),
                json.dumps({"checkin_mode": "none"}),
                stamp,
                stamp,
            ),
        )
        sid = await tx.insert(
            "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, location,"
            " hours, secret, created_at, updated_at)"
            " VALUES (?, 'B1', 'Big lecture', ?, ?, 'Hall', 3, 'secret', ?, ?)",
            (class_id, to_db(starts_at), to_db(ends_at), stamp, stamp),
        )
        boss = await tx.insert(
            "INSERT INTO people (name, phone, invite_code, telegram_user_id, locale, bound_at,"
            " created_at, updated_at) VALUES ('Manager', '19900000000', 'inv-boss', ?, 'en',"
            " ?, ?, ?)",
            (manager_user_id, stamp, stamp, stamp),
        )
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'manager')",
            (class_id, boss),
        )
        for n in range(trainees):
            pid = await tx.insert(
                "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (f"Trainee with a long name {n:04d}", f"1980000{n:04d}", f"inv{n}", stamp, stamp),
            )
            await tx.execute(
                "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'trainee')",
                (class_id, pid),
            )
        return sid

    return await db.write(op)


# A session right after S01 (back to back): its check-in opens at 11:00, while S01 runs.
S01B_START = S01_END
S01B_END = S01_END + timedelta(hours=1)


async def add_session(
    db: Database,
    *,
    external_id: str = "S01B",
    title: str = "分组讨论：学习体会交流",
    starts_at: datetime = S01B_START,
    ends_at: datetime = S01B_END,
    hours: float = 1,
) -> int:
    """Another session of the example class (the first class); its id."""

    async def op(tx: Tx) -> int:
        class_id = (await tx.fetchone("SELECT min(id) FROM classes"))[0]
        stamp = to_db(starts_at)
        return await tx.insert(
            "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, location,"
            " hours, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '研讨室', ?, ?, ?, ?)",
            (
                class_id,
                external_id,
                title,
                to_db(starts_at),
                to_db(ends_at),
                hours,
                f"secret-{external_id}",
                stamp,
                stamp,
            ),
        )

    return await db.write(op)


async def admin(bot: BotHarness, plan: ClassPlan, **kw: Any) -> Person:
    return await bind(bot, next(p for p in plan.people if Role.ADMIN in p.roles).phone, **kw)


async def table_rows(db: Database, *tables: str) -> dict[str, list[tuple]]:
    """What a refusal must leave unchanged."""
    return {
        t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY 1")] for t in tables
    }


RECORD_TABLES = ("attendance", "audit_log", "outbox", "leave_requests", "corrections")
