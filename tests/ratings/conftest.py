"""A class whose first session is over and attended: the starting point of every rating test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules.roles import Role
from storage.db import Database, Tx
from storage.times import to_db
from tests.harness import BotHarness, Person, bind, person_id, session_id

# S01 runs 08:30-11:30 in Shanghai on 2026-12-07: 00:30-03:30 UTC.
S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)


@dataclass
class Scene:
    """The people of a rating test and the session they rate."""

    bot: BotHarness
    db: Database
    clock: ManualClock
    plan: ClassPlan
    session_id: int
    trainees: list[Person]  # bound, attended S01 (present, late, left early, checked in...)
    trainee_names: list[str]
    absent: Person  # bound trainee who did not attend
    instructor: Person  # 陈志远 teaches S01 (and is a class manager)
    manager: Person  # 李红梅, class manager only
    admin: Person

    async def count(self, sql: str, *params: object) -> int:
        row = await self.db.fetchone(sql, params)
        return row[0]


async def attend(
    db: Database, sid: int, pid: int, *, checkin: bool = True, override: str | None = None
) -> None:
    """Record attendance as the check-in feature and a manager's hand marking would."""

    async def write(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO attendance (session_id, person_id, checkin_at, override_status,"
            " updated_at) VALUES (?, ?, ?, ?, ?)",
            (
                sid,
                pid,
                to_db(datetime(2026, 12, 7, 0, 25, tzinfo=UTC)) if checkin else None,
                override,
                to_db(datetime(2026, 12, 7, 0, 25, tzinfo=UTC)),
            ),
        )

    await db.write(write)


@pytest.fixture
async def scene(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> Scene:
    plan = example_class
    sid = await session_id(db, "S01")
    plain = [p for p in plan.people if p.roles == {Role.TRAINEE}]
    attending, absent_plan = plain[:4], plain[4]
    trainees = [await bind(bot, p.phone) for p in attending]
    marks = [
        {"checkin": True},
        {"checkin": True, "override": "late"},
        {"checkin": False, "override": "present"},
        {"checkin": True, "override": "left_early"},
    ]
    for p, mark in zip(attending, marks, strict=True):
        await attend(db, sid, await person_id(db, p.name), **mark)
    absent = await bind(bot, absent_plan.phone)
    # Checked in, but the manager marked absent: the mark wins, no prompt.
    await attend(db, sid, await person_id(db, absent_plan.name), override="absent")
    people = {p.name: p for p in plan.people}
    return Scene(
        bot=bot,
        db=db,
        clock=clock,
        plan=plan,
        session_id=sid,
        trainees=trainees,
        trainee_names=[p.name for p in attending] + [absent_plan.name],
        absent=absent,
        instructor=await bind(bot, people["陈志远"].phone),
        manager=await bind(bot, people["李红梅"].phone),
        admin=await bind(bot, people["孙丽"].phone),
    )
