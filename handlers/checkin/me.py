"""/me: a trainee's own record in each class, in class hours, with the leave meter.

Counts are over the sessions held so far, those *closed* (past their check-out window),
whose statuses are final: attended, late, left early, absent and leave hours (by type),
out of the hours held and of the class's total, the rate (leave is not attendance), the
leave against the limit with what is left (handlers/leave/figures.py). A session under
way is shown apart with its provisional status; one whose check-in is open but that has
not begun is "coming", never "in progress". A button lists every session with its status
(``MeSessions``, a page at a time); another asks for a correction (补卡, handlers/corrections).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot import permissions
from bot.buttons import CertificateSend, FixOpen, MePage, MeSessions, keyboard
from bot.context import Context
from bot.permissions import Capability
from bot.rules import leave_limit
from bot.rules.attendance import Outcome, is_closed, status
from bot.rules.record import summarise
from handlers.checkin.views import hhmm, record_of, settings_of, window_of
from handlers.common import StalePress, answer, viewer_of
from handlers.grades.figures import published_result
from handlers.leave.figures import tally_of
from handlers.leave.info import class_info
from storage import attendance, leave, sessions
from storage.classes import ClassRow
from storage.sessions import Session

# Check-in opens at most this long before a start (bot/rules/attendance.py's windows).
_OPENS_WITHIN = timedelta(days=1)
# Sessions per page of the list: 2-month classes have a hundred and more.
PAGE = 20


async def _outcomes(
    context: Context, klass: ClassRow, person_id: int, now: datetime
) -> list[tuple[Session, Outcome, str | None]]:
    """Each session of the class begun (or open for check-in) by now, its status and the
    type of the leave covering it."""
    records = await attendance.records_of_person(context.db, person_id)
    on_leave = await leave.covered_sessions(context.db, person_id, klass.id)
    found = []
    for session in await sessions.of_class_until(context.db, klass.id, now + _OPENS_WITHIN):
        w = window_of(session)
        if w.checkin_opens > now:
            continue
        outcome = status(
            record_of(records.get(session.id)),
            w,
            on_leave=session.id in on_leave,
            double_checkin=settings_of(session).double_checkin,
            now=now,
        )
        found.append((session, outcome, on_leave.get(session.id)))
    return found


def _item(session: Session, outcome: Outcome, leave_type: str | None) -> dict[str, Any]:
    return {
        "title": session.title,
        "day": session.starts_at.astimezone(ZoneInfo(session.timezone)).date(),
        "start": hhmm(session.starts_at, session),
        "status": outcome.status.value,
        "late": outcome.late_minutes,
        "early": outcome.early_minutes,
        "leave_type": leave_type,
    }


async def _section(context: Context, klass: ClassRow, person_id: int, now: datetime) -> dict:
    found = await _outcomes(context, klass, person_id, now)
    closed = [(s, o, t) for s, o, t in found if is_closed(now, window_of(s))]
    record = summarise((o, s.hours, t) for s, o, t in closed)
    info = await class_info(context.db, klass.id)
    assert info is not None
    tally = await tally_of(context.db, info, person_id, now)
    show = leave_limit.show
    return {
        "name": klass.name,
        "held": show(record.held.hours),
        "total": show(tally.class_hours),
        "attended": show(record.attended.hours),
        "rate": record.rate(),
        "late": {"count": record.late.count, "minutes": record.late.minutes},
        "early": {"count": record.left_early.count, "minutes": record.left_early.minutes},
        "no_checkout": record.no_checkout.count,
        "absent": show(record.absent.hours),
        "leave": [{"type": t, "hours": show(p.hours)} for t, p in sorted(record.leave.items())],
        "leave_hours": show(record.leave_hours),
        "t": leave_limit.figures(tally),
        "running": [
            _item(s, o, t)
            for s, o, t in found
            if not is_closed(now, window_of(s)) and s.starts_at <= now
        ],
        "coming": [_item(s, o, t) for s, o, t in found if s.starts_at > now],
        # graduation: the final assessment, once published (nothing before)
        "result": await published_result(context.db, klass.id, person_id),
    }


async def me_command(update: Update, context: Context) -> None:
    """/me: one's record in each class as a trainee, with its buttons."""
    viewer = viewer_of(context)
    classes = [m.klass for m in viewer.classes_where(Capability.CHECK_IN)]
    now = context.bot_data.clock.now()
    sections = [await _section(context, k, viewer.person.id, now) for k in classes]
    rows = [[(context.label("me.sessions", class_name=k.name), MeSessions(k.id))] for k in classes]
    if viewer.may(Capability.ASK_CORRECTION):
        rows.append([(context.label("me.fix"), FixOpen())])
    # graduation: a graduate's certificate, on demand (bound after publication, or lost it)
    rows += [
        [(context.label("grades.certificate_button", class_name=k.name), CertificateSend(k.id))]
        for k, s in zip(classes, sections, strict=True)
        if s["result"] and s["result"]["certificate"]
    ]
    await update.effective_message.reply_text(
        context.t("me.record", classes=sections), reply_markup=keyboard(rows)
    )


async def pressed_sessions(update: Update, context: Context, button: MeSessions | MePage) -> None:
    """The list of one's sessions with their statuses, newest first: from /me a new
    message, its pages edited in place."""
    query = update.callback_query
    person_id = viewer_of(context).person.id
    if not await permissions.holds(context.db, Capability.CHECK_IN, button.class_id, person_id):
        raise StalePress
    info = await class_info(context.db, button.class_id)
    assert info is not None
    now = context.bot_data.clock.now()
    found = list(reversed(await _outcomes(context, info.row, person_id, now)))
    pages = max(1, -(-len(found) // PAGE))
    page = button.page if isinstance(button, MePage) else 0
    if not 0 <= page < pages:
        raise StalePress
    nav = []
    if page > 0:
        nav.append((context.label("me.newer"), MePage(button.class_id, page - 1)))
    if page + 1 < pages:
        nav.append((context.label("me.older"), MePage(button.class_id, page + 1)))
    text = context.t(
        "me.sessions_list",
        class_name=info.row.name,
        items=[
            _item(s, o, t) | {"final": is_closed(now, window_of(s))}
            for s, o, t in found[page * PAGE : (page + 1) * PAGE]
        ],
        page=page + 1,
        pages=pages,
    )
    await answer(query)
    markup = keyboard([nav]) if nav else None
    if isinstance(button, MePage):
        await query.edit_message_text(text, reply_markup=markup)
    else:
        await query.message.reply_text(text, reply_markup=markup)
