"""Ratings of lectures, the rating forms being filled in, and who attended what.

Anonymity starts here: every query that feeds a view returns scores and comments without the
person. Only ``rating_of`` (a person's own rating, for their own form) and ``responders`` (who
answered, for reminders and for the class manager's list of who has not) know who answered,
and neither says what anyone answered to anyone else. When a session's window closes,
``anonymise`` drops the person from its ratings for good (migration 0002): from then on not
even the database knows who gave which rating.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Queryable, Tx
from storage.times import from_db, to_db

# A rating form's kind in the forms table, one per session: a person may have several open.
FORM_PREFIX = "rating:"

# Attended: a manager's mark of present, late or left early; without a mark, a check-in.
_ATTENDED = (
    "(a.override_status IN ('present', 'late', 'left_early')"
    " OR (a.override_status IS NULL AND a.checkin_at IS NOT NULL))"
)


@dataclass(frozen=True)
class Lecture:
    """A session, with what the rating rules need of its class."""

    id: int
    class_id: int
    class_name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    settings: str  # the class's settings JSON
    timezone: str


_LECTURE = (
    "s.id, s.class_id, c.name, s.title, s.starts_at, s.ends_at, s.cancelled_at IS NOT NULL,"
    " c.settings, c.timezone"
)


def _lecture(row: Any) -> Lecture:
    return Lecture(
        row[0],
        row[1],
        row[2],
        row[3],
        from_db(row[4]),
        from_db(row[5]),
        bool(row[6]),
        row[7],
        row[8],
    )


@dataclass(frozen=True)
class Recipient:
    """Someone the bot writes to: a trainee or an instructor."""

    person_id: int
    name: str
    telegram_user_id: int | None
    locale: str | None


async def lecture(db: Queryable, session_id: int) -> Lecture | None:
    """The session with this id, if any."""
    row = await db.fetchone(
        f"SELECT {_LECTURE} FROM sessions s JOIN classes c ON c.id = s.class_id WHERE s.id = ?",
        (session_id,),
    )
    return None if row is None else _lecture(row)


async def lectures_ending_since(db: Queryable, since: datetime) -> list[Lecture]:
    """Sessions not cancelled that end at or after ``since`` (the planner's horizon)."""
    rows = await db.fetchall(
        f"SELECT {_LECTURE} FROM sessions s JOIN classes c ON c.id = s.class_id"
        " WHERE s.cancelled_at IS NULL AND s.ends_at >= ? ORDER BY s.ends_at, s.id",
        (to_db(since),),
    )
    return [_lecture(r) for r in rows]


async def attended(db: Queryable, session_id: int, person_id: int) -> bool:
    """Whether a trainee still in the class attended a session (may rate it)."""
    row = await db.fetchone(
        "SELECT 1 FROM attendance a JOIN sessions s ON s.id = a.session_id"
        " JOIN memberships m ON m.class_id = s.class_id AND m.person_id = a.person_id"
        " WHERE a.session_id = ? AND a.person_id = ? AND m.role = 'trainee' AND m.active = 1"
        f" AND {_ATTENDED}",
        (session_id, person_id),
    )
    return row is not None


async def attendees(db: Queryable, session_id: int) -> list[Recipient]:
    """The trainees who attended a session, in roster order."""
    rows = await db.fetchall(
        "SELECT p.id, p.name, p.telegram_user_id, p.locale FROM attendance a"
        " JOIN sessions s ON s.id = a.session_id"
        " JOIN memberships m ON m.class_id = s.class_id AND m.person_id = a.person_id"
        " JOIN people p ON p.id = a.person_id"
        f" WHERE a.session_id = ? AND m.role = 'trainee' AND m.active = 1 AND {_ATTENDED}"
        " ORDER BY p.id",
        (session_id,),
    )
    return [Recipient(*r) for r in rows]


async def instructors(db: Queryable, session_id: int) -> list[Recipient]:
    """The instructors of a session."""
    rows = await db.fetchall(
        "SELECT p.id, p.name, p.telegram_user_id, p.locale FROM session_instructors si"
        " JOIN people p ON p.id = si.person_id WHERE si.session_id = ?"
        " ORDER BY si.position, p.id",
        (session_id,),
    )
    return [Recipient(*r) for r in rows]


async def attended_lectures(db: Queryable, person_id: int, since: datetime) -> list[Lecture]:
    """Sessions of a class the trainee is still in that they attended, ending at or after
    ``since``, latest first."""
    rows = await db.fetchall(
        f"SELECT {_LECTURE} FROM attendance a JOIN sessions s ON s.id = a.session_id"
        " JOIN classes c ON c.id = s.class_id"
        " JOIN memberships m ON m.class_id = s.class_id AND m.person_id = a.person_id"
        f" WHERE a.person_id = ? AND m.role = 'trainee' AND m.active = 1 AND {_ATTENDED}"
        " AND s.cancelled_at IS NULL AND s.ends_at >= ? ORDER BY s.ends_at DESC, s.id",
        (person_id, to_db(since)),
    )
    return [_lecture(r) for r in rows]


async def taught_lectures(
    db: Queryable, person_id: int, *, until: datetime | None = None
) -> list[Lecture]:
    """Sessions an instructor gave (not cancelled), oldest first, ending before ``until``."""
    rows = await db.fetchall(
        f"SELECT {_LECTURE} FROM session_instructors si JOIN sessions s ON s.id = si.session_id"
        " JOIN classes c ON c.id = s.class_id"
        " WHERE si.person_id = ? AND s.cancelled_at IS NULL AND s.ends_at < ?"
        " ORDER BY s.ends_at, s.id",
        (person_id, to_db(until) if until else "9999"),
    )
    return [_lecture(r) for r in rows]


@dataclass(frozen=True)
class Taught:
    """One lecture in the school's table: who gave it."""

    instructor_id: int
    instructor_name: str
    lecture: Lecture


async def taught_between(
    db: Queryable, start: datetime, end: datetime, class_ids: Sequence[int] | None
) -> list[Taught]:
    """Lectures ending in [start, end), per instructor; only these classes if given."""
    sql = (
        f"SELECT p.id, p.name, {_LECTURE} FROM session_instructors si"
        " JOIN sessions s ON s.id = si.session_id JOIN classes c ON c.id = s.class_id"
        " JOIN people p ON p.id = si.person_id"
        " WHERE s.cancelled_at IS NULL AND s.ends_at >= ? AND s.ends_at < ?"
    )
    params: list[Any] = [to_db(start), to_db(end)]
    if class_ids is not None:
        sql += f" AND s.class_id IN ({','.join('?' * len(class_ids)) or 'NULL'})"
        params.extend(class_ids)
    rows = await db.fetchall(sql + " ORDER BY p.id, s.ends_at, s.id", params)
    return [Taught(r[0], r[1], _lecture(r[2:])) for r in rows]


async def scores_of(db: Queryable, session_id: int) -> list[tuple[dict[str, int], str | None]]:
    """Every rating of a session as (scores, comment), without who gave it."""
    rows = await db.fetchall(
        "SELECT scores, comment FROM ratings WHERE session_id = ? ORDER BY scores, comment",
        (session_id,),
    )
    return [(json.loads(r[0]), r[1]) for r in rows]


async def responders(db: Queryable, session_id: int) -> set[int]:
    """Who rated a session (for reminders and the not-yet-answered list; never with scores).

    Empty once the session's ratings are anonymised: its window has closed by then.
    """
    rows = await db.fetchall(
        "SELECT person_id FROM ratings WHERE session_id = ? AND person_id IS NOT NULL",
        (session_id,),
    )
    return {r[0] for r in rows}


async def anonymise(tx: Tx, session_id: int) -> None:
    """Forget who gave each rating of a session whose window closed (the rule needs it no more)."""
    await tx.execute(
        "UPDATE ratings SET person_id = NULL WHERE session_id = ? AND person_id IS NOT NULL",
        (session_id,),
    )


async def anonymised(db: Queryable, session_id: int) -> bool:
    """Whether a session's ratings were anonymised (its window closed and its summary went)."""
    row = await db.fetchone(
        "SELECT 1 FROM ratings WHERE session_id = ? AND person_id IS NULL LIMIT 1", (session_id,)
    )
    return row is not None


async def rating_of(
    db: Queryable, session_id: int, person_id: int
) -> tuple[dict[str, int], str | None] | None:
    """A person's own rating of a session, to prefill their form."""
    row = await db.fetchone(
        "SELECT scores, comment FROM ratings WHERE session_id = ? AND person_id = ?",
        (session_id, person_id),
    )
    return None if row is None else (json.loads(row[0]), row[1])


async def save_rating(
    tx: Tx,
    session_id: int,
    person_id: int,
    scores: dict[str, int],
    comment: str | None,
    now: datetime,
) -> None:
    """Store or replace a person's rating of a session (one per person: the UNIQUE key)."""
    await tx.execute(
        "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, person_id) DO UPDATE SET"
        " scores = excluded.scores, comment = excluded.comment, updated_at = excluded.updated_at",
        (session_id, person_id, json.dumps(scores), comment, to_db(now), to_db(now)),
    )


async def form(db: Queryable, person_id: int, session_id: int) -> dict[str, Any] | None:
    """A half-filled rating form, if the person has one for this session."""
    row = await db.fetchone(
        "SELECT data FROM forms WHERE person_id = ? AND kind = ?",
        (person_id, f"{FORM_PREFIX}{session_id}"),
    )
    return None if row is None else json.loads(row[0])


async def forms_of(db: Queryable, person_id: int) -> dict[int, dict[str, Any]]:
    """Every rating form a person has open, by session id."""
    rows = await db.fetchall(
        "SELECT kind, data FROM forms WHERE person_id = ? AND kind LIKE ?",
        (person_id, f"{FORM_PREFIX}%"),
    )
    return {int(r[0].removeprefix(FORM_PREFIX)): json.loads(r[1]) for r in rows}


async def save_form(
    tx: Tx, person_id: int, session_id: int, data: dict[str, Any], now: datetime
) -> None:
    """Write a rating form's state."""
    await tx.execute(
        "INSERT INTO forms (person_id, kind, data, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (person_id, kind) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (person_id, f"{FORM_PREFIX}{session_id}", json.dumps(data, ensure_ascii=False), to_db(now)),
    )


async def delete_form(tx: Tx, person_id: int, session_id: int) -> None:
    """Drop a rating form (submitted, or its window closed)."""
    await tx.execute(
        "DELETE FROM forms WHERE person_id = ? AND kind = ?",
        (person_id, f"{FORM_PREFIX}{session_id}"),
    )


async def drop_forms(tx: Tx, session_id: int) -> None:
    """Drop every half-filled form of a session whose window closed."""
    await tx.execute("DELETE FROM forms WHERE kind = ?", (f"{FORM_PREFIX}{session_id}",))
