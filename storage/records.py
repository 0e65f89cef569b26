"""The set-based reads of a class's records (bot/records/): its trainees, its timetable, every
attendance row streamed, its leave register, its ratings and its audit trail.

Each read takes a whole class at once (a class of 900 trainees and 200 sessions is 180,000
sign-in rows): the sign-in rows are streamed in batches (``Snapshot.stream``), everything
else is small enough to read whole.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from storage.db import Queryable, Snapshot
from storage.times import from_db


def _opt(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


@dataclass(frozen=True)
class Trainee:
    """A trainee of the class, as their records name them."""

    person_id: int
    name: str
    unit: str | None
    phone: str


async def trainees(db: Queryable, class_id: int) -> list[Trainee]:
    """The class's active trainees, in roster order."""
    rows = await db.fetchall(
        "SELECT p.id, p.name, p.unit, p.phone FROM memberships m JOIN people p"
        " ON p.id = m.person_id WHERE m.class_id = ? AND m.role = 'trainee' AND m.active = 1"
        " ORDER BY p.id",
        (class_id,),
    )
    return [Trainee(*r) for r in rows]


@dataclass(frozen=True)
class Held:
    """A session of the timetable (not cancelled), with its instructors' names."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    hours: Fraction
    location: str | None
    instructors: tuple[str, ...]


async def timetable(db: Queryable, class_id: int) -> list[Held]:
    """The class's sessions not cancelled, in time order."""
    rows = await db.fetchall(
        "SELECT s.id, s.title, s.starts_at, s.ends_at, s.hours, s.location,"
        " (SELECT group_concat(name, '、') FROM (SELECT p.name FROM session_instructors si"
        "   JOIN people p ON p.id = si.person_id WHERE si.session_id = s.id"
        "   ORDER BY si.position, p.id))"
        " FROM sessions s WHERE s.class_id = ? AND s.cancelled_at IS NULL"
        " ORDER BY s.starts_at, s.id",
        (class_id,),
    )
    return [
        Held(
            r[0],
            r[1],
            from_db(r[2]),
            from_db(r[3]),
            Fraction(str(r[4])),
            r[5],
            tuple(r[6].split("、")) if r[6] else (),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Cover:
    """The leave request (pending or approved) that covers a trainee's session."""

    request_id: int
    leave_type: str
    status: str


async def covers(db: Queryable, class_id: int) -> dict[tuple[int, int], Cover]:
    """(person id, session id) -> the pending or approved request covering it (at most one:
    a request never covers a session another pending or approved one covers)."""
    rows = await db.fetchall(
        "SELECT r.person_id, ls.session_id, r.id, r.leave_type, r.status FROM leave_requests r"
        " JOIN leave_sessions ls ON ls.request_id = r.id"
        " WHERE r.class_id = ? AND r.status IN ('pending', 'approved')",
        (class_id,),
    )
    return {(r[0], r[1]): Cover(r[2], r[3], r[4]) for r in rows}


class Mark(NamedTuple):
    """The stored record of one trainee in one session (all None: nothing recorded).

    A named tuple, not a frozen dataclass: an export builds 360,000 of them, and a frozen
    dataclass's __init__ (a setattr per field) took 1.5 s of that."""

    person_id: int
    session_id: int
    checkin_at: datetime | None
    checkin_method: str | None
    checkout_at: datetime | None
    checkout_method: str | None
    override_status: str | None
    override_reason: str | None


async def marks(
    db: Snapshot, class_id: int, order: Literal["session", "person"]
) -> AsyncIterator[list[Mark]]:
    """Every active trainee's record of every session not cancelled, in batches: by session
    then roster order (the sign-in sheet), or by trainee then time (the training files)."""
    by = (
        "s.starts_at, s.id, m.person_id" if order == "session" else "m.person_id, s.starts_at, s.id"
    )
    async for rows in db.stream(
        "SELECT m.person_id, s.id, a.checkin_at, a.checkin_method, a.checkout_at,"
        " a.checkout_method, a.override_status, a.override_reason"
        " FROM sessions s JOIN memberships m ON m.class_id = s.class_id"
        "   AND m.role = 'trainee' AND m.active = 1"
        " LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = m.person_id"
        f" WHERE s.class_id = ? AND s.cancelled_at IS NULL ORDER BY {by}",
        (class_id,),
        batch=1024,  # each batch is a point where the bot's other updates get their turn
    ):
        read = datetime.fromisoformat  # storage.times.from_db, inlined: 360,000 rows a read
        yield [
            Mark(
                r[0],
                r[1],
                None if r[2] is None else read(r[2]),
                r[3],
                None if r[4] is None else read(r[4]),
                r[5],
                r[6],
                r[7],
            )
            for r in rows
        ]


@dataclass(frozen=True)
class DecisionEntry:
    """One level's decision on a leave request."""

    level: int
    decision: str  # approve | reject
    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class LeaveEntry:
    """A leave request as the register shows it."""

    id: int
    person_id: int
    name: str
    unit: str | None
    leave_type: str
    status: str
    reason: str
    hours: Fraction
    created_at: datetime
    retroactive: bool
    recorded_by: str | None
    ended_early_at: datetime | None
    reported_back_at: datetime | None
    sessions: tuple[tuple[datetime, str], ...]  # (start, title), in time order
    decisions: tuple[DecisionEntry, ...]


async def leave_register(db: Queryable, class_id: int) -> list[LeaveEntry]:
    """Every leave request of the class, whatever became of it, oldest first."""
    rows = await db.fetchall(
        "SELECT r.id, r.person_id, p.name, p.unit, r.leave_type, r.status, r.reason, r.hours,"
        " r.created_at, r.retroactive, rb.name, r.ended_early_at, r.reported_back_at"
        " FROM leave_requests r JOIN people p ON p.id = r.person_id"
        " LEFT JOIN people rb ON rb.id = r.recorded_by WHERE r.class_id = ? ORDER BY r.id",
        (class_id,),
    )
    covered: dict[int, list[tuple[datetime, str]]] = {}
    for rid, starts, title in await db.fetchall(
        "SELECT ls.request_id, s.starts_at, s.title FROM leave_sessions ls"
        " JOIN sessions s ON s.id = ls.session_id JOIN leave_requests r ON r.id = ls.request_id"
        " WHERE r.class_id = ? ORDER BY s.starts_at, s.id",
        (class_id,),
    ):
        covered.setdefault(rid, []).append((from_db(starts), title))
    decided: dict[int, list[DecisionEntry]] = {}
    for rid, level, decision, by, at, reason in await db.fetchall(
        "SELECT d.request_id, d.level, d.decision, p.name, d.decided_at, d.reason"
        " FROM leave_decisions d JOIN people p ON p.id = d.decided_by"
        " JOIN leave_requests r ON r.id = d.request_id WHERE r.class_id = ?"
        " ORDER BY d.request_id, d.level",
        (class_id,),
    ):
        decided.setdefault(rid, []).append(DecisionEntry(level, decision, by, from_db(at), reason))
    return [
        LeaveEntry(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            Fraction(str(r[7])),
            from_db(r[8]),
            bool(r[9]),
            r[10],
            _opt(r[11]),
            _opt(r[12]),
            tuple(covered.get(r[0], ())),
            tuple(decided.get(r[0], ())),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class LimitEntry:
    """A decision on a trainee over the leave limit (责令退学 / 准予继续)."""

    person_id: int
    decision: str
    reason: str | None
    by: str
    at: datetime


async def limit_decisions(db: Queryable, class_id: int) -> dict[int, LimitEntry]:
    """The class's over-limit decisions, by trainee."""
    rows = await db.fetchall(
        "SELECT d.person_id, d.decision, d.reason, p.name, d.decided_at FROM limit_decisions d"
        " JOIN people p ON p.id = d.decided_by WHERE d.class_id = ?",
        (class_id,),
    )
    return {r[0]: LimitEntry(r[0], r[1], r[2], r[3], from_db(r[4])) for r in rows}


async def ratings_of_class(
    db: Queryable, class_id: int
) -> dict[int, list[tuple[dict[str, int], str | None]]]:
    """Session id -> its ratings' scores and comments (never who gave them)."""
    rows = await db.fetchall(
        "SELECT r.session_id, r.scores, r.comment FROM ratings r"
        " JOIN sessions s ON s.id = r.session_id WHERE s.class_id = ? ORDER BY r.id",
        (class_id,),
    )
    found: dict[int, list[tuple[dict[str, int], str | None]]] = {}
    for session_id, scores, comment in rows:
        found.setdefault(session_id, []).append((json.loads(scores), comment))
    return found


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log, with who made it."""

    id: int
    at: datetime
    actor: str  # 'cli', 'bot', 'telegram:<id>'
    actor_name: str | None
    action: str
    subject: str | None
    subject_name: str | None  # the person the entry is about, when the subject names one
    details: dict[str, Any]


# The person an entry is about: the subject itself (person:ID), the attendance record's
# person, the leave request's or the correction's trainee.
_SUBJECT_PERSON = (
    "CASE"
    " WHEN a.subject LIKE 'person:%' THEN CAST(substr(a.subject, 8) AS INTEGER)"
    " WHEN a.subject LIKE 'attendance:%' THEN"
    "   CAST(substr(a.subject, instr(a.subject, ':person:') + 8) AS INTEGER)"
    " WHEN a.subject LIKE 'leave:%' THEN"
    "   (SELECT person_id FROM leave_requests WHERE id = CAST(substr(a.subject, 7) AS INTEGER))"
    " WHEN a.subject LIKE 'correction:%' THEN"
    "   (SELECT person_id FROM corrections WHERE id = CAST(substr(a.subject, 12) AS INTEGER))"
    " END"
)
_AUDIT = (
    "SELECT a.id, a.at, a.actor, actor.name, a.action, a.subject, subject.name, a.details"
    " FROM (SELECT *, " + _SUBJECT_PERSON + " AS subject_person FROM audit_log a"
    " WHERE a.class_id = ?) a"
    " LEFT JOIN people actor ON actor.id = a.actor_id"
    " LEFT JOIN people subject ON subject.id = a.subject_person"
)


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r[0], from_db(r[1]), r[2], r[3], r[4], r[5], r[6], json.loads(r[7]))


async def audit_page(
    db: Queryable, class_id: int, *, person_id: int | None, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    """The class's audit entries newest first, one page, and how many there are in all;
    with ``person_id``, only those made by that person or about them."""
    where = "" if person_id is None else " WHERE a.actor_id = ? OR a.subject_person = ?"
    params: tuple[Any, ...] = (class_id,) if person_id is None else (class_id, person_id, person_id)
    total = await db.fetchone(
        "SELECT count(*) FROM (SELECT a.actor_id, " + _SUBJECT_PERSON + " AS subject_person"
        " FROM audit_log a WHERE a.class_id = ?) a" + where,
        params,
    )
    rows = await db.fetchall(
        _AUDIT + where + " ORDER BY a.at DESC, a.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_entry(r) for r in rows], int(total[0]) if total else 0


async def audit_trail(db: Snapshot, class_id: int) -> AsyncIterator[list[AuditEntry]]:
    """Every audit entry of the class, oldest first, in batches."""
    async for rows in db.stream(_AUDIT + " ORDER BY a.at, a.id", (class_id,)):
        yield [_entry(r) for r in rows]


async def people_named(
    db: Queryable, class_id: int, name: str
) -> list[tuple[int, str, str | None]]:
    """The members of a class (any role) whose name contains ``name``: (id, name, unit)."""
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.fetchall(
        "SELECT DISTINCT p.id, p.name, p.unit FROM memberships m JOIN people p"
        " ON p.id = m.person_id WHERE m.class_id = ? AND p.name LIKE ? ESCAPE '\\'"
        " ORDER BY p.name = ? DESC, p.id",
        (class_id, pattern, name),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def member(db: Queryable, class_id: int, person_id: int) -> str | None:
    """The name of a person who holds (or held) a role in the class; None if they never did."""
    row = await db.fetchone(
        "SELECT p.name FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND m.person_id = ? LIMIT 1",
        (class_id, person_id),
    )
    return None if row is None else str(row[0])


async def instructors_named(db: Queryable, name: str) -> list[tuple[int, str, str | None]]:
    """Instructors of any class whose name contains ``name`` (an exact match alone if there
    is one): (id, name, unit)."""
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.fetchall(
        "SELECT DISTINCT p.id, p.name, p.unit FROM memberships m JOIN people p"
        " ON p.id = m.person_id WHERE m.role = 'instructor' AND p.name LIKE ? ESCAPE '\\'"
        " ORDER BY p.id",
        (pattern,),
    )
    found = [(r[0], r[1], r[2]) for r in rows]
    exact = [f for f in found if f[1] == name]
    return exact or found
