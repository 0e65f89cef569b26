"""What leave does inside other features' transactions, and the warnings of the limit.

Check-in calls ``after_checkin`` in the transaction of a check-in: checking in during one's
own approved leave ends that leave early and counts as reporting back (销假), and a check-in
after the leave counts as reporting back. A session's close (when its absences become final)
warns the trainees its absences take past 50%, 80% or 100% of the leave limit: the close
summary job reads who that may be outside its write (``close_warnings``), so the write only
warns them (``warn_after_close``); ``after_close`` does both inside one transaction. The
approval of leave warns through the same ``warn_limit``, so each threshold is told once
whatever took the trainee past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.buttons import LimitDecide, RiskShow, keyboard, one_button
from bot.context import BotData
from bot.outbox import message
from bot.permissions import Capability
from bot.rules import leave as rules
from bot.rules import leave_limit
from bot.rules.leave_limit import LimitDecision, Tally
from handlers.leave import notify
from handlers.leave.figures import absent_trainees, tallies_of, tally_of
from handlers.leave.info import ClassInfo, class_info
from storage import attendance, audit, leave, outbox, people, sessions
from storage.db import Queryable, Tx
from storage.leave import LeaveRequest

# Who hears of each threshold: the 50% and 80% warnings go to those who follow the class,
# the over-limit flag to those who may record the decision on it.
_STAFF = {
    50: (Capability.FOLLOW_CLASS,),
    80: (Capability.FOLLOW_CLASS,),
    100: (Capability.DECIDE_OVER_LIMIT,),
}


async def after_checkin(
    tx: Tx, data: BotData, *, class_id: int, person_id: int, session_id: int, now: datetime
) -> list[int]:
    """Apply a check-in's effect on the person's leave; return the leave request ids changed.

    A check-in to a session the approved leave covers ends the leave early (the hours of the
    sessions from there on are given back: ``hours`` drops) and marks it reported back; a
    check-in to a session after the leave's sessions marks it reported back.
    """
    # Most check-ins come from someone with no open leave: one query, then nothing.
    open_leave = await leave.unreported_leave(tx, person_id, class_id)
    if not open_leave:
        return []
    here = await sessions.by_id(tx, session_id)
    if here is None:
        return []
    changed: list[int] = []
    for request in open_leave:
        ids = [s.id for s in request.sessions]
        if session_id in ids and request.ended_early_at is None:
            attended = await attendance.checked_in(tx, person_id, ids) | {session_id}
            kept = rules.covered_after_early_end(request.sessions, now, attended)
            hours = leave_limit.total(s.hours for s in kept)
            given = await leave.end_early(tx, request.id, now, [s.id for s in kept], hours)
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor="bot",
                action="leave.end_early",
                class_id=class_id,
                subject=f"leave:{request.id}",
                details={
                    "session": session_id,
                    "hours_before": str(request.hours),
                    "hours_after": str(hours),
                    "given_back_sessions": given,
                },
            )
            await _tell_ended_early(tx, data, request, request.hours - hours, now)
            changed.append(request.id)
        elif request.sessions and max(s.starts_at for s in request.sessions) < here.starts_at:
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor="bot",
                action="leave.report_back",
                class_id=class_id,
                subject=f"leave:{request.id}",
                details={"by_checkin": session_id},
            )
            changed.append(request.id)
    return changed


async def _tell_ended_early(
    tx: Tx, data: BotData, request: LeaveRequest, given_back: Fraction, now: datetime
) -> None:
    info = await class_info(tx, request.class_id)
    if info is not None:
        await notify.tell_person(
            tx,
            data,
            info,
            request.person_id,
            f"leave:{request.id}:ended_early",
            "ended_early",
            now,
            given_back=leave_limit.show(given_back),
        )


async def after_close(tx: Tx, data: BotData, *, session_id: int, now: datetime) -> list[int]:
    """At a session's close (its absences now final): warn, once per threshold, the trainees
    absent from it whom the class counts absences against; return the people warned.

    Only the absent trainees' totals changed at this close, so only they are looked at.
    """
    session = await sessions.by_id(tx, session_id)
    info = await class_info(tx, session.class_id) if session else None
    if info is None or not info.settings.absence_counts_toward_limit:
        return []
    warned = []
    for person_id in await absent_trainees(tx, info, session_id, now):
        if await warn_limit(tx, data, info, person_id=person_id, now=now):
            warned.append(person_id)
    return warned


@dataclass(frozen=True)
class CloseWarning:
    """A trainee a session's close may take past a threshold, as read before the write."""

    person_id: int
    tally: Tally


async def close_warnings(
    db: Queryable, *, session_id: int, now: datetime
) -> tuple[ClassInfo | None, list[CloseWarning]]:
    """Who a session's close (its absences now final) may take past a threshold: the
    absent trainees whose tally reaches one they were not warned about. Read outside the
    write in a fixed number of reads (a class of 900 took 900 statements inside it); the
    write checks the audit log again for each (``warn_after_close``)."""
    session = await sessions.by_id(db, session_id)
    info = await class_info(db, session.class_id) if session else None
    if info is None or not info.settings.absence_counts_toward_limit:
        return info, []
    absent = await absent_trainees(db, info, session_id, now)
    if not absent:
        return info, []
    tallies = await tallies_of(db, info, absent, now)
    warned = await leave.warned_thresholds_of_class(db, info.row.id)
    return info, [
        CloseWarning(person_id, tally)
        for person_id, tally in tallies.items()
        if set(tally.reached()) - warned.get(person_id, set())
    ]


async def warn_after_close(
    tx: Tx, data: BotData, info: ClassInfo | None, warnings: list[CloseWarning], now: datetime
) -> list[int]:
    """Warn, inside the close's write, the trainees ``close_warnings`` found; the people
    warned (each threshold still once: the audit log is read again here)."""
    warned = []
    for warning in warnings:
        assert info is not None
        if await warn_limit(
            tx, data, info, person_id=warning.person_id, now=now, tally=warning.tally
        ):
            warned.append(warning.person_id)
    return warned


async def warn_limit(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    *,
    person_id: int,
    now: datetime,
    tally: Tally | None = None,
) -> list[int]:
    """Warn once per threshold (50%, 80%, 100%) the trainee's total is now past; return the
    thresholds warned about now.

    The audit log remembers each threshold warned about, so each goes out once, ever, even
    if the total later drops and rises again. Several thresholds passed at once give one
    notice naming the highest. The over-limit notice to the deciders carries the buttons
    that record their decision (handlers/leave/dismissal.py).
    """
    class_id = info.row.id
    if tally is None:  # else read just before the write (close_warnings)
        tally = await tally_of(tx, info, person_id, now)
    new = sorted(set(tally.reached()) - await leave.warned_thresholds(tx, class_id, person_id))
    if not new:
        return []
    top = new[-1]
    figures = leave_limit.figures(tally)
    key = leave.limit_notice_key(class_id, person_id, top)
    await notify.tell_person(
        tx, data, info, person_id, key, "limit_trainee", now, threshold=top, t=figures
    )
    name, unit = await people.name_and_unit(tx, person_id)
    for who in await notify.staff(tx, info, _STAFF[top], exclude=person_id):
        locale = info.locale_of(who, data.config.locale)
        text = data.texts.render(
            locale,
            "leave.limit_staff",
            threshold=top,
            t=figures,
            name=name,
            unit=unit,
            class_name=info.row.name,
        )
        buttons = None
        if top == 80:  # the at-risk list is one tap away (handlers/risk)
            buttons = one_button(data.texts.plain(locale, "leave.limit_risk"), RiskShow(class_id))
        if top == 100:
            buttons = keyboard(
                [
                    [
                        (
                            data.texts.plain(locale, f"leave.limit_{d.value}"),
                            LimitDecide(class_id, person_id, d),
                        )
                        for d in LimitDecision
                    ]
                ]
            )
        assert who.telegram_user_id is not None
        await outbox.enqueue(
            tx,
            key=f"{key}:staff:to:{who.person_id}",
            chat_id=who.telegram_user_id,
            person_id=who.person_id,
            payload=message(text, keyboard=buttons),
            now=now,
        )
    for threshold in new:
        await audit.record(
            tx,
            at=now,
            actor="bot",
            action="leave.limit_warning",
            class_id=class_id,
            subject=f"person:{person_id}",
            details={"threshold": threshold, "used": str(tally.used), "limit": str(tally.limit)},
        )
    return new
