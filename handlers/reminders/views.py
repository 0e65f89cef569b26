"""How a session looks in a reminder, a digest, a change notice and the timetable."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import CheckIn, one_button
from bot.rules.locales import Locale
from bot.texts import Texts
from storage.sessions import Session


def session_view(s: Session, instructors: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a template shows of a session, in the class's local time."""
    zone = ZoneInfo(s.timezone)
    start, end = s.starts_at.astimezone(zone), s.ends_at.astimezone(zone)
    return {
        "id": s.id,
        "title": s.title,
        "class_name": s.class_name,
        "day": start.date(),  # written by the templates' day filter (bot/rules/days.py)
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "place": s.location or "",
        "instructors": list(instructors),
    }


def checkin_button(texts: Texts, locale: Locale, session_id: int) -> InlineKeyboardMarkup:
    """The reminder's button: check in to this session."""
    return one_button(texts.plain(locale, "reminders.checkin_button"), CheckIn(session_id))
