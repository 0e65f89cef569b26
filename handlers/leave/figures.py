"""The figures of the one-seventh rule, as the database says now: a trainee's leave (by
type, counted toward the limit or not) and unexcused absence against the class's limit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

from bot.rules import attendance, leave_limit
from bot.rules.class_settings import ClassSettings
from bot.rules.leave_limit import Tally
from handlers.leave.info import ClassInfo
from storage import attendance as attendance_rows
from storage import leave, sessions
from storage.db import Queryable
from storage.sessions import Session


def _absent(fact: leave.Attended, settings: ClassSettings, now: datetime) -> bool:
    record = attendance.Record(
        fact.checkin_at,
        fact.checkout_at,
        attendance.Status(fact.override_status) if fact.override_status else None,
    )
    outcome = attendance.status(
        record,
        attendance.windows(fact.starts_at, fact.ends_at, attendance.rules_of(settings)),
        on_leave=fact.on_leave,
        double_checkin=settings.double_checkin,
        now=now,
    )
    return outcome.status is attendance.Status.ABSENT


async def missed_hours(db: Queryable, info: ClassInfo, person_id: int, now: datetime) -> Fraction:
    """Hours of sessions missed without leave: the status ``absent`` of the attendance rules.

    Only closed sessions can be absent (the status decides), so this reads the sessions
    that ended before now, the person's records and their approved leave.
    """
    facts = await leave.closed_sessions_of(db, info.row.id, person_id, now)
    return leave_limit.total(f.hours for f in facts if _absent(f, info.settings, now))


async def absent_trainees(
    db: Queryable, info: ClassInfo, session_id: int, now: datetime
) -> list[int]:
    """The active trainees absent from a session at ``now`` (none before it closes)."""
    facts = await leave.trainees_of_session(db, session_id)
    return [f.person_id for f in facts if _absent(f, info.settings, now)]


async def tallies_of(
    db: Queryable, info: ClassInfo, person_ids: Sequence[int], now: datetime
) -> dict[int, Tally]:
    """``tally_of`` for each of these trainees, in three reads whatever their number."""
    missed: dict[int, Fraction] = dict.fromkeys(person_ids, Fraction(0))
    if info.settings.absence_counts_toward_limit:
        for fact in await leave.trainees_of_class(db, info.row.id, now, person_ids):
            if _absent(fact, info.settings, now):
                missed[fact.person_id] += fact.hours
    by_person = await leave.approved_hours_of_class(db, info.row.id)
    total = await sessions.class_hours(db, info.row.id)
    tallies = {}
    for person_id in person_ids:
        counted, uncounted = leave_limit.split_counted(
            by_person.get(person_id, {}), info.settings.leave_type_counts
        )
        tallies[person_id] = Tally(
            total, info.settings.leave_limit_ratio, counted, missed[person_id], uncounted
        )
    return tallies


async def missed_among(
    db: Queryable, info: ClassInfo, person_id: int, covered: Sequence[Session], now: datetime
) -> Fraction:
    """Hours of these sessions the person is counted absent from now (leave after the fact
    would turn them into leave: counted once, not twice, in the figures)."""
    if not info.settings.absence_counts_toward_limit:
        return Fraction(0)
    away = {
        sid for pid, sid in await leave.on_leave(db, [s.id for s in covered]) if pid == person_id
    }
    missed = Fraction(0)
    for session in covered:
        if session.ends_at > now:
            continue
        row = await attendance_rows.record_of(db, session.id, person_id)
        fact = leave.Attended(
            person_id,
            session.starts_at,
            session.ends_at,
            session.hours,
            row.checkin_at if row else None,
            row.checkout_at if row else None,
            row.override_status if row else None,
            session.id in away,
        )
        if _absent(fact, info.settings, now):
            missed += session.hours
    return missed


async def tally_of(db: Queryable, info: ClassInfo, person_id: int, now: datetime) -> Tally:
    """A trainee's leave against their class's limit, as the database says now."""
    missed = (
        await missed_hours(db, info, person_id, now)
        if info.settings.absence_counts_toward_limit
        else Fraction(0)
    )
    by_type = await leave.approved_hours(db, info.row.id, person_id)
    counted, uncounted = leave_limit.split_counted(by_type, info.settings.leave_type_counts)
    return Tally(
        await sessions.class_hours(db, info.row.id),
        info.settings.leave_limit_ratio,
        counted,
        missed,
        uncounted,
    )
