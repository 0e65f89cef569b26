"""Queries for reminders, digests, timetables and change notices (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Queryable
from storage.times import from_db, to_db


@dataclass(frozen=True)
class SessionRow:
    """A session with what a notice about it shows, and its class's zone and settings."""

    id: int
    class_id: int
    class_name: str
    timezone: str
    settings: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    cancelled: bool
    updated_at: datetime
    instructors: tuple[str, ...]


@dataclass(frozen=True)
class Recipient:
    """Someone to tell: person, Telegram chat and their own language if they chose one."""

    person_id: int
    chat_id: int
    locale: str | None


_SESSION = (
    "SELECT s.id, s.class_id, c.name, c.timezone, c.settings, s.title, s.starts_at, s.ends_at,"
    " s.location, s.cancelled_at IS NOT NULL, s.updated_at,"
    " (SELECT group_concat(name, '|') FROM (SELECT p.name FROM session_instructors si"
    "   JOIN people p ON p.id = si.person_id WHERE si.session_id = s.id ORDER BY si.position))"
    " FROM sessions s JOIN classes c ON c.id = s.class_id"
)


def _session(row: tuple) -> SessionRow:  # type: ignore[type-arg]
    return SessionRow(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        from_db(row[6]),
        from_db(row[7]),
        row[8],
        bool(row[9]),
        from_db(row[10]),
        tuple(row[11].split("|")) if row[11] else (),
    )


async def sessions_starting(db: Queryable, after: datetime, until: datetime) -> list[SessionRow]:
    """Sessions not cancelled that start in (after, until], in time order."""
    rows = await db.fetchall(
        f"{_SESSION} WHERE s.starts_at > ? AND s.starts_at <= ? AND s.cancelled_at IS NULL"
        " ORDER BY s.starts_at, s.id",
        (to_db(after), to_db(until)),
    )
    return [_session(r) for r in rows]


async def session(db: Queryable, session_id: int) -> SessionRow | None:
    """One session, cancelled or not."""
    row = await db.fetchone(f"{_SESSION} WHERE s.id = ?", (session_id,))
    return None if row is None else _session(row)


async def sessions_of_class(
    db: Queryable, class_id: int, after: datetime, until: datetime
) -> list[SessionRow]:
    """A class's sessions not cancelled starting in [after, until), in time order."""
    rows = await db.fetchall(
        f"{_SESSION} WHERE s.class_id = ? AND s.starts_at >= ? AND s.starts_at < ?"
        " AND s.cancelled_at IS NULL ORDER BY s.starts_at, s.id",
        (class_id, to_db(after), to_db(until)),
    )
    return [_session(r) for r in rows]


async def sessions_of_person(
    db: Queryable, person_id: int, after: datetime, until: datetime
) -> list[SessionRow]:
    """Sessions not cancelled of every class a person is active in, ending after ``after``."""
    rows = await db.fetchall(
        f"{_SESSION} WHERE s.class_id IN (SELECT class_id FROM memberships"
        " WHERE person_id = ? AND active = 1) AND s.ends_at > ? AND s.starts_at < ?"
        " AND s.cancelled_at IS NULL ORDER BY s.starts_at, s.id",
        (person_id, to_db(after), to_db(until)),
    )
    return [_session(r) for r in rows]


async def class_members(db: Queryable, class_id: int, roles: tuple[str, ...]) -> list[Recipient]:
    """Bound, active members of a class holding any of these roles."""
    marks = ",".join("?" * len(roles))
    rows = await db.fetchall(
        "SELECT DISTINCT p.id, p.telegram_user_id, p.locale FROM memberships m"
        " JOIN people p ON p.id = m.person_id"
        f" WHERE m.class_id = ? AND m.active = 1 AND m.role IN ({marks})"
        " AND p.telegram_user_id IS NOT NULL ORDER BY p.id",
        (class_id, *roles),
    )
    return [Recipient(r[0], r[1], r[2]) for r in rows]


async def unreachable_members(db: Queryable, class_id: int) -> list[str]:
    """Names of the class's active members Telegram refused to deliver to (403)."""
    rows = await db.fetchall(
        "SELECT DISTINCT p.name FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND m.active = 1 AND p.unreachable_at IS NOT NULL"
        " ORDER BY p.name",
        (class_id,),
    )
    return [r[0] for r in rows]


async def session_instructors(db: Queryable, session_id: int) -> list[Recipient]:
    """The bound instructors of a session."""
    rows = await db.fetchall(
        "SELECT p.id, p.telegram_user_id, p.locale FROM session_instructors si"
        " JOIN people p ON p.id = si.person_id"
        " WHERE si.session_id = ? AND p.telegram_user_id IS NOT NULL ORDER BY si.position",
        (session_id,),
    )
    return [Recipient(r[0], r[1], r[2]) for r in rows]


async def on_leave(db: Queryable, session_ids: list[int]) -> set[tuple[int, int]]:
    """(person id, session id) pairs covered by an approved leave request."""
    if not session_ids:
        return set()
    marks = ",".join("?" * len(session_ids))
    rows = await db.fetchall(
        "SELECT r.person_id, ls.session_id FROM leave_sessions ls"
        " JOIN leave_requests r ON r.id = ls.request_id"
        f" WHERE r.status = 'approved' AND ls.session_id IN ({marks})",
        tuple(session_ids),
    )
    return {(r[0], r[1]) for r in rows}


async def class_days(
    db: Queryable, after: datetime, until: datetime
) -> list[tuple[int, str, str, datetime]]:
    """(class id, zone, settings, start) of each session not cancelled in [after, until)."""
    rows = await db.fetchall(
        "SELECT s.class_id, c.timezone, c.settings, s.starts_at FROM sessions s"
        " JOIN classes c ON c.id = s.class_id"
        " WHERE s.starts_at >= ? AND s.starts_at < ? AND s.cancelled_at IS NULL",
        (to_db(after), to_db(until)),
    )
    return [(r[0], r[1], r[2], from_db(r[3])) for r in rows]


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


async def first_audit_id_since(db: Queryable, moment: datetime) -> int:
    """The id before the first audit entry at or after ``moment`` (where a scan starts)."""
    row = await db.fetchone("SELECT min(id) FROM audit_log WHERE at >= ?", (to_db(moment),))
    if row and row[0] is not None:
        return int(row[0]) - 1
    row = await db.fetchone("SELECT max(id) FROM audit_log")
    return int(row[0]) if row and row[0] is not None else 0
