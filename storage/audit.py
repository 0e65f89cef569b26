"""The audit log: who changed what, written in the transaction that made the change.

Two kinds of entry are read back as well as written: a class import (the scheduler finds
imports made by another process in it, and the change notices they imply), and an
announcement (its id names its outbox rows, and its report reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Queryable, Tx
from storage.times import to_db


async def record(
    tx: Tx,
    *,
    at: datetime,
    actor: str,
    action: str,
    actor_id: int | None = None,
    class_id: int | None = None,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log."""
    await tx.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, class_id, subject, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_db(at),
            actor_id,
            actor,
            action,
            class_id,
            subject,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
        ),
    )


@dataclass(frozen=True)
class ImportEntry:
    """A class import as the audit log recorded it (details: JSON of storage/imports.py)."""

    id: int
    class_id: int | None
    details: str


async def imports_since(db: Queryable, after_id: int) -> list[ImportEntry]:
    """The class imports recorded after audit id ``after_id``, in order."""
    rows = await db.fetchall(
        "SELECT id, class_id, details FROM audit_log WHERE id > ? AND action = 'class.import'"
        " ORDER BY id",
        (after_id,),
    )
    return [ImportEntry(r[0], r[1], r[2]) for r in rows]


async def first_id_since(db: Queryable, moment: datetime) -> int:
    """The id before the first entry at or after ``moment`` (where a scan starts)."""
    row = await db.fetchone("SELECT min(id) FROM audit_log WHERE at >= ?", (to_db(moment),))
    if row and row[0] is not None:
        return int(row[0]) - 1
    row = await db.fetchone("SELECT max(id) FROM audit_log")
    return int(row[0]) if row and row[0] is not None else 0


async def cancellations_of_active(
    db: Queryable, class_id: int, ending_after: datetime
) -> dict[int, list[int]]:
    """Sessions of a class back on the timetable after an import cancelled them.

    Only those ending after ``ending_after``; session id -> the audit ids of the imports
    that cancelled it, oldest first.
    """
    rows = await db.fetchall(
        "SELECT s.id, a.id FROM audit_log a"
        " JOIN json_each(a.details, '$.sessions_cancelled') j"
        " JOIN sessions s ON s.id = j.value"
        " WHERE a.action = 'class.import' AND a.class_id = ? AND s.class_id = a.class_id"
        " AND s.cancelled_at IS NULL AND s.ends_at > ? ORDER BY s.id, a.id",
        (class_id, to_db(ending_after)),
    )
    found: dict[int, list[int]] = {}
    for session_id, audit_id in rows:
        found.setdefault(session_id, []).append(audit_id)
    return found


@dataclass(frozen=True)
class Announcement:
    """A sent announcement as the audit log keeps it."""

    id: int
    actor_id: int | None
    class_id: int | None
    details: dict[str, Any]


async def record_announcement(
    tx: Tx, *, actor_id: int, class_id: int, details: dict[str, Any], now: datetime
) -> int:
    """Write an announcement's entry; its id names the outbox keys of its notices."""
    return await tx.insert(
        "INSERT INTO audit_log (at, actor_id, actor, action, class_id, subject, details)"
        " VALUES (?, ?, 'bot', 'announce.send', ?, 'announce', ?)",
        (to_db(now), actor_id, class_id, json.dumps(details, ensure_ascii=False, sort_keys=True)),
    )


async def announcement(db: Queryable, announcement_id: int) -> Announcement | None:
    """An announcement by its id (its audit-log entry)."""
    row = await db.fetchone(
        "SELECT id, actor_id, class_id, details FROM audit_log"
        " WHERE id = ? AND action = 'announce.send'",
        (announcement_id,),
    )
    return None if row is None else Announcement(row[0], row[1], row[2], json.loads(row[3]))
