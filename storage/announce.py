"""Announcements: the form being written (table ``forms``, kind 'announce') and the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Queryable, Tx
from storage.times import to_db

KIND = "announce"


async def form(db: Queryable, person_id: int) -> dict[str, Any] | None:
    """The announcement a person is writing, if any."""
    row = await db.fetchone(
        "SELECT data FROM forms WHERE person_id = ? AND kind = ?", (person_id, KIND)
    )
    return json.loads(row[0]) if row else None


async def save_form(tx: Tx, person_id: int, data: dict[str, Any], now: datetime) -> None:
    """Store (replace) the announcement a person is writing."""
    await tx.execute(
        "INSERT INTO forms (person_id, kind, data, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (person_id, kind) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (person_id, KIND, json.dumps(data, ensure_ascii=False), to_db(now)),
    )


async def drop_form(tx: Tx, person_id: int) -> bool:
    """Forget the form; False if there was none (a second press of the same button)."""
    cursor = await tx.execute(
        "DELETE FROM forms WHERE person_id = ? AND kind = ?", (person_id, KIND)
    )
    return cursor.rowcount == 1


@dataclass(frozen=True)
class Audience:
    """Who an announcement reaches: bound people to queue for, and how many are unbound."""

    bound: list[tuple[int, int, str | None]]  # (person id, chat id, locale)
    unbound: int


async def audience(db: Queryable, class_id: int, trainees_only: bool) -> Audience:
    """The active members of a class (trainees only, or everyone)."""
    roles = (
        "('trainee')" if trainees_only else "('trainee','manager','monitor','instructor','admin')"
    )
    rows = await db.fetchall(
        "SELECT DISTINCT p.id, p.telegram_user_id, p.locale FROM memberships m"
        " JOIN people p ON p.id = m.person_id"
        f" WHERE m.class_id = ? AND m.active = 1 AND m.role IN {roles} ORDER BY p.id",
        (class_id,),
    )
    bound = [(r[0], r[1], r[2]) for r in rows if r[1] is not None]
    return Audience(bound, len(rows) - len(bound))


@dataclass(frozen=True)
class Announcement:
    """A sent announcement as the audit log keeps it."""

    id: int
    actor_id: int | None
    class_id: int | None
    details: dict[str, Any]


async def announcement(db: Queryable, announcement_id: int) -> Announcement | None:
    """An announcement by its id (its audit-log entry)."""
    row = await db.fetchone(
        "SELECT id, actor_id, class_id, details FROM audit_log"
        " WHERE id = ? AND action = 'announce.send'",
        (announcement_id,),
    )
    return None if row is None else Announcement(row[0], row[1], row[2], json.loads(row[3]))


async def unreached(db: Queryable, key_prefix: str) -> list[str]:
    """Names of the people an announcement could not reach (blocked, or refused)."""
    rows = await db.fetchall(
        "SELECT p.name FROM outbox o JOIN people p ON p.id = o.person_id"
        " WHERE o.idempotency_key >= ? AND o.idempotency_key < ?"
        " AND o.status IN ('unreachable', 'failed') ORDER BY p.name",
        (key_prefix, key_prefix + "\uffff"),
    )
    return [r[0] for r in rows]


async def record(
    tx: Tx, *, actor_id: int, class_id: int, details: dict[str, Any], now: datetime
) -> int:
    """Write the announcement's audit entry; its id names the outbox keys."""
    return await tx.insert(
        "INSERT INTO audit_log (at, actor_id, actor, action, class_id, subject, details)"
        " VALUES (?, ?, 'bot', 'announce.send', ?, 'announce', ?)",
        (to_db(now), actor_id, class_id, json.dumps(details, ensure_ascii=False, sort_keys=True)),
    )
