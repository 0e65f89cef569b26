"""/today, /week, /next: a person's sessions in every class they are in, with their status."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Update

from bot.context import Context
from bot.rules.reminders import local_day
from handlers.common import viewer_of
from handlers.reminders.views import session_view
from storage import attendance, leave, sessions
from storage.sessions import Session

WEEK_DAYS = 7


async def _sessions(context: Context, person_id: int, days: int) -> list[Session]:
    now = context.bot_data.clock.now()
    # A day's bounds differ per zone: read a day more on each side, filter by local day.
    found = await sessions.of_person_between(
        context.db, person_id, now - timedelta(days=1), now + timedelta(days=days + 1)
    )
    # A session still running counts as today's too, though it began before midnight.
    return [
        s
        for s in found
        if 0 <= (local_day(s.starts_at, s.timezone) - local_day(now, s.timezone)).days < days
        or s.starts_at <= now < s.ends_at
    ]


async def _reply(update: Update, context: Context, found: list[Session], empty: str) -> None:
    viewer = viewer_of(context)
    assert viewer.person is not None
    ids = [s.id for s in found]
    checked = await attendance.checked_in(context.db, viewer.person.id, ids)
    away = {sid for pid, sid in await leave.on_leave(context.db, ids) if pid == viewer.person.id}
    names = await sessions.instructor_names(context.db, ids)
    # Times are each class's local time; with classes in more than one zone, say which.
    mixed = len({s.timezone for s in found}) > 1
    # One class (the usual case): named once at the top, not under every session.
    names_of_classes = {s.class_name for s in found}
    one_class = names_of_classes.pop() if len(names_of_classes) == 1 else ""
    by_day: dict[date, list[dict[str, object]]] = {}
    # By local day, then by the moment: two zones' days interleave in UTC order.
    for s in sorted(found, key=lambda s: (local_day(s.starts_at, s.timezone), s.starts_at)):
        view = session_view(s, names.get(s.id, ()))
        view["status"] = "checked_in" if s.id in checked else "on_leave" if s.id in away else ""
        view["zone"] = s.timezone if mixed else ""
        by_day.setdefault(local_day(s.starts_at, s.timezone), []).append(view)
    days = [{"day": day, "sessions": views} for day, views in by_day.items()]
    text = (
        context.t("timetable.sessions", days=days, class_name=one_class)
        if days
        else context.t(empty)
    )
    await update.effective_message.reply_text(text)


async def today(update: Update, context: Context) -> None:
    """The viewer's sessions today (local to each class)."""
    person_id = viewer_of(context).person.id
    await _reply(update, context, await _sessions(context, person_id, 1), "timetable.none_today")


async def week(update: Update, context: Context) -> None:
    """The viewer's sessions from today for seven days."""
    found = await _sessions(context, viewer_of(context).person.id, WEEK_DAYS)
    await _reply(update, context, found, "timetable.none_week")


async def next_session(update: Update, context: Context) -> None:
    """The viewer's next session not over yet (the one running now counts)."""
    person_id = viewer_of(context).person.id
    now: datetime = context.bot_data.clock.now()
    found = await sessions.of_person_between(context.db, person_id, now, now + timedelta(days=366))
    await _reply(update, context, found[:1], "timetable.none_next")
