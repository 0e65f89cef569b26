"""People, attendance and look-ups shared by the graduation tests (the example class)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, Tx
from tests.harness import BotHarness, Person, bind

# The example class (examples/demo-class): its scheme is 出勤 30, 结业考试 40, 论文 20, 研讨 10;
# scores.csv gives five trainees their scores, 李强 without 论文.
MANAGER = "13800138001"  # 李红梅
ADMIN = "13800138009"  # 孙丽
ZHANG = "15000150001"  # 张伟: 92, 88, 95
WANG = "15000150002"  # 王芳: 85, 90, 88
LI = "15000150003"  # 李强: 78, (no paper), 80
LIU = "15000150004"  # 刘洋: 66, 72, 70
CHEN = "15000150005"  # 陈静: 95, 93, 90


@dataclass
class Cast:
    """The people of a graduation story, bound to the bot."""

    manager: Person
    admin: Person
    zhang: Person
    wang: Person
    li: Person


async def cast(bot: BotHarness) -> Cast:
    """Bind the class manager, the admin and three trainees."""
    return Cast(*[await bind(bot, phone) for phone in (MANAGER, ADMIN, ZHANG, WANG, LI)])


async def class_id(db: Database) -> int:
    """The example class's id."""
    row = await db.fetchone("SELECT id FROM classes")
    assert row is not None
    return int(row[0])


async def pid(db: Database, phone: str) -> int:
    """A roster person's id by phone."""
    row = await db.fetchone("SELECT id FROM people WHERE phone = ?", (phone,))
    assert row is not None
    return int(row[0])


async def attend_all(db: Database, *phones: str, minutes_late: int = 0) -> None:
    """These trainees checked in at the start (or late) and out at the end of every session."""

    async def op(tx: Tx) -> None:
        sessions = await tx.fetchall("SELECT id, starts_at, ends_at FROM sessions")
        for phone in phones:
            person = (await tx.fetchone("SELECT id FROM people WHERE phone = ?", (phone,)))[0]
            for sid, starts_at, ends_at in sessions:
                checkin = await _later(tx, starts_at, minutes_late) if minutes_late else starts_at
                await tx.execute(
                    "INSERT OR REPLACE INTO attendance (session_id, person_id, checkin_at,"
                    " checkin_method, checkout_at, checkout_method, updated_at)"
                    " VALUES (?, ?, ?, 'code', ?, 'code', ?)",
                    (sid, person, checkin, ends_at, ends_at),
                )

    await db.write(op)


async def _later(tx: Tx, moment: str, minutes: int) -> str:
    row = await tx.fetchone(
        "SELECT strftime('%Y-%m-%dT%H:%M:%S+00:00', ?, ?)", (moment, f"+{minutes} minutes")
    )
    return str(row[0])


async def outbox_keys(db: Database, prefix: str = "grades:") -> list[str]:
    """The outbox keys queued under a prefix, in order."""
    rows = await db.fetchall(
        "SELECT idempotency_key FROM outbox WHERE idempotency_key LIKE ? ORDER BY id",
        (prefix + "%",),
    )
    return [r[0] for r in rows]


async def audit_actions(db: Database, prefix: str) -> list[str]:
    """The audit log's actions under a prefix, in order."""
    rows = await db.fetchall(
        "SELECT action FROM audit_log WHERE action LIKE ? ORDER BY id", (prefix + "%",)
    )
    return [r[0] for r in rows]
