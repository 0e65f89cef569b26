"""How check-in looks: a session's rules and local times, the roll, keyboards and summaries."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, CheckIn, CheckOut, keyboard
from bot.context import Context
from bot.permissions import Capability, roles_for
from bot.rules import checkin_code
from bot.rules.attendance import (
    ATTENDED,
    CheckinVerdict,
    Record,
    Status,
    Windows,
    checkin_verdict,
    rules_of,
    status,
    windows,
)
from bot.rules.class_settings import ClassSettings, from_json
from bot.rules.locales import Locale, recipient_locale
from storage import attendance, classes, leave
from storage.attendance import AttendanceRow
from storage.db import Queryable
from storage.people import Recipient
from storage.sessions import Session

# Names shown per status: a 900-person class must still fit one message (4096 characters);
# the rest is counted ("and 840 more").
MAX_NAMES = 60


def settings_of(session: Session) -> ClassSettings:
    """The session's class's settings."""
    return from_json(session.settings)


def window_of(session: Session) -> Windows:
    """A session's windows under its class's rules."""
    return _windows(session.starts_at, session.ends_at, session.settings)


@lru_cache(maxsize=4096)
def _windows(starts_at: datetime, ends_at: datetime, settings: str) -> Windows:
    # Asked several times per check-in (20 µs each): a pure function of these three.
    return windows(starts_at, ends_at, rules_of(from_json(settings)))


def proofs_needed(session: Session) -> frozenset[str]:
    """What a check-in to this session must prove: a subset of {"code", "location"}."""
    mode = settings_of(session).checkin_mode
    return frozenset(part for part in mode.split("+") if part != "none")


def hhmm(moment: datetime, session: Session) -> str:
    """A moment as the class's local clock shows it: digits only (HH:MM), never wording."""
    return moment.astimezone(ZoneInfo(session.timezone)).strftime("%H:%M")


def locale_of(who: Recipient, session: Session, fallback: Locale) -> Locale:
    """The language to write to someone in on the bot's own initiative."""
    return recipient_locale(who.locale, settings_of(session).locale, fallback)


def open_for_checkin(found: list[Session], now: datetime) -> list[Session]:
    """The sessions whose check-in window is open now."""
    return [
        s
        for s in found
        if checkin_verdict(now, window_of(s)) in (CheckinVerdict.ON_TIME, CheckinVerdict.LATE)
    ]


def choice_keyboard(
    context: Context, kind: type[CheckIn] | type[CheckOut], found: list[Session]
) -> InlineKeyboardMarkup:
    """One button per session, for someone with two sessions open at once."""
    rows: list[list[tuple[str, Button]]] = [
        [
            (
                context.label(
                    "checkin.session_choice",
                    title=s.title,
                    class_name=s.class_name,
                    time=hhmm(s.starts_at, s),
                ),
                kind(s.id),
            )
        ]
        for s in found
    ]
    return keyboard(rows)


def code_values(session: Session, now: datetime) -> dict[str, object]:
    """What the /code message shows: the session and its code this minute."""
    return {
        "title": session.title,
        "class_name": session.class_name,
        "code": checkin_code.code_at(session.secret, now),
        "time": hhmm(now, session),
    }


def record_of(row: AttendanceRow | None) -> Record | None:
    """The pure rules' view of a stored row."""
    if row is None:
        return None
    override = Status(row.override_status) if row.override_status else None
    return Record(row.checkin_at, row.checkout_at, override)


Roll = list[tuple[Recipient, Status, int | None]]


async def roll_of(db: Queryable, session: Session, now: datetime) -> Roll:
    """Every trainee of the session's class with their status (and minutes late) at ``now``."""
    trainees = await classes.members(db, session.class_id, roles_for(Capability.CHECK_IN))
    records = await attendance.records_of_session(db, session.id)
    away = {person for person, _ in await leave.on_leave(db, [session.id])}
    w = window_of(session)
    double = settings_of(session).double_checkin
    result = []
    for member in trainees:
        outcome = status(
            record_of(records.get(member.person_id)),
            w,
            on_leave=member.person_id in away,
            double_checkin=double,
            now=now,
        )
        result.append((member, outcome.status, outcome.late_minutes))
    return result


def summary_values(session: Session, roll: Roll, most: int = MAX_NAMES) -> dict[str, object]:
    """What the summary and the roll call show: counts, and names (capped) by status.

    ``names[status]`` lists at most ``most`` people as {"name", "late"} (the minutes late,
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
        "names": {key: found[:most] for key, found in by.items()},
        "counts": {key: len(found) for key, found in by.items()},
        "more": {key: max(0, len(found) - most) for key, found in by.items()},
    }
