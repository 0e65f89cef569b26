"""Correction requests (补卡): a trainee asks to change their status in a past session.

Every state change is a conditional UPDATE from 'pending' inside the caller's transaction, so
two managers deciding at the same moment cannot both win; the partial UNIQUE index of the
migration makes a second pending request for the same person and session impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Queryable, Tx
from storage.leave import SentCard, queued_like
from storage.times import from_db, to_db


@dataclass(frozen=True)
class Correction:
    """One correction request."""

    id: int
    class_id: int
    session_id: int
    person_id: int
    status_before: str
    status_asked: str
    reason: str
    attachment_file_id: str | None
    attachment_kind: str | None
    status: str  # pending, approved, rejected, cancelled
    decided_by: int | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime


_COLUMNS = (
    "id, class_id, session_id, person_id, status_before, status_asked, reason,"
    " attachment_file_id, attachment_kind, status, decided_by, decision_reason, decided_at,"
    " created_at"
)


def _correction(row: Any) -> Correction:
    return Correction(*row[:12], from_db(row[12]) if row[12] else None, from_db(row[13]))


async def get(db: Queryable, correction_id: int) -> Correction | None:
    """A request by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM corrections WHERE id = ?", (correction_id,))
    return None if row is None else _correction(row)


async def pending_for(db: Queryable, session_id: int, person_id: int) -> Correction | None:
    """The person's pending request for this session, if any."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM corrections WHERE session_id = ? AND person_id = ?"
        " AND status = 'pending'",
        (session_id, person_id),
    )
    return None if row is None else _correction(row)


async def used(db: Queryable, class_id: int, person_id: int) -> int:
    """How many of the person's requests in the class count against the cap (pending or
    approved: a rejected or cancelled one gives its place back)."""
    row = await db.fetchone(
        "SELECT count(*) FROM corrections WHERE class_id = ? AND person_id = ?"
        " AND status IN ('pending', 'approved')",
        (class_id, person_id),
    )
    return int(row[0]) if row else 0


async def of_person(db: Queryable, class_id: int, person_id: int) -> list[Correction]:
    """The person's requests in the class, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM corrections WHERE class_id = ? AND person_id = ? ORDER BY id",
        (class_id, person_id),
    )
    return [_correction(r) for r in rows]


async def create(
    tx: Tx,
    *,
    class_id: int,
    session_id: int,
    person_id: int,
    status_before: str,
    status_asked: str,
    reason: str,
    attachment_file_id: str | None,
    attachment_kind: str | None,
    now: datetime,
) -> int | None:
    """Insert a pending request; None if the person has one pending for the session."""
    cursor = await tx.execute(
        "INSERT INTO corrections (class_id, session_id, person_id, status_before, status_asked,"
        " reason, attachment_file_id, attachment_kind, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            class_id,
            session_id,
            person_id,
            status_before,
            status_asked,
            reason,
            attachment_file_id,
            attachment_kind,
            to_db(now),
            to_db(now),
        ),
    )
    return cursor.lastrowid if cursor.rowcount == 1 else None


async def decide(
    tx: Tx,
    correction_id: int,
    *,
    approve: bool,
    decided_by: int,
    reason: str | None,
    now: datetime,
) -> bool:
    """Record the decision if the request is still pending; False if someone was first."""
    cursor = await tx.execute(
        "UPDATE corrections SET status = ?, decided_by = ?, decision_reason = ?, decided_at = ?,"
        " updated_at = ? WHERE id = ? AND status = 'pending'",
        (
            "approved" if approve else "rejected",
            decided_by,
            reason,
            to_db(now),
            to_db(now),
            correction_id,
        ),
    )
    return cursor.rowcount == 1


async def pending_of_class(db: Queryable, class_id: int) -> list[Correction]:
    """The class's requests still waiting for a decision, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM corrections WHERE class_id = ? AND status = 'pending' ORDER BY id",
        (class_id,),
    )
    return [_correction(row) for row in rows]


async def cancel(tx: Tx, correction_id: int, person_id: int, now: datetime) -> bool:
    """Cancel one's own pending request; False if it was no longer pending (or not theirs)."""
    cursor = await tx.execute(
        "UPDATE corrections SET status = 'cancelled', updated_at = ?"
        " WHERE id = ? AND person_id = ? AND status = 'pending'",
        (to_db(now), correction_id, person_id),
    )
    return cursor.rowcount == 1


def card_key(correction_id: int, person_id: int) -> str:
    """The outbox key of a manager's card; the decision edits every card under it."""
    return f"correction:{correction_id}:card:person:{person_id}"


async def cards(db: Queryable, correction_id: int) -> list[SentCard]:
    """The cards queued for a request, sent or not."""
    return await queued_like(db, f"correction:{correction_id}:card:person:%")
