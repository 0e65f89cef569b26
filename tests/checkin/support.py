"""Shared set-up for the check-in tests: people of the example class, settings, records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.importer.model import ClassPlan
from bot.roles import Role
from storage.db import Database, Tx
from tests.harness import BotHarness, Person

# The example's first session, 08:30-11:30 in Shanghai.
S01_START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
VENUE = (31.2304, 121.4737)


def plain_trainees(plan: ClassPlan) -> list[Any]:
    """Trainees with no other role."""
    return [p for p in plan.people if p.roles == {Role.TRAINEE}]


async def bind_phone(bot: BotHarness, phone: str, **kw: Any) -> Person:
    user = bot.person(**kw)
    await user.shares_contact(phone)
    return user


async def trainee(bot: BotHarness, plan: ClassPlan, index: int = 0, **kw: Any) -> Person:
    return await bind_phone(bot, plain_trainees(plan)[index].phone, **kw)


async def manager(bot: BotHarness, plan: ClassPlan, index: int = 0, **kw: Any) -> Person:
    return await bind_phone(
        bot, [p for p in plan.people if Role.MANAGER in p.roles][index].phone, **kw
    )


async def monitor(bot: BotHarness, plan: ClassPlan, **kw: Any) -> Person:
    return await bind_phone(
        bot, next(p for p in plan.people if Role.MONITOR in p.roles).phone, **kw
    )


async def set_settings(db: Database, **values: Any) -> None:
    """Change every class's settings (as a re-import with these cells would)."""
    rows = await db.fetchall("SELECT id, settings FROM classes")

    async def op(tx: Tx) -> None:
        for row in rows:
            settings = {**json.loads(row[1] or "{}"), **values}
            await tx.execute(
                "UPDATE classes SET settings = ? WHERE id = ?", (json.dumps(settings), row[0])
            )

    await db.write(op)


async def session_id(db: Database, external_id: str = "S01") -> int:
    row = await db.fetchone("SELECT id FROM sessions WHERE external_id = ?", (external_id,))
    return row[0]


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
