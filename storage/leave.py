"""Leave requests (请假), their decisions, the forms being filled in, and the hours they count.

Every state change is a conditional UPDATE or an INSERT guarded by a constraint, run inside
the caller's transaction, so two presses at the same moment cannot both win: the
UNIQUE(request_id, level) of leave_decisions settles "the first decision wins".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from bot.rules import attendance
from bot.rules.class_settings import ClassSettings
from bot.rules.leave import Slot
from bot.rules.leave_limit import Tally, total
from storage.classes import ClassRow
from storage.db import Queryable, Tx
from storage.times import from_db, to_db

FORM_ASK = "leave"  # a trainee's request being written
FORM_REJECT = "leave_reject"  # a decider's reason for a rejection being written
FORM_LIMIT = "leave_limit"  # a decider's reason for letting an over-limit trainee continue


# -- forms -------------------------------------------------------------------------------


async def get_form(
    db: Queryable, person_id: int, kind: str, *, since: datetime | None = None
) -> dict[str, Any] | None:
    """The person's half-filled form of this kind, if any (touched at or after ``since``)."""
    row = await db.fetchone(
        "SELECT data FROM forms WHERE person_id = ? AND kind = ? AND updated_at >= ?",
        (person_id, kind, to_db(since) if since else ""),
    )
    return None if row is None else json.loads(row[0])


async def save_form(tx: Tx, person_id: int, kind: str, data: dict[str, Any], now: datetime) -> None:
    """Create or replace the person's form of this kind."""
    await tx.execute(
        "INSERT INTO forms (person_id, kind, data, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (person_id, kind) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (person_id, kind, json.dumps(data, ensure_ascii=False), to_db(now)),
    )


async def drop_form(tx: Tx, person_id: int, kind: str) -> None:
    """Forget the person's form of this kind."""
    await tx.execute("DELETE FROM forms WHERE person_id = ? AND kind = ?", (person_id, kind))


async def was_processed(db: Queryable, update_id: int) -> bool:
    """Whether an update's effects were committed before (a redelivery)."""
    row = await db.fetchone("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
    return row is not None


# -- sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveSession:
    """A session as a leave request shows it."""

    id: int
    class_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    hours: Fraction

    @property
    def slot(self) -> Slot:
        """The session for the pure rules."""
        return Slot(self.id, self.starts_at, self.ends_at, self.hours)


_SESSION_COLUMNS = "s.id, s.class_id, s.title, s.starts_at, s.ends_at, s.hours"


def _session(row: Any) -> LeaveSession:
    return LeaveSession(
        row[0], row[1], row[2], from_db(row[3]), from_db(row[4]), Fraction(str(row[5]))
    )


async def open_sessions(
    db: Queryable, class_id: int, person_id: int, now: datetime, until: datetime, limit: int
) -> list[LeaveSession]:
    """Sessions a new request of this person may cover: not over, not cancelled, not yet
    covered by another pending or approved request of theirs, starting before ``until``."""
    rows = await db.fetchall(
        f"SELECT {_SESSION_COLUMNS} FROM sessions s"
        " WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.ends_at > ? AND s.starts_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM leave_sessions ls"
        "   JOIN leave_requests r ON r.id = ls.request_id"
        "   WHERE ls.session_id = s.id AND r.person_id = ?"
        "   AND r.status IN ('pending', 'approved'))"
        " ORDER BY s.starts_at, s.id LIMIT ?",
        (class_id, to_db(now), to_db(until), person_id, limit),
    )
    return [_session(r) for r in rows]


async def sessions_by_id(db: Queryable, ids: list[int]) -> list[LeaveSession]:
    """These sessions (cancelled ones included), in time order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.id IN ({marks})"
        " ORDER BY s.starts_at, s.id",
        tuple(ids),
    )
    return [_session(r) for r in rows]


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
    sessions: tuple[LeaveSession, ...]

    @property
    def slots(self) -> list[Slot]:
        """The covered sessions for the pure rules."""
        return [s.slot for s in self.sessions]


_REQUEST_COLUMNS = (
    "id, class_id, person_id, status, reason, attachment_file_id, attachment_kind, hours,"
    " levels_required, created_at, ended_early_at, reported_back_at"
)


async def get_request(db: Queryable, request_id: int) -> LeaveRequest | None:
    """A request by id, with its sessions."""
    row = await db.fetchone(
        f"SELECT {_REQUEST_COLUMNS} FROM leave_requests WHERE id = ?", (request_id,)
    )
    if row is None:
        return None
    rows = await db.fetchall(
        f"SELECT {_SESSION_COLUMNS} FROM leave_sessions ls JOIN sessions s ON s.id = ls.session_id"
        " WHERE ls.request_id = ? ORDER BY s.starts_at, s.id",
        (request_id,),
    )
    return LeaveRequest(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        Fraction(str(row[7])),
        row[8],
        from_db(row[9]),
        from_db(row[10]) if row[10] else None,
        from_db(row[11]) if row[11] else None,
        tuple(_session(r) for r in rows),
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
    if class_id is None:
        return await _requests_where(
            db,
            "person_id = ? AND status = 'approved' AND reported_back_at IS NULL",
            (person_id,),
        )
    return await _requests_where(
        db,
        "class_id = ? AND person_id = ? AND status = 'approved' AND reported_back_at IS NULL",
        (class_id, person_id),
    )


async def create_request(
    tx: Tx,
    *,
    class_id: int,
    person_id: int,
    reason: str,
    attachment_file_id: str | None,
    attachment_kind: str | None,
    sessions: list[LeaveSession],
    levels_required: int,
    now: datetime,
) -> int | None:
    """Insert a pending request; None if one of its sessions is covered by another already."""
    ids = [s.id for s in sessions]
    marks = ",".join("?" * len(ids))
    taken = await tx.fetchone(
        "SELECT 1 FROM leave_sessions ls JOIN leave_requests r ON r.id = ls.request_id"
        f" WHERE r.person_id = ? AND r.status IN ('pending', 'approved')"
        f" AND ls.session_id IN ({marks})",
        (person_id, *ids),
    )
    if taken is not None:
        return None
    hours = total(s.hours for s in sessions)
    request_id = await tx.insert(
        "INSERT INTO leave_requests (class_id, person_id, status, reason, attachment_file_id,"
        " attachment_kind, hours, levels_required, created_at, updated_at)"
        " VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
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
        ),
    )
    await tx.executemany(
        "INSERT INTO leave_sessions (request_id, session_id) VALUES (?, ?)",
        [(request_id, i) for i in ids],
    )
    return request_id


class Outcome(StrEnum):
    """What a decision attempt came to."""

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
) -> Outcome:
    """Record a decision if the request still waits for this level; the first one wins.

    Who may decide is checked by the caller in the same transaction (may_decide).
    """
    row = await tx.fetchone(
        "SELECT status, levels_required FROM leave_requests WHERE id = ?", (request_id,)
    )
    if row is None or row[0] != "pending" or level > row[1]:
        return Outcome.DECIDED
    if level == 2:
        first = await tx.fetchone(
            "SELECT decision FROM leave_decisions WHERE request_id = ? AND level = 1",
            (request_id,),
        )
        if first is None:
            return Outcome.WAITING
    cursor = await tx.execute(
        "INSERT INTO leave_decisions (request_id, level, decided_by, decision, reason,"
        " decided_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, level) DO NOTHING",
        (request_id, level, decided_by, decision, reason, to_db(now)),
    )
    if cursor.rowcount != 1:
        return Outcome.DECIDED
    if decision == "reject":
        status = "rejected"
    elif level == row[1]:
        status = "approved"
    else:
        return Outcome.DONE  # approved at level 1; the school decides next
    await tx.execute(
        "UPDATE leave_requests SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
        (status, to_db(now), request_id),
    )
    return Outcome.DONE


async def waiting_level(db: Queryable, request: LeaveRequest) -> int | None:
    """The level a pending request waits for, None if it waits for nobody."""
    if request.status != "pending":
        return None
    decided = {d.level for d in await decisions_of(db, request.id)}
    for level in range(1, request.levels_required + 1):
        if level not in decided:
            return level
    return None


async def may_decide(db: Queryable, person_id: int, class_id: int, level: int) -> bool:
    """Whether a person may decide at this level for the class: a manager for level 1,
    an admin for level 2, active in the class now."""
    role = "manager" if level == 1 else "admin"
    row = await db.fetchone(
        "SELECT 1 FROM memberships WHERE person_id = ? AND class_id = ? AND role = ?"
        " AND active = 1",
        (person_id, class_id, role),
    )
    return row is not None


async def set_status(tx: Tx, request_id: int, old: str, new: str, now: datetime) -> bool:
    """Move a request from one status to another; False if it was no longer ``old``."""
    cursor = await tx.execute(
        "UPDATE leave_requests SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        (new, to_db(now), request_id, old),
    )
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
    """Sessions covered by the person's approved leave (for the status "on leave")."""
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


# -- hours -------------------------------------------------------------------------------


async def class_hours(db: Queryable, class_id: int) -> Fraction:
    """The class's total class hours (总学时): every session not cancelled."""
    rows = await db.fetchall(
        "SELECT hours FROM sessions WHERE class_id = ? AND cancelled_at IS NULL", (class_id,)
    )
    return total(r[0] for r in rows)


async def approved_hours(db: Queryable, class_id: int, person_id: int) -> Fraction:
    """Hours of the person's approved leave in the class (given-back hours excluded)."""
    rows = await db.fetchall(
        "SELECT hours FROM leave_requests WHERE class_id = ? AND person_id = ?"
        " AND status = 'approved'",
        (class_id, person_id),
    )
    return total(r[0] for r in rows)


def _is_absent(row: Any, settings: ClassSettings, now: datetime) -> bool:
    # row: starts_at, ends_at, checkin_at, checkout_at, override_status, on approved leave
    record = attendance.Record(
        from_db(row[2]) if row[2] else None,
        from_db(row[3]) if row[3] else None,
        attendance.Status(row[4]) if row[4] else None,
    )
    outcome = attendance.status(
        record,
        attendance.windows(from_db(row[0]), from_db(row[1]), attendance.rules_of(settings)),
        on_leave=bool(row[5]),
        double_checkin=settings.double_checkin,
        now=now,
    )
    return outcome.status is attendance.Status.ABSENT


async def missed_hours(
    db: Queryable, class_id: int, person_id: int, now: datetime, settings: ClassSettings
) -> Fraction:
    """Hours of sessions missed without leave: the status ``absent`` of bot/attendance.py.

    Only closed sessions can be absent (the status function decides), so this reads the
    sessions that ended before now, the person's records and their approved leave.
    """
    rows = await db.fetchall(
        "SELECT s.starts_at, s.ends_at, a.checkin_at, a.checkout_at, a.override_status,"
        " EXISTS (SELECT 1 FROM leave_sessions ls JOIN leave_requests r ON r.id = ls.request_id"
        "   WHERE ls.session_id = s.id AND r.person_id = ? AND r.status = 'approved'),"
        " s.hours"
        " FROM sessions s LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = ?"
        " WHERE s.class_id = ? AND s.cancelled_at IS NULL AND s.ends_at <= ?",
        (person_id, person_id, class_id, to_db(now)),
    )
    return total(row[6] for row in rows if _is_absent(row, settings, now))


async def absent_trainees(
    db: Queryable, session_id: int, now: datetime, settings: ClassSettings
) -> list[int]:
    """The active trainees of the session's class who are absent from it at ``now`` (none
    before it closes, none if it was cancelled)."""
    rows = await db.fetchall(
        "SELECT s.starts_at, s.ends_at, a.checkin_at, a.checkout_at, a.override_status,"
        " EXISTS (SELECT 1 FROM leave_sessions ls JOIN leave_requests r ON r.id = ls.request_id"
        "   WHERE ls.session_id = s.id AND r.person_id = m.person_id"
        "   AND r.status = 'approved'),"
        " m.person_id"
        " FROM sessions s JOIN memberships m ON m.class_id = s.class_id"
        "   AND m.role = 'trainee' AND m.active = 1"
        " LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = m.person_id"
        " WHERE s.id = ? AND s.cancelled_at IS NULL ORDER BY m.person_id",
        (session_id,),
    )
    return [row[6] for row in rows if _is_absent(row, settings, now)]


async def session_class(db: Queryable, session_id: int) -> int | None:
    """The class a session belongs to."""
    row = await db.fetchone("SELECT class_id FROM sessions WHERE id = ?", (session_id,))
    return None if row is None else row[0]


async def tally(
    db: Queryable, class_id: int, person_id: int, now: datetime, settings: ClassSettings
) -> Tally:
    """The person's leave against the class's limit, as the database says now."""
    missed = (
        await missed_hours(db, class_id, person_id, now, settings)
        if settings.absence_counts_toward_limit
        else Fraction(0)
    )
    return Tally(
        await class_hours(db, class_id),
        settings.leave_limit_ratio,
        await approved_hours(db, class_id, person_id),
        missed,
    )


# -- people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Someone the leave feature writes to."""

    person_id: int
    name: str
    telegram_user_id: int
    locale: str | None


async def holders(db: Queryable, class_id: int, roles: tuple[str, ...]) -> list[Recipient]:
    """The bound people holding one of these roles in the class."""
    marks = ",".join("?" * len(roles))
    rows = await db.fetchall(
        "SELECT DISTINCT p.id, p.name, p.telegram_user_id, p.locale FROM memberships m"
        " JOIN people p ON p.id = m.person_id"
        f" WHERE m.class_id = ? AND m.active = 1 AND m.role IN ({marks})"
        " AND p.telegram_user_id IS NOT NULL ORDER BY p.id",
        (class_id, *roles),
    )
    return [Recipient(r[0], r[1], r[2], r[3]) for r in rows]


async def recipient(db: Queryable, person_id: int) -> Recipient | None:
    """A person the bot can write to, None if not bound."""
    row = await db.fetchone(
        "SELECT id, name, telegram_user_id, locale FROM people WHERE id = ?"
        " AND telegram_user_id IS NOT NULL",
        (person_id,),
    )
    return None if row is None else Recipient(row[0], row[1], row[2], row[3])


async def class_row(db: Queryable, class_id: int) -> ClassRow | None:
    """A class by id."""
    row = await db.fetchone(
        "SELECT id, name, start_date, end_date, timezone, settings FROM classes WHERE id = ?",
        (class_id,),
    )
    return None if row is None else ClassRow(*row)


async def is_trainee(db: Queryable, class_id: int, person_id: int) -> bool:
    """Whether a person is an active trainee of the class now."""
    row = await db.fetchone(
        "SELECT 1 FROM memberships WHERE class_id = ? AND person_id = ? AND role = 'trainee'"
        " AND active = 1",
        (class_id, person_id),
    )
    return row is not None


async def person_name(db: Queryable, person_id: int) -> tuple[str | None, str | None]:
    """A person's name and unit; (None, None) if there is no such person (the templates
    say what to show then)."""
    row = await db.fetchone("SELECT name, unit FROM people WHERE id = ?", (person_id,))
    return (row[0], row[1]) if row else (None, None)


async def warned_thresholds(db: Queryable, class_id: int, person_id: int) -> set[int]:
    """The limit thresholds this person was warned about (recorded in the audit log)."""
    rows = await db.fetchall(
        "SELECT json_extract(details, '$.threshold') FROM audit_log"
        " WHERE action = 'leave.limit_warning' AND class_id = ? AND subject = ?",
        (class_id, f"person:{person_id}"),
    )
    return {int(r[0]) for r in rows}


# -- cards -------------------------------------------------------------------------------


def card_key(request_id: int, level: int, person_id: int) -> str:
    """The outbox key of a decider's card; the decision edits every card under it."""
    return f"leave:{request_id}:card:{level}:person:{person_id}"


@dataclass(frozen=True)
class SentCard:
    """A card in a decider's chat."""

    outbox_id: int
    chat_id: int
    person_id: int | None
    status: str
    message_id: int | None


async def cards(db: Queryable, request_id: int, level: int) -> list[SentCard]:
    """The cards queued for a level of a request, sent or not."""
    rows = await db.fetchall(
        "SELECT id, chat_id, person_id, status, telegram_message_id FROM outbox"
        " WHERE idempotency_key LIKE ? ORDER BY id",
        (f"leave:{request_id}:card:{level}:person:%",),
    )
    return [SentCard(r[0], r[1], r[2], r[3], r[4]) for r in rows]


# -- decisions on trainees over the limit --------------------------------------------------


def limit_notice_key(class_id: int, person_id: int, threshold: int) -> str:
    """The outbox key of a limit warning; staff copies add ``:staff:to:<person>``."""
    return f"leave:limit:{class_id}:person:{person_id}:{threshold}"


async def limit_notices(db: Queryable, class_id: int, person_id: int) -> list[SentCard]:
    """The over-limit notices queued to the deciders about this trainee, sent or not."""
    rows = await db.fetchall(
        "SELECT id, chat_id, person_id, status, telegram_message_id FROM outbox"
        " WHERE idempotency_key LIKE ? ORDER BY id",
        (limit_notice_key(class_id, person_id, 100) + ":staff:to:%",),
    )
    return [SentCard(r[0], r[1], r[2], r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class LimitDecision:
    """What a manager or admin recorded for a trainee over the limit."""

    class_id: int
    person_id: int
    decision: str  # 'dismissed' (责令退学) or 'continues' (准予继续)
    reason: str | None
    decided_by: int
    decider_name: str
    decided_at: datetime


async def limit_decision(db: Queryable, class_id: int, person_id: int) -> LimitDecision | None:
    """The decision recorded for this trainee in this class, if any."""
    row = await db.fetchone(
        "SELECT d.class_id, d.person_id, d.decision, d.reason, d.decided_by, p.name,"
        " d.decided_at FROM limit_decisions d JOIN people p ON p.id = d.decided_by"
        " WHERE d.class_id = ? AND d.person_id = ?",
        (class_id, person_id),
    )
    return None if row is None else LimitDecision(*row[:6], from_db(row[6]))


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


async def may_record_limit(db: Queryable, person_id: int, class_id: int) -> bool:
    """Whether a person may record a limit decision for the class: a manager or an admin
    of it, active now."""
    row = await db.fetchone(
        "SELECT 1 FROM memberships WHERE person_id = ? AND class_id = ?"
        " AND role IN ('manager', 'admin') AND active = 1",
        (person_id, class_id),
    )
    return row is not None
