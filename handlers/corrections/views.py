"""How a correction request (补卡) looks: its card, the picker and status keyboards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot import permissions
from bot.buttons import FixApprove, FixPick, FixReject, FixStatus, keyboard
from bot.context import Viewer
from bot.permissions import Capability
from bot.rules.attendance import Status, is_closed
from bot.rules.locales import Locale
from bot.texts import Texts
from handlers.checkin.views import settings_of, status_at, window_of
from storage import corrections, people, sessions
from storage.corrections import Correction
from storage.db import Queryable
from storage.sessions import Session

# What a correction may ask for: a status of someone who was there.
ASKABLE: tuple[Status, ...] = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)
# What a correction may be about: a final status that is not attendance in full, nor leave.
CORRECTABLE: frozenset[Status] = frozenset(
    {Status.ABSENT, Status.LATE, Status.LEFT_EARLY, Status.NO_CHECKOUT}
)
# Sessions a picker lists at most (one keyboard).
MAX_OFFERED = 20


def correctable_until(session: Session) -> datetime:
    """Until when a correction may be asked for the session: the class's correction_days
    after its end."""
    return session.ends_at + timedelta(days=settings_of(session).correction_days)


def open_for_correction(session: Session, now: datetime) -> bool:
    """Whether the session's statuses are final and it is not too long ago."""
    return (
        not session.cancelled
        and is_closed(now, window_of(session))
        and now < correctable_until(session)
    )


async def offered(
    db: Queryable, class_id: int, person_id: int, now: datetime
) -> list[tuple[Session, Status]]:
    """The sessions the person may ask to correct now, with their status, newest first."""
    found = []
    for session in reversed(await sessions.of_class_until(db, class_id, now)):
        if not open_for_correction(session, now):
            continue
        current = (await status_at(db, session, person_id, now)).status
        if current in CORRECTABLE:
            found.append((session, current))
    return found[:MAX_OFFERED]


def session_label(texts: Texts, locale: str, session: Session, status: Status) -> str:
    """A picker button: the session's day and time, title and status."""
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    return texts.plain(
        locale,
        "fix.session_button",
        day=local.date(),
        start=local.strftime("%H:%M"),
        title=session.title,
        status=status.value,
    )


def picker(texts: Texts, locale: str, found: list[tuple[Session, Status]]) -> InlineKeyboardMarkup:
    """One button per session that may be corrected."""
    return keyboard([[(session_label(texts, locale, s, st), FixPick(s.id))] for s, st in found])


def status_keyboard(texts: Texts, locale: str, current: str) -> InlineKeyboardMarkup:
    """The statuses a request may ask for, but the one it has."""
    return keyboard(
        [
            [
                (texts.plain(locale, "fix.status_button", status=s.value), FixStatus(s))
                for s in ASKABLE
                if s.value != current
            ]
        ]
    )


def decide_keyboard(texts: Texts, locale: str, correction_id: int) -> InlineKeyboardMarkup:
    """Approve and Reject, on a manager's card."""
    return keyboard(
        [
            [
                (texts.plain(locale, "fix.approve"), FixApprove(correction_id)),
                (texts.plain(locale, "fix.reject"), FixReject(correction_id)),
            ]
        ]
    )


async def request_view(db: Queryable, request: Correction) -> dict[str, Any]:
    """Everything a card or notice shows about a request."""
    session = await sessions.by_id(db, request.session_id)
    assert session is not None
    zone = ZoneInfo(session.timezone)
    name, unit = await people.name_and_unit(db, request.person_id)
    decider = await people.by_id(db, request.decided_by) if request.decided_by else None
    local = session.starts_at.astimezone(zone)
    return {
        "id": request.id,
        "class_name": session.class_name,
        "name": name,
        "unit": unit,
        "title": session.title,
        "day": local.date(),
        "start": local.strftime("%H:%M"),
        "before": request.status_before,
        "asked": request.status_asked,
        "reason": request.reason,
        "attachment": request.attachment_kind,
        "status": request.status,
        "decider": decider.name if decider else None,
        "decision_reason": request.decision_reason,
        "decided_at": request.decided_at.astimezone(zone) if request.decided_at else None,
        "used": await corrections.used(db, request.class_id, request.person_id),
        "cap": settings_of(session).correction_max,
    }


async def waiting_cards(
    db: Queryable, texts: Texts, locale: Locale, viewer: Viewer
) -> list[tuple[str, InlineKeyboardMarkup]]:
    """The cards of every request waiting for this class manager, oldest first, as
    /pending lists them (handlers/pending)."""
    cards = []
    for m in viewer.memberships:
        if not permissions.may(m.roles, Capability.DECIDE_CORRECTION):
            continue
        for request in await corrections.pending_of_class(db, m.klass.id):
            if request.person_id != viewer.person.id:
                text = texts.render(locale, "fix.card", r=await request_view(db, request))
                cards.append((text, decide_keyboard(texts, locale, request.id)))
    return cards
