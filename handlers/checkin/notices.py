"""What check-in tells class managers on its own: lock-outs, and each session's summary.

Both go through the outbox under keys naming the cause, so they are sent once. The summary
is a planned job per session (``session:42:checkin-close``) at the end of its check-out
window, when statuses become final.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import outbox as outbox_payload
from bot.context import BotData
from bot.jobs import PlannedJob
from bot.rules.attendance import ATTENDED, Record, Status, status
from bot.rules.roles import Role
from handlers.checkin.common import hhmm, locale_of, settings_of, window_of
from handlers.leave import limit as leave_limit_effects
from storage import attendance, people
from storage.attendance import AttendanceRow, SessionRow
from storage.db import Database, Queryable, Tx
from storage.outbox import enqueue as outbox_enqueue

# A summary that could not be sent at the close is still worth sending this long after.
SUMMARY_USEFUL_FOR = timedelta(hours=12)


async def lockout(
    tx: Tx, data: BotData, session: SessionRow, person_id: int, failures: int, now: datetime
) -> None:
    """Queue a notice to each class manager: a trainee's check-in is locked."""
    person = await people.by_id(tx, person_id)
    name = person.name if person else None  # the template names no one rather than "?"
    for manager in await attendance.members(tx, session.class_id, Role.MANAGER):
        if manager.telegram_user_id is None:
            continue
        locale = locale_of(manager.locale, session, data.config)
        text = data.texts.render(
            locale,
            "checkin.lockout_notice",
            name=name,
            title=session.title,
            class_name=session.class_name,
            failures=failures,
        )
        await outbox_enqueue(
            tx,
            key=f"checkin:lockout:session:{session.id}:person:{person_id}:manager:{manager.person_id}",
            chat_id=manager.telegram_user_id,
            person_id=manager.person_id,
            payload=outbox_payload.message(text),
            now=now,
        )


def record_of(row: AttendanceRow | None) -> Record | None:
    """The pure rules' view of a stored row."""
    if row is None:
        return None
    override = Status(row.override_status) if row.override_status else None
    return Record(row.checkin_at, row.checkout_at, override)


async def roll_of(
    db: Queryable, session: SessionRow, now: datetime
) -> list[tuple[attendance.Member, Status, int | None]]:
    """Every trainee of the session's class with their status at ``now``."""
    trainees = await attendance.members(db, session.class_id, Role.TRAINEE)
    records = await attendance.records_of_session(db, session.id)
    leave = await attendance.on_leave(db, session.id)
    w = window_of(session)
    double = settings_of(session.settings).double_checkin
    result = []
    for member in trainees:
        outcome = status(
            record_of(records.get(member.person_id)),
            w,
            on_leave=member.person_id in leave,
            double_checkin=double,
            now=now,
        )
        result.append((member, outcome.status, outcome.late_minutes))
    return result


# Names shown per status: a 900-person class must still fit one message (4096 characters);
# the rest is counted ("and 840 more").
MAX_NAMES = 60


def summary_values(
    session: SessionRow, roll: list[tuple[attendance.Member, Status, int | None]]
) -> dict[str, object]:
    """What the summary and the roll call show: counts, and names (capped) by status.

    ``names[status]`` lists at most MAX_NAMES people as {"name", "late"} (the minutes late,
    for the template to show), ``counts[status]`` is everyone, ``more[status]`` the rest.
    """
    by: dict[str, list[dict[str, object]]] = {s.value: [] for s in Status}
    for member, st, late in roll:
        by[st.value].append({"name": member.name, "late": late if st is Status.LATE else None})
    attended = sum(len(by[s.value]) for s in ATTENDED)
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    return {
        "title": session.title,
        "class_name": session.class_name,
        "day": local.date(),
        "start": hhmm(session.starts_at, session),
        "end": hhmm(session.ends_at, session),
        "total": len(roll),
        "attended": attended,
        "names": {key: found[:MAX_NAMES] for key, found in by.items()},
        "counts": {key: len(found) for key, found in by.items()},
        "more": {key: max(0, len(found) - MAX_NAMES) for key, found in by.items()},
    }


async def send_summary(data: BotData, session_id: int, now: datetime) -> None:
    """Queue the session's final summary to each class manager (idempotent)."""
    session = await attendance.session_by_id(data.db, session_id)
    if session is None or session.cancelled:
        return
    roll = await roll_of(data.db, session, now)
    if not roll:
        return
    values = summary_values(session, roll)

    async def op(tx: Tx) -> None:
        # Absences are final now: they may take a trainee past the leave limit's warnings.
        await leave_limit_effects.after_close(tx, data, session_id=session.id, now=now)
        for manager in await attendance.members(tx, session.class_id, Role.MANAGER):
            if manager.telegram_user_id is None:
                continue
            locale = locale_of(manager.locale, session, data.config)
            text = data.texts.render(locale, "checkin.summary", **values)
            await outbox_enqueue(
                tx,
                key=f"checkin:summary:session:{session.id}:manager:{manager.person_id}",
                chat_id=manager.telegram_user_id,
                person_id=manager.person_id,
                payload=outbox_payload.message(text),
                now=now,
            )

    await data.db.write(op)
    data.outbox.wake()


async def plan_close_jobs(db: Database, now: datetime) -> Iterable[PlannedJob]:
    """One job per session still to close (or closed less than the useful time ago)."""
    jobs = []
    for session in await attendance.sessions_ending_after(db, now - timedelta(days=2)):
        closes = window_of(session).closes_at
        if closes + SUMMARY_USEFUL_FOR <= now:
            continue
        jobs.append(
            PlannedJob(
                name=f"session:{session.id}:checkin-close",
                at=closes,
                useful_until=closes + SUMMARY_USEFUL_FOR,
                run=_summary_job(session.id),
            )
        )
    return jobs


def _summary_job(session_id: int):
    async def run(data: BotData, now: datetime) -> None:
        await send_summary(data, session_id, now)

    return run
