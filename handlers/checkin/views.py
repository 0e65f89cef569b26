"""How check-in looks: a session's rules and local times, the roll, keyboards and summaries."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Location
from telegram.warnings import PTBDeprecationWarning

from bot.buttons import Button, keyboard
from bot.context import Context
from bot.permissions import Capability, roles_for
from bot.rules import checkin_code, geo
from bot.rules.attendance import (
    ATTENDED,
    CheckinVerdict,
    Outcome,
    Record,
    Status,
    Windows,
    checkin_verdict,
    rules_of,
    running,
    status,
    windows,
)
from bot.rules.class_settings import ClassSettings, from_json
from bot.rules.locales import Locale, recipient_locale
from storage import attendance, classes, leave, sessions
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


def checkout_proofs_needed(session: Session) -> frozenset[str]:
    """What a check-out must prove: the check-in's proofs if the class says so, else none."""
    return proofs_needed(session) if settings_of(session).checkout_proof else frozenset()


def code_live_until(session: Session) -> datetime:
    """Until when the session's code is shown: the end of check-in, or of check-out when
    check-out asks for the code too."""
    w = window_of(session)
    return w.checkout_closes if "code" in checkout_proofs_needed(session) else w.checkin_closes


def code_shown(found: list[Session], now: datetime) -> list[Session]:
    """The sessions among these whose code is shown now (a code session, check-in open or,
    when check-out needs the code, check-out not closed yet)."""
    return [
        s
        for s in found
        if "code" in proofs_needed(s) and window_of(s).checkin_opens <= now < code_live_until(s)
    ]


def code_photo(bot_username: str, session: Session, now: datetime) -> bytes:
    """The QR code (PNG) of the deep link that checks in to the session with this minute's
    code (扫码签到): scanned with a phone's camera, it opens the bot with /start <payload>."""
    payload = checkin_code.link_payload(session.id, checkin_code.code_at(session.secret, now))
    import segno  # when a QR code is drawn, not at start-up

    qr = segno.make(checkin_code.deep_link(bot_username, payload), error="m")
    out = io.BytesIO()
    # Big modules and the standard quiet zone: read from the back of a room off a projector.
    qr.save(out, kind="png", scale=12, border=4)
    return out.getvalue()


def at_venue(session: Session, point: Location) -> tuple[bool, float | None]:
    """Whether a point is inside the session's venue radius, and how far it is (metres)."""
    settings = settings_of(session)
    if settings.venue_lat is None or settings.venue_lon is None:
        return False, None
    distance = geo.distance_m(
        point.latitude, point.longitude, settings.venue_lat, settings.venue_lon
    )
    return distance <= settings.venue_radius_m, distance


def is_live(point: Location) -> bool:
    """Whether a shared location is a live one (Telegram sets ``live_period`` only then)."""
    with warnings.catch_warnings():
        # PTB 22 warns that live_period becomes a timedelta; only its presence matters here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return point.live_period is not None


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
    context: Context, kind: Callable[[int], Button], found: list[Session]
) -> InlineKeyboardMarkup:
    """One button per session (of this kind), for someone with two sessions open at once."""
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


async def status_at(db: Queryable, session: Session, person_id: int, now: datetime) -> Outcome:
    """One person's status in one session at ``now``, as the database says."""
    row = await attendance.record_of(db, session.id, person_id)
    away = (person_id, session.id) in await leave.on_leave(db, [session.id])
    return status(
        record_of(row),
        window_of(session),
        on_leave=away,
        double_checkin=settings_of(session).double_checkin,
        now=now,
    )


async def current_session(db: Queryable, class_id: int, now: datetime) -> Session | None:
    """The session a roll call of the class shows by default: the one running now (see
    bot/rules/attendance.py ``running``)."""
    found = await sessions.of_class_until(db, class_id, now + timedelta(days=1))
    return running(found, window_of, now)


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
