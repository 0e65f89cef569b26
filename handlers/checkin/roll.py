"""/roll: the roll call of a session, for class managers, discipline monitors and admins.

``/roll`` shows, for each class the viewer may see, the session running now
(bot/rules/attendance.py ``running``: while the next session's check-in opens early, still
the one under way), with buttons to refresh it, to switch to another session of that day,
and to pick another day; ``/roll 12-07`` (or 2026-12-07, 12月7日) lists a day's sessions.
Class managers correct a person's status in the session shown, past ones included (✏️,
handlers/checkin/marks.py; ``/roll NAME REASON`` for the running session). Monitors and
admins only view.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from bot import permissions
from bot.buttons import Button, RollDay, RollDays, RollEdit, RollRefresh, RollShow, keyboard
from bot.context import Context
from bot.permissions import Capability
from bot.rules.attendance import is_closed
from bot.rules.days import parse_day
from bot.texts import MESSAGE_LIMIT, utf16_len
from handlers.checkin import marks
from handlers.checkin.views import (
    MAX_NAMES,
    current_session,
    hhmm,
    roll_of,
    summary_values,
    window_of,
)
from handlers.common import StalePress, answer, edit_or_send, viewer_of
from storage import classes, sessions
from storage.classes import ClassRow
from storage.db import Queryable
from storage.sessions import Session

# Buttons to other sessions of the day, and days in the picker, at most (one keyboard).
MAX_SESSIONS = 12
MAX_DAYS = 30


# Names per status tried in turn until the roll fits one message: it is edited in place.
_NAMES_TRIED = (MAX_NAMES, 30, 15, 5, 0)


async def _day_sessions(db: Queryable, klass: ClassRow, day: date) -> list[Session]:
    zone = ZoneInfo(klass.timezone)
    start = datetime.combine(day, time(0), zone)
    return await sessions.of_class_starting(db, klass.id, start, start + timedelta(days=1))


def _session_buttons(context: Context, found: list[Session]) -> list[list[tuple[str, Button]]]:
    return [
        [
            (
                context.label("roll.session_button", start=hhmm(s.starts_at, s), title=s.title),
                RollShow(s.id),
            )
        ]
        for s in found[:MAX_SESSIONS]
    ]


async def render(context: Context, session: Session) -> tuple[str, InlineKeyboardMarkup]:
    """The roll call of a session, with its buttons: refresh, correct (managers), the other
    sessions of its day, other days."""
    now = context.bot_data.clock.now()
    roll = await roll_of(context.db, session, now)
    for most in _NAMES_TRIED:
        text = context.t(
            "roll.roll",
            **summary_values(session, roll, most),
            closed=is_closed(now, window_of(session)),
            now=hhmm(now, session),
        )
        if utf16_len(text) <= MESSAGE_LIMIT:
            break
    first: list[tuple[str, Button]] = [(context.label("roll.refresh"), RollRefresh(session.id))]
    viewer = viewer_of(context)
    if any(
        m.klass.id == session.class_id for m in viewer.classes_where(Capability.MARK_ATTENDANCE)
    ):
        first.append((context.label("roll.edit"), RollEdit(session.id)))
    klass = await classes.by_id(context.db, session.class_id)
    assert klass is not None
    day = session.starts_at.astimezone(ZoneInfo(klass.timezone)).date()
    others = [s for s in await _day_sessions(context.db, klass, day) if s.id != session.id]
    rows = [first, *_session_buttons(context, others)]
    rows.append([(context.label("roll.other_days"), RollDays(klass.id))])
    return text, keyboard(rows)


async def roll_command(update: Update, context: Context) -> None:
    """Show the roll of each class the viewer may see; a day's sessions; or mark someone."""
    viewer = viewer_of(context)
    message = update.effective_message
    staff_of = viewer.classes_where(Capability.SEE_ROLL)
    now = context.bot_data.clock.now()
    if context.args:
        if len(context.args) == 1 and staff_of:
            today = now.astimezone(ZoneInfo(staff_of[0].klass.timezone)).date()
            day = parse_day(context.args[0], today)
            if day is not None:
                for membership in staff_of:
                    text, markup = await _day_list(context, membership.klass, day)
                    await message.reply_text(text, reply_markup=markup)
                return
        await marks.ask_mark(update, context, viewer.person.id, staff_of)
        return
    for membership in staff_of:
        session = await current_session(context.db, membership.klass.id, now)
        if session is None:
            await message.reply_text(context.t("roll.no_session", class_name=membership.klass.name))
            continue
        text, markup = await render(context, session)
        await message.reply_text(text, reply_markup=markup)


async def _day_list(
    context: Context, klass: ClassRow, day: date
) -> tuple[str, InlineKeyboardMarkup | None]:
    found = await _day_sessions(context.db, klass, day)
    if not found:
        return context.t("roll.no_sessions_that_day", class_name=klass.name, day=day), None
    text = context.t("roll.pick_session", class_name=klass.name, day=day)
    rows = _session_buttons(context, found)
    rows.append([(context.label("roll.other_days"), RollDays(klass.id))])
    return text, keyboard(rows)


async def _may_see(context: Context, class_id: int) -> None:
    """The presser may see this class's roll call now (the database says), or the press is
    stale."""
    if not await permissions.holds(
        context.db, Capability.SEE_ROLL, class_id, viewer_of(context).person.id
    ):
        raise StalePress


async def pressed_refresh(update: Update, context: Context, button: RollRefresh | RollShow) -> None:
    """Show the session's roll in place: refreshed, or another session switched to."""
    session = await sessions.by_id(context.db, button.session_id)
    if session is None:
        raise StalePress
    await _may_see(context, session.class_id)
    text, markup = await render(context, session)
    await answer(update.callback_query)
    await edit_or_send(update.callback_query, text, reply_markup=markup)


async def pressed_days(update: Update, context: Context, button: RollDays) -> None:
    """The days of the class with sessions begun so far, newest first, to pick one."""
    await _may_see(context, button.class_id)
    klass = await classes.by_id(context.db, button.class_id)
    assert klass is not None
    now = context.bot_data.clock.now()
    zone = ZoneInfo(klass.timezone)
    found = await sessions.of_class_until(context.db, klass.id, now)
    days = sorted({s.starts_at.astimezone(zone).date() for s in found}, reverse=True)
    await answer(update.callback_query)
    if not days:
        await edit_or_send(
            update.callback_query, context.t("roll.no_session", class_name=klass.name)
        )
        return
    shown = days[:MAX_DAYS]
    buttons = [
        (context.label("roll.day_button", day=d), RollDay(klass.id, d.isoformat())) for d in shown
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    text = context.t("roll.pick_day", class_name=klass.name, more=len(days) - len(shown))
    await edit_or_send(update.callback_query, text, reply_markup=keyboard(rows))


async def pressed_day(update: Update, context: Context, button: RollDay) -> None:
    """One day's sessions, to pick one."""
    await _may_see(context, button.class_id)
    klass = await classes.by_id(context.db, button.class_id)
    try:
        day = date.fromisoformat(button.day)
    except ValueError:
        raise StalePress from None
    assert klass is not None
    text, markup = await _day_list(context, klass, day)
    await answer(update.callback_query)
    await edit_or_send(update.callback_query, text, reply_markup=markup)
