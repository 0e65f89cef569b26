"""Check-in records of each person and session.

Every write is conditional, so the same update processed twice records once: a check-in only
fills an empty ``checkin_at``, a check-out only an empty ``checkout_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Queryable, SyncTx, Tx
from storage.sessions import Session
from storage.times import from_db, to_db


@dataclass(frozen=True)
class AttendanceRow:
    """The stored record of one person and session."""

    session_id: int
    person_id: int
    checkin_at: datetime | None
    checkin_method: str | None
    checkout_at: datetime | None
    checkout_method: str | None
    code_failures: int
    locked_at: datetime | None
    override_status: str | None
    override_reason: str | None


_ATT_COLUMNS = (
    "session_id, person_id, checkin_at, checkin_method, checkout_at, checkout_method,"
    " code_failures, locked_at, override_status, override_reason"
)


def _opt(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def _attendance(r: aiosqlite.Row) -> AttendanceRow:
    return AttendanceRow(
        r[0], r[1], _opt(r[2]), r[3], _opt(r[4]), r[5], r[6], _opt(r[7]), r[8], r[9]
    )


async def record_of(db: Queryable, session_id: int, person_id: int) -> AttendanceRow | None:
    """The record of one person for one session, if any."""
    row = await db.fetchone(
        f"SELECT {_ATT_COLUMNS} FROM attendance WHERE session_id = ? AND person_id = ?",
        (session_id, person_id),
    )
    return None if row is None else _attendance(row)


async def records_of_session(db: Queryable, session_id: int) -> dict[int, AttendanceRow]:
    """Every record of a session, by person."""
    rows = await db.fetchall(
        f"SELECT {_ATT_COLUMNS} FROM attendance WHERE session_id = ?", (session_id,)
    )
    return {r[1]: _attendance(r) for r in rows}


async def records_of_person(db: Queryable, person_id: int) -> dict[int, AttendanceRow]:
    """Every record of a person, by session."""
    rows = await db.fetchall(
        f"SELECT {_ATT_COLUMNS} FROM attendance WHERE person_id = ?", (person_id,)
    )
    return {r[0]: _attendance(r) for r in rows}


async def record_checkin(
    tx: Tx, session: Session, person_id: int, at: datetime, method: str
) -> AttendanceRow | None:
    """Record a check-in unless one exists or check-in is locked; the row if recorded now.

    Nothing is written either if the session row no longer matches ``session`` (moved,
    cancelled, class settings changed): the caller may hold a cached copy.
    """
    row = await tx.fetchone(
        "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method, updated_at)"
        " SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions s"
        " JOIN classes c ON c.id = s.class_id WHERE s.id = ? AND s.cancelled_at IS NULL"
        " AND s.starts_at = ? AND s.ends_at = ? AND c.settings = ?)"
        " ON CONFLICT (session_id, person_id) DO UPDATE SET"
        " checkin_at = excluded.checkin_at, checkin_method = excluded.checkin_method,"
        " updated_at = excluded.updated_at"
        " WHERE attendance.checkin_at IS NULL AND attendance.locked_at IS NULL"
        f" RETURNING {_ATT_COLUMNS}",
        (
            session.id,
            person_id,
            to_db(at),
            method,
            to_db(at),
            session.id,
            to_db(session.starts_at),
            to_db(session.ends_at),
            session.settings,
        ),
    )
    return None if row is None else _attendance(row)


def record_checkin_now(
    tx: SyncTx,
    session: Session,
    person_id: int,
    at: datetime,
    method: str,
    *,
    roles: Iterable[str],
) -> tuple[AttendanceRow | None, bool]:
    """``record_checkin`` in SQLite's thread, checking also that the person holds one of
    ``roles`` in the class now; (the row if recorded now, whether the person has approved
    leave in the class not reported back yet).

    The permission is checked by the INSERT itself, so it holds at the moment of the act
    whatever the caller's copy of the person says. The leave question is asked by the same
    statement: the leave hook (handlers/leave/limit.py) has work only when it says yes,
    and every check-in saves a statement.
    """
    wanted = sorted(roles)
    marks = ",".join("?" * len(wanted))
    row = tx.fetchone(
        "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method, updated_at)"
        " SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions s"
        " JOIN classes c ON c.id = s.class_id WHERE s.id = ? AND s.cancelled_at IS NULL"
        " AND s.starts_at = ? AND s.ends_at = ? AND c.settings = ?"
        " AND EXISTS (SELECT 1 FROM memberships m WHERE m.class_id = s.class_id"
        f" AND m.person_id = ? AND m.active = 1 AND m.role IN ({marks})))"
        " ON CONFLICT (session_id, person_id) DO UPDATE SET"
        " checkin_at = excluded.checkin_at, checkin_method = excluded.checkin_method,"
        " updated_at = excluded.updated_at"
        " WHERE attendance.checkin_at IS NULL AND attendance.locked_at IS NULL"
        f" RETURNING {_ATT_COLUMNS}, EXISTS (SELECT 1 FROM leave_requests l"
        " WHERE l.class_id = ? AND l.person_id = ? AND l.status = 'approved'"
        " AND l.reported_back_at IS NULL)",
        (
            session.id,
            person_id,
            to_db(at),
            method,
            to_db(at),
            session.id,
            to_db(session.starts_at),
            to_db(session.ends_at),
            session.settings,
            person_id,
            *wanted,
            session.class_id,
            person_id,
        ),
    )
    return (None, False) if row is None else (_attendance(row), bool(row[10]))


def record_of_now(tx: SyncTx, session_id: int, person_id: int) -> AttendanceRow | None:
    """``record_of`` in SQLite's thread."""
    row = tx.fetchone(
        f"SELECT {_ATT_COLUMNS} FROM attendance WHERE session_id = ? AND person_id = ?",
        (session_id, person_id),
    )
    return None if row is None else _attendance(row)


async def record_checkout(
    tx: Tx, session_id: int, person_id: int, at: datetime, method: str
) -> bool:
    """Record a check-out after a check-in, once; True if recorded now."""
    cursor = await tx.execute(
        "UPDATE attendance SET checkout_at = ?, checkout_method = ?, updated_at = ?"
        " WHERE session_id = ? AND person_id = ? AND checkin_at IS NOT NULL"
        " AND checkout_at IS NULL",
        (to_db(at), method, to_db(at), session_id, person_id),
    )
    return cursor.rowcount == 1


async def record_code_failure(
    tx: Tx, session_id: int, person_id: int, now: datetime, *, lock_after: int
) -> tuple[int, bool]:
    """Count a wrong code; return (failures so far, whether this one locked check-in).

    Check-in to the session is locked at ``lock_after`` wrong codes.
    """
    await tx.execute(
        "INSERT INTO attendance (session_id, person_id, code_failures, updated_at)"
        " VALUES (?, ?, 1, ?) ON CONFLICT (session_id, person_id) DO UPDATE SET"
        " code_failures = attendance.code_failures + 1, updated_at = excluded.updated_at"
        " WHERE attendance.checkin_at IS NULL AND attendance.locked_at IS NULL",
        (session_id, person_id, to_db(now)),
    )
    cursor = await tx.execute(
        "UPDATE attendance SET locked_at = ? WHERE session_id = ? AND person_id = ?"
        " AND locked_at IS NULL AND checkin_at IS NULL AND code_failures >= ?",
        (to_db(now), session_id, person_id, lock_after),
    )
    row = await tx.fetchone(
        "SELECT code_failures FROM attendance WHERE session_id = ? AND person_id = ?",
        (session_id, person_id),
    )
    return (row[0] if row else 0), cursor.rowcount == 1


async def set_override(
    tx: Tx,
    session_id: int,
    person_id: int,
    *,
    status: str,
    reason: str,
    by: int,
    now: datetime,
) -> None:
    """Record a class manager's hand marking (it wins over the records)."""
    await tx.execute(
        "INSERT INTO attendance (session_id, person_id, override_status, override_reason,"
        " override_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (session_id, person_id) DO UPDATE SET"
        " override_status = excluded.override_status,"
        " override_reason = excluded.override_reason, override_by = excluded.override_by,"
        " updated_at = excluded.updated_at",
        (session_id, person_id, status, reason, by, to_db(now)),
    )


async def checked_in(db: Queryable, person_id: int, session_ids: list[int]) -> set[int]:
    """The sessions among these the person checked in to."""
    if not session_ids:
        return set()
    marks = ",".join("?" * len(session_ids))
    rows = await db.fetchall(
        f"SELECT session_id FROM attendance WHERE person_id = ? AND session_id IN ({marks})"
        " AND checkin_at IS NOT NULL",
        (person_id, *session_ids),
    )
    return {r[0] for r in rows}
