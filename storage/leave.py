"""Leave requests (请假), their decisions, the decisions on trainees over the limit, and the
facts the limit is counted from.

Every state change is a conditional UPDATE or an INSERT guarded by a constraint, run inside
the caller's transaction, so two presses at the same moment cannot both win: the
UNIQUE(request_id, level) of leave_decisions settles "the first decision wins", and
UNIQUE(class_id, person_id) of limit_decisions the same for the over-limit decision. A change
that moves a request's timed work (sent, decided, cancelled) says so (``Topic.PLANS``), and
the jobs are planned again once it is committed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from storage import sessions
from storage.db import Queryable, Topic, Tx
from storage.sessions import Session
from storage.times import from_db, to_db

# -- requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveRequest:
    """A leave request with the sessions it covers."""

    id: int
    class_id: int
    person_id: int
    status: str
    reason: str
    attachment_file_id: str | None
    attachment_kind: str | None
    hours: Fraction
    levels_required: int
    created_at: datetime
    ended_early_at: datetime | None
    reported_back_at: datetime | None
    sessions: tuple[Session, ...]
    leave_type: str = "personal"  # a name of the class setting leave_types
    retroactive: bool = False  # 补假: a covered session had begun when it was sent
    recorded_by: int | None = None  # the class manager who recorded it for the trainee


_REQUEST_COLUMNS = (
    "id, class_id, person_id, status, reason, attachment_file_id, attachment_kind, hours,"
    " levels_required, created_at, ended_early_at, reported_back_at, leave_type, retroactive,"
    " recorded_by"
)
_COVERED = (
    "SELECT 1 FROM leave_sessions ls JOIN leave_requests r ON r.id = ls.request_id"
    " WHERE r.person_id = ? AND r.status IN ('pending', 'approved')"
)


async def get_request(db: Queryable, request_id: int) -> LeaveRequest | None:
    """A request by id, with its sessions."""
    row = await db.fetchone(
        f"SELECT {_REQUEST_COLUMNS} FROM leave_requests WHERE id = ?", (request_id,)
    )
    if row is None:
        return None
    rows = await db.fetchall(
        f"SELECT {sessions.COLUMNS} FROM leave_sessions ls JOIN sessions s ON s.id = ls.session_id"
        " JOIN classes c ON c.id = s.class_id WHERE ls.request_id = ? ORDER BY s.starts_at, s.id",
        (request_id,),
    )
    return LeaveRequest(
        *row[:7],
        Fraction(str(row[7])),
        row[8],
        from_db(row[9]),
        from_db(row[10]) if row[10] else None,
        from_db(row[11]) if row[11] else None,
        tuple(sessions.session(r) for r in rows),
        leave_type=row[12],
        retroactive=bool(row[13]),
        recorded_by=row[14],
    )


async def _requests_where(db: Queryable, where: str, params: tuple[Any, ...]) -> list[LeaveRequest]:
    # Only the named functions below call this, each with its own fixed condition.
    rows = await db.fetchall(f"SELECT id FROM leave_requests WHERE {where} ORDER BY id", params)
    found = [await get_request(db, r[0]) for r in rows]
    return [r for r in found if r is not None]


async def open_requests(db: Queryable) -> list[LeaveRequest]:
    """Requests timed work may still concern: pending, or approved and not reported back."""
    return await _requests_where(
        db, "status = 'pending' OR (status = 'approved' AND reported_back_at IS NULL)", ()
    )


async def pending_requests(db: Queryable, class_id: int) -> list[LeaveRequest]:
    """The class's requests still waiting for a decision, oldest first."""
    return await _requests_where(db, "class_id = ? AND status = 'pending'", (class_id,))


async def unreported_leave(
    db: Queryable, person_id: int, class_id: int | None = None
) -> list[LeaveRequest]:
    """The person's approved leave not reported back (销假) yet, in one class or in any."""
    where = "person_id = ? AND status = 'approved' AND reported_back_at IS NULL"
    if class_id is None:
        return await _requests_where(db, where, (person_id,))
    return await _requests_where(db, f"class_id = ? AND {where}", (class_id, person_id))


async def open_sessions(
    db: Queryable,
    class_id: int,
    person_id: int,
    now: datetime,
    until: datetime,
    limit: int,
    *,
    ended_since: datetime | None = None,
) -> list[Session]:
    """Sessions a new request of this person may cover: not cancelled, not yet covered by
    another pending or approved request of theirs, starting before ``until``, and not over
    (or, with ``ended_since``, over since then but not checked in to: leave after the fact)."""
    since = ended_since or now
    rows = await db.fetchall(
        f"SELECT {sessions.COLUMNS}{sessions.FROM}"
        " WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.ends_at > ? AND s.starts_at < ?"
        f" AND NOT EXISTS ({_COVERED} AND ls.session_id = s.id)"
        " AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id"
        "   AND a.person_id = ? AND a.checkin_at IS NOT NULL AND s.ends_at <= ?)"
        " ORDER BY s.starts_at, s.id LIMIT ?",
        (class_id, to_db(since), to_db(until), person_id, person_id, to_db(now), limit),
    )
    return [sessions.session(r) for r in rows]


async def create_request(
    tx: Tx,
    *,
    class_id: int,
    person_id: int,
    reason: str,
    attachment_file_id: str | None,
    attachment_kind: str | None,
    covered: Sequence[Session],
    hours: Fraction,
    levels_required: int,
    now: datetime,
    leave_type: str,
    retroactive: bool = False,
    recorded_by: int | None = None,
) -> int | None:
    """Insert a pending request; None if one of its sessions is covered by another already."""
    ids = [s.id for s in covered]
    marks = ",".join("?" * len(ids))
    taken = await tx.fetchone(f"{_COVERED} AND ls.session_id IN ({marks})", (person_id, *ids))
    if taken is not None:
        return None
    request_id = await tx.insert(
        "INSERT INTO leave_requests (class_id, person_id, status, reason, attachment_file_id,"
        " attachment_kind, hours, levels_required, created_at, updated_at, leave_type,"
        " retroactive, recorded_by) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            class_id,
            person_id,
            reason,
            attachment_file_id,
            attachment_kind,
            float(hours),
            levels_required,
            to_db(now),
            to_db(now),
            leave_type,
            int(retroactive),
            recorded_by,
        ),
    )
    await tx.executemany(
        "INSERT INTO leave_sessions (request_id, session_id) VALUES (?, ?)",
        [(request_id, i) for i in ids],
    )
    tx.changed(Topic.PLANS)
    return request_id


class Recorded(StrEnum):
    """What an attempt to record a decision came to."""

    DONE = "done"  # recorded
    DECIDED = "decided"  # someone decided this level first, or the request is closed
    WAITING = "waiting"  # level 2 pressed before level 1 approved


@dataclass(frozen=True)
class Decision:
    """One recorded decision."""

    level: int
    decided_by: int
    decider_name: str
    decision: str
    reason: str | None
    decided_at: datetime


async def decisions_of(db: Queryable, request_id: int) -> list[Decision]:
    """The decisions on a request, by level."""
    rows = await db.fetchall(
        "SELECT d.level, d.decided_by, p.name, d.decision, d.reason, d.decided_at"
        " FROM leave_decisions d JOIN people p ON p.id = d.decided_by"
        " WHERE d.request_id = ? ORDER BY d.level",
        (request_id,),
    )
    return [Decision(r[0], r[1], r[2], r[3], r[4], from_db(r[5])) for r in rows]


async def decide(
    tx: Tx,
    *,
    request_id: int,
    level: int,
    decided_by: int,
    decision: str,
    reason: str | None,
    now: datetime,
) -> Recorded:
    """Record a decision if the request still waits for this level; the first one wins.

    Who may decide is checked by the caller in the same transaction (bot/permissions.py).
    """
    row = await tx.fetchone(
        "SELECT status, levels_required FROM leave_requests WHERE id = ?", (request_id,)
    )
    if row is None or row[0] != "pending" or level > row[1]:
        return Recorded.DECIDED
    if level == 2:
        first = await tx.fetchone(
            "SELECT decision FROM leave_decisions WHERE request_id = ? AND level = 1",
            (request_id,),
        )
        if first is None:
            return Recorded.WAITING
    cursor = await tx.execute(
        "INSERT INTO leave_decisions (request_id, level, decided_by, decision, reason,"
        " decided_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, level) DO NOTHING",
        (request_id, level, decided_by, decision, reason, to_db(now)),
    )
    if cursor.rowcount != 1:
        return Recorded.DECIDED
    tx.changed(Topic.PLANS)
    if decision == "reject":
        status = "rejected"
    elif level == row[1]:
        status = "approved"
    else:
        return Recorded.DONE  # approved at level 1; the school decides next
    await tx.execute(
        "UPDATE leave_requests SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
        (status, to_db(now), request_id),
    )
    return Recorded.DONE


async def waiting_level(db: Queryable, request: LeaveRequest) -> int | None:
    """The level a pending request waits for, None if it waits for nobody."""
    if request.status != "pending":
        return None
    decided = {d.level for d in await decisions_of(db, request.id)}
    for level in range(1, request.levels_required + 1):
        if level not in decided:
            return level
    return None


async def set_status(tx: Tx, request_id: int, old: str, new: str, now: datetime) -> bool:
    """Move a request from one status to another; False if it was no longer ``old``."""
    cursor = await tx.execute(
        "UPDATE leave_requests SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        (new, to_db(now), request_id, old),
    )
    if cursor.rowcount == 1:
        tx.changed(Topic.PLANS)
    return cursor.rowcount == 1


async def mark_reported_back(tx: Tx, request_id: int, now: datetime) -> bool:
    """Record the trainee's report-back (销假); False if it was recorded before."""
    cursor = await tx.execute(
        "UPDATE leave_requests SET reported_back_at = ?, updated_at = ?"
        " WHERE id = ? AND status = 'approved' AND reported_back_at IS NULL",
        (to_db(now), to_db(now), request_id),
    )
    return cursor.rowcount == 1


async def end_early(
    tx: Tx, request_id: int, now: datetime, kept: list[int], hours: Fraction
) -> list[int]:
    """End approved leave early: only the ``kept`` sessions stay covered, the rest (and their
    hours) are given back. Returns the sessions given back, [] if it had ended before.

    The given-back sessions leave leave_sessions, so every feature that asks "is this
    session covered by approved leave" sees the leave as it now stands.
    """
    cursor = await tx.execute(
        "UPDATE leave_requests SET ended_early_at = ?, hours = ?, updated_at = ?"
        " WHERE id = ? AND status = 'approved' AND ended_early_at IS NULL",
        (to_db(now), float(hours), to_db(now), request_id),
    )
    if cursor.rowcount != 1:
        return []
    rows = await tx.fetchall(
        "SELECT session_id FROM leave_sessions WHERE request_id = ?", (request_id,)
    )
    given = sorted(r[0] for r in rows if r[0] not in set(kept))
    await tx.executemany(
        "DELETE FROM leave_sessions WHERE request_id = ? AND session_id = ?",
        [(request_id, i) for i in given],
    )
    return given


async def on_leave_session_ids(db: Queryable, person_id: int, class_id: int) -> set[int]:
    """Sessions covered by the person's approved leave that they did not check in to."""
    rows = await db.fetchall(
        "SELECT ls.session_id FROM leave_sessions ls"
        " JOIN leave_requests r ON r.id = ls.request_id"
        " JOIN sessions s ON s.id = ls.session_id"
        " WHERE r.person_id = ? AND r.class_id = ? AND r.status = 'approved'"
        " AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id"
        "   AND a.person_id = r.person_id AND a.checkin_at IS NOT NULL)",
        (person_id, class_id),
    )
    return {r[0] for r in rows}


async def on_leave(db: Queryable, session_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(person id, session id) of each of these sessions covered by approved leave."""
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


async def covered_sessions(db: Queryable, person_id: int, class_id: int) -> dict[int, str]:
    """Sessions of a class that a person's approved leave covers, with the leave's type."""
    rows = await db.fetchall(
        "SELECT ls.session_id, r.leave_type FROM leave_sessions ls"
        " JOIN leave_requests r ON r.id = ls.request_id"
        " WHERE r.person_id = ? AND r.class_id = ? AND r.status = 'approved'",
        (person_id, class_id),
    )
    return {r[0]: r[1] for r in rows}


# -- what the limit counts ---------------------------------------------------------------


async def approved_hours(db: Queryable, class_id: int, person_id: int) -> dict[str, Fraction]:
    """Hours of the person's approved leave in the class by type (given-back hours excluded)."""
    rows = await db.fetchall(
        "SELECT leave_type, hours FROM leave_requests WHERE class_id = ? AND person_id = ?"
        " AND status = 'approved'",
        (class_id, person_id),
    )
    found: dict[str, Fraction] = {}
    for leave_type, hours in rows:
        found[leave_type] = found.get(leave_type, Fraction(0)) + Fraction(str(hours))
    return found


async def approved_hours_of_class(db: Queryable, class_id: int) -> dict[int, dict[str, Fraction]]:
    """Every person's approved leave hours in the class, by type: person id -> type -> hours."""
    rows = await db.fetchall(
        "SELECT person_id, leave_type, hours FROM leave_requests"
        " WHERE class_id = ? AND status = 'approved'",
        (class_id,),
    )
    found: dict[int, dict[str, Fraction]] = {}
    for person_id, leave_type, hours in rows:  # summed here, exactly (1.5 is 3/2)
        mine = found.setdefault(person_id, {})
        mine[leave_type] = mine.get(leave_type, Fraction(0)) + Fraction(str(hours))
    return found


@dataclass(frozen=True)
class Attended:
    """What decides whether one person missed one closed session (bot/rules/attendance.py)."""

    person_id: int
    starts_at: datetime
    ends_at: datetime
    hours: Fraction
    checkin_at: datetime | None
    checkout_at: datetime | None
    override_status: str | None
    on_leave: bool  # covered by the person's approved leave
    session_id: int | None = None


_ON_LEAVE = (
    "EXISTS (SELECT 1 FROM leave_sessions ls JOIN leave_requests r ON r.id = ls.request_id"
    " WHERE ls.session_id = s.id AND r.person_id = {person} AND r.status = 'approved')"
)


def _attended(row: Any) -> Attended:
    return Attended(
        row[0],
        from_db(row[1]),
        from_db(row[2]),
        Fraction(str(row[3])),
        from_db(row[4]) if row[4] else None,
        from_db(row[5]) if row[5] else None,
        row[6],
        bool(row[7]),
        row[8] if len(row) > 8 else None,
    )


async def closed_sessions_of(
    db: Queryable, class_id: int, person_id: int, now: datetime
) -> list[Attended]:
    """The person's record of every session of the class (not cancelled) ended by ``now``."""
    rows = await db.fetchall(
        "SELECT ?, s.starts_at, s.ends_at, s.hours, a.checkin_at, a.checkout_at,"
        f" a.override_status, {_ON_LEAVE.format(person='?')}"
        " FROM sessions s LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = ?"
        " WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.ends_at <= ?",
        (person_id, person_id, person_id, class_id, to_db(now)),
    )
    return [_attended(r) for r in rows]


async def trainees_of_class(
    db: Queryable, class_id: int, ended_by: datetime, person_ids: Sequence[int] | None = None
) -> list[Attended]:
    """Every active trainee's (or these trainees') record of every session of the class
    (not cancelled) ended by ``ended_by``, in one read (the at-risk view of a class of
    900, the warnings of a session's close)."""
    only = ""
    params: tuple[Any, ...] = (class_id, to_db(ended_by))
    if person_ids is not None:
        only = " AND m.person_id IN (SELECT value FROM json_each(?))"
        params += (json.dumps(sorted(set(person_ids))),)
    rows = await db.fetchall(
        "SELECT m.person_id, s.starts_at, s.ends_at, s.hours, a.checkin_at, a.checkout_at,"
        f" a.override_status, {_ON_LEAVE.format(person='m.person_id')}, s.id"
        " FROM sessions s JOIN memberships m ON m.class_id = s.class_id"
        "   AND m.role = 'trainee' AND m.active = 1"
        " LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = m.person_id"
        f" WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.ends_at <= ?{only}"
        " ORDER BY m.person_id, s.starts_at",
        params,
    )
    return [_attended(r) for r in rows]


async def trainees_of_session(db: Queryable, session_id: int) -> list[Attended]:
    """Every active trainee's record of one session (none if it was cancelled)."""
    rows = await db.fetchall(
        "SELECT m.person_id, s.starts_at, s.ends_at, s.hours, a.checkin_at, a.checkout_at,"
        f" a.override_status, {_ON_LEAVE.format(person='m.person_id')}"
        " FROM sessions s JOIN memberships m ON m.class_id = s.class_id"
        "   AND m.role = 'trainee' AND m.active = 1"
        " LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = m.person_id"
        " WHERE s.id = ? AND s.cancelled_at IS NULL ORDER BY m.person_id",
        (session_id,),
    )
    return [_attended(r) for r in rows]


async def warned_thresholds_of_class(db: Queryable, class_id: int) -> dict[int, set[int]]:
    """The limit thresholds each person of a class was warned about, by person, in one read."""
    rows = await db.fetchall(
        "SELECT subject, json_extract(details, '$.threshold') FROM audit_log"
        " WHERE action = 'leave.limit_warning' AND class_id = ?",
        (class_id,),
    )
    found: dict[int, set[int]] = {}
    for subject, threshold in rows:
        found.setdefault(int(subject.removeprefix("person:")), set()).add(int(threshold))
    return found


async def warned_thresholds(db: Queryable, class_id: int, person_id: int) -> set[int]:
    """The limit thresholds this person was warned about (recorded in the audit log)."""
    rows = await db.fetchall(
        "SELECT json_extract(details, '$.threshold') FROM audit_log"
        " WHERE action = 'leave.limit_warning' AND class_id = ? AND subject = ?",
        (class_id, f"person:{person_id}"),
    )
    return {int(r[0]) for r in rows}


# -- cards and notices sent ----------------------------------------------------------------


def card_key(request_id: int, level: int, person_id: int) -> str:
    """The outbox key of a decider's card; the decision edits every card under it."""
    return f"leave:{request_id}:card:{level}:person:{person_id}"


def limit_notice_key(class_id: int, person_id: int, threshold: int) -> str:
    """The outbox key of a limit warning; staff copies add ``:staff:to:<person>``."""
    return f"leave:limit:{class_id}:person:{person_id}:{threshold}"


@dataclass(frozen=True)
class SentCard:
    """A card or notice queued to a decider's chat, sent or not."""

    outbox_id: int
    chat_id: int
    person_id: int | None
    status: str
    message_id: int | None


async def queued_like(db: Queryable, pattern: str) -> list[SentCard]:
    rows = await db.fetchall(
        "SELECT id, chat_id, person_id, status, telegram_message_id FROM outbox"
        " WHERE idempotency_key LIKE ? ORDER BY id",
        (pattern,),
    )
    return [SentCard(*r) for r in rows]


async def cards(db: Queryable, request_id: int, level: int) -> list[SentCard]:
    """The cards queued for a level of a request, sent or not."""
    return await queued_like(db, f"leave:{request_id}:card:{level}:person:%")


async def limit_notices(db: Queryable, class_id: int, person_id: int) -> list[SentCard]:
    """The over-limit notices queued to the deciders about this trainee, sent or not."""
    return await queued_like(db, limit_notice_key(class_id, person_id, 100) + ":staff:to:%")


# -- decisions on trainees over the limit --------------------------------------------------


@dataclass(frozen=True)
class LimitDecisionRow:
    """What a manager or admin recorded for a trainee over the limit."""

    class_id: int
    person_id: int
    decision: str  # 'dismissed' (责令退学) or 'continues' (准予继续)
    reason: str | None
    decided_by: int
    decider_name: str
    decided_at: datetime


async def limit_decision(db: Queryable, class_id: int, person_id: int) -> LimitDecisionRow | None:
    """The decision recorded for this trainee in this class, if any."""
    row = await db.fetchone(
        "SELECT d.class_id, d.person_id, d.decision, d.reason, d.decided_by, p.name,"
        " d.decided_at FROM limit_decisions d JOIN people p ON p.id = d.decided_by"
        " WHERE d.class_id = ? AND d.person_id = ?",
        (class_id, person_id),
    )
    return None if row is None else LimitDecisionRow(*row[:6], from_db(row[6]))


async def record_limit_decision(
    tx: Tx,
    *,
    class_id: int,
    person_id: int,
    decision: str,
    reason: str | None,
    decided_by: int,
    now: datetime,
) -> bool:
    """Record the decision unless one was recorded before (the first one wins)."""
    cursor = await tx.execute(
        "INSERT INTO limit_decisions (class_id, person_id, decision, reason, decided_by,"
        " decided_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (class_id, person_id) DO NOTHING",
        (class_id, person_id, decision, reason, decided_by, to_db(now)),
    )
    return cursor.rowcount == 1
