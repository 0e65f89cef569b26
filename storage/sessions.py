"""The timetable: sessions with what every feature needs of their class, and who teaches them.

One row type, ``Session``, for every feature: a session, its class's name, zone and settings
(JSON, read by bot/rules/class_settings.py), its class hours and its check-in secret. Sessions
a re-import drops are cancelled, never deleted (they may have records): most queries leave
them out, and say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from storage.db import Queryable
from storage.people import RECIPIENT_COLUMNS, Recipient
from storage.times import from_db, to_db


@dataclass(frozen=True)
class Session:
    """A session, with its class's name, zone and settings."""

    id: int
    class_id: int
    class_name: str
    timezone: str
    settings: str  # the class's settings JSON
    title: str
    starts_at: datetime
    ends_at: datetime
    hours: Fraction  # class hours (学时), exact
    location: str | None
    secret: str  # seeds the rotating check-in code
    cancelled: bool


COLUMNS = (
    "s.id, s.class_id, c.name, c.timezone, c.settings, s.title, s.starts_at, s.ends_at,"
    " s.hours, s.location, s.secret, s.cancelled_at IS NOT NULL"
)
FROM = " FROM sessions s JOIN classes c ON c.id = s.class_id"
_SELECT = f"SELECT {COLUMNS}{FROM}"


def session(row: Any) -> Session:
    """A Session from a row selected with ``COLUMNS``."""
    return Session(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        from_db(row[6]),
        from_db(row[7]),
        Fraction(str(row[8])),  # through str: 1.5 is 3/2, not the float nearest to it
        row[9],
        row[10],
        bool(row[11]),
    )


async def by_id(db: Queryable, session_id: int) -> Session | None:
    """One session, cancelled or not."""
    row = await db.fetchone(f"{_SELECT} WHERE s.id = ?", (session_id,))
    return None if row is None else session(row)


async def by_ids(db: Queryable, ids: Sequence[int]) -> list[Session]:
    """These sessions (cancelled ones included), in time order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        f"{_SELECT} WHERE s.id IN ({marks}) ORDER BY s.starts_at, s.id", tuple(ids)
    )
    return [session(r) for r in rows]


async def of_class_around(
    db: Queryable, class_id: int, earliest_end: datetime, latest_start: datetime
) -> list[Session]:
    """A class's sessions (not cancelled) ending at or after one moment and starting at or
    before another, in time order."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.starts_at <= ?"
        " AND s.ends_at >= ? ORDER BY s.starts_at, s.id",
        (class_id, to_db(latest_start), to_db(earliest_end)),
    )
    return [session(r) for r in rows]


async def of_person_around(
    db: Queryable,
    person_id: int,
    roles: Sequence[str],
    earliest_end: datetime,
    latest_start: datetime,
) -> list[Session]:
    """Sessions (not cancelled) of the classes where a person holds one of these roles,
    ending at or after one moment and starting at or before another, in time order."""
    marks = ",".join("?" * len(roles))
    rows = await db.fetchall(
        f"SELECT DISTINCT {COLUMNS} FROM memberships m"
        " JOIN sessions s ON s.class_id = m.class_id JOIN classes c ON c.id = s.class_id"
        f" WHERE m.person_id = ? AND m.role IN ({marks}) AND m.active = 1"
        " AND s.cancelled_at IS NULL AND s.starts_at <= ? AND s.ends_at >= ?"
        " ORDER BY s.starts_at, s.id",
        (person_id, *roles, to_db(latest_start), to_db(earliest_end)),
    )
    return [session(r) for r in rows]


async def of_class_until(db: Queryable, class_id: int, until: datetime) -> list[Session]:
    """A class's sessions (not cancelled) starting at or before ``until``, in time order."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.starts_at <= ?"
        " ORDER BY s.starts_at, s.id",
        (class_id, to_db(until)),
    )
    return [session(r) for r in rows]


async def of_class_starting(
    db: Queryable, class_id: int, after: datetime, until: datetime
) -> list[Session]:
    """A class's sessions (not cancelled) starting in [after, until), in time order."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE s.class_id = ? AND s.starts_at >= ? AND s.starts_at < ?"
        " AND s.cancelled_at IS NULL ORDER BY s.starts_at, s.id",
        (class_id, to_db(after), to_db(until)),
    )
    return [session(r) for r in rows]


async def of_person_between(
    db: Queryable, person_id: int, after: datetime, until: datetime
) -> list[Session]:
    """Sessions (not cancelled) of every class a person is active in, ending after
    ``after`` and starting before ``until``, in time order."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE s.class_id IN (SELECT class_id FROM memberships"
        " WHERE person_id = ? AND active = 1) AND s.ends_at > ? AND s.starts_at < ?"
        " AND s.cancelled_at IS NULL ORDER BY s.starts_at, s.id",
        (person_id, to_db(after), to_db(until)),
    )
    return [session(r) for r in rows]


async def starting_between(db: Queryable, after: datetime, until: datetime) -> list[Session]:
    """Sessions (not cancelled) starting in (after, until], in time order."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE s.starts_at > ? AND s.starts_at <= ? AND s.cancelled_at IS NULL"
        " ORDER BY s.starts_at, s.id",
        (to_db(after), to_db(until)),
    )
    return [session(r) for r in rows]


async def ending_since(
    db: Queryable, since: datetime, until: datetime | None = None
) -> list[Session]:
    """Sessions (not cancelled) ending at or after ``since`` (and at or before ``until``),
    by their end."""
    if until is None:
        rows = await db.fetchall(
            f"{_SELECT} WHERE s.cancelled_at IS NULL AND s.ends_at >= ? ORDER BY s.ends_at, s.id",
            (to_db(since),),
        )
    else:
        rows = await db.fetchall(
            f"{_SELECT} WHERE s.cancelled_at IS NULL AND s.ends_at >= ? AND s.ends_at <= ?"
            " ORDER BY s.ends_at, s.id",
            (to_db(since), to_db(until)),
        )
    return [session(r) for r in rows]


async def class_days(
    db: Queryable, after: datetime, until: datetime
) -> list[tuple[int, str, str, datetime]]:
    """(class id, zone, settings, start) of each session not cancelled starting in
    [after, until): the days that have a morning digest."""
    rows = await db.fetchall(
        "SELECT s.class_id, c.timezone, c.settings, s.starts_at"
        + FROM
        + " WHERE s.starts_at >= ? AND s.starts_at < ? AND s.cancelled_at IS NULL",
        (to_db(after), to_db(until)),
    )
    return [(r[0], r[1], r[2], from_db(r[3])) for r in rows]


async def class_hours(db: Queryable, class_id: int) -> Fraction:
    """The class's total class hours (总学时): every session not cancelled, exactly."""
    rows = await db.fetchall(
        "SELECT hours FROM sessions WHERE class_id = ? AND cancelled_at IS NULL", (class_id,)
    )
    return sum((Fraction(str(r[0])) for r in rows), Fraction(0))


# -- instructors ------------------------------------------------------------------------------


async def instructors(db: Queryable, session_id: int) -> list[Recipient]:
    """The instructors of a session, in the order the timetable names them."""
    rows = await db.fetchall(
        f"SELECT {RECIPIENT_COLUMNS} FROM session_instructors si"
        " JOIN people p ON p.id = si.person_id WHERE si.session_id = ?"
        " ORDER BY si.position, p.id",
        (session_id,),
    )
    return [Recipient(*r) for r in rows]


async def instructor_names(db: Queryable, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The names of each session's instructors, in the timetable's order."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        "SELECT si.session_id, p.name FROM session_instructors si"
        f" JOIN people p ON p.id = si.person_id WHERE si.session_id IN ({marks})"
        " ORDER BY si.session_id, si.position, p.id",
        tuple(ids),
    )
    names: dict[int, tuple[str, ...]] = {}
    for session_id, name in rows:
        names[session_id] = (*names.get(session_id, ()), name)
    return names


async def taught_by(
    db: Queryable, person_id: int, *, until: datetime | None = None
) -> list[Session]:
    """Sessions an instructor gave (not cancelled) ending before ``until``, oldest first."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM session_instructors si JOIN sessions s ON s.id = si.session_id"
        " JOIN classes c ON c.id = s.class_id"
        " WHERE si.person_id = ? AND s.cancelled_at IS NULL AND s.ends_at < ?"
        " ORDER BY s.ends_at, s.id",
        (person_id, to_db(until) if until else "9999"),
    )
    return [session(r) for r in rows]


@dataclass(frozen=True)
class Taught:
    """One lecture in the school's table: who gave it."""

    instructor_id: int
    instructor_name: str
    session: Session


async def taught_between(
    db: Queryable, start: datetime, end: datetime, class_ids: Sequence[int] | None
) -> list[Taught]:
    """Lectures ending in [start, end), per instructor; only these classes if given."""
    sql = (
        f"SELECT p.id, p.name, {COLUMNS} FROM session_instructors si"
        " JOIN sessions s ON s.id = si.session_id JOIN classes c ON c.id = s.class_id"
        " JOIN people p ON p.id = si.person_id"
        " WHERE s.cancelled_at IS NULL AND s.ends_at >= ? AND s.ends_at < ?"
    )
    params: list[Any] = [to_db(start), to_db(end)]
    if class_ids is not None:
        sql += f" AND s.class_id IN ({','.join('?' * len(class_ids)) or 'NULL'})"
        params.extend(class_ids)
    rows = await db.fetchall(sql + " ORDER BY p.id, s.ends_at, s.id", params)
    return [Taught(r[0], r[1], session(r[2:])) for r in rows]
