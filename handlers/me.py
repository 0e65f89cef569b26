"""/me: a trainee's own attendance in each class, with the attendance rate."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.attendance import ATTENDED, Status, is_closed, status
from bot.context import Context
from bot.roles import Role
from handlers.checkin.common import settings_of, window_of
from handlers.checkin.notices import record_of
from handlers.common import PRIVATE, viewer_of
from storage import attendance


async def me_command(update: Update, context: Context) -> None:
    """Counts by status of the sessions held so far, per class, and the rate."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    classes = [m.klass for m in viewer.memberships if Role.TRAINEE in m.roles]
    if not classes:
        await message.reply_text(context.t("me.not_trainee"))
        return
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    records = await attendance.records_of_person(context.db, person_id)
    sections = []
    for klass in classes:
        leave = await attendance.leave_sessions_of(context.db, person_id, klass.id)
        counts = {s.value: 0 for s in Status}
        late_minutes = 0
        held = 0
        for session in await attendance.class_sessions_until(context.db, klass.id, now):
            w = window_of(session)
            outcome = status(
                record_of(records.get(session.id)),
                w,
                on_leave=session.id in leave,
                double_checkin=settings_of(session.settings).double_checkin,
                now=now,
            )
            counts[outcome.status.value] += 1
            late_minutes += outcome.late_minutes or 0
            if is_closed(now, w):
                held += 1
        attended = sum(counts[s.value] for s in ATTENDED)
        # Leave is excused: the rate is over the sessions one was expected at.
        expected = attended + counts[Status.ABSENT.value]
        rate = round(100 * attended / expected) if expected else None
        sections.append(
            {
                "name": klass.name,
                "held": held,
                "attended": attended,
                "counts": counts,
                "late_minutes": late_minutes,
                "rate": rate,
            }
        )
    await message.reply_text(context.t("me.record", classes=sections))


def register(app: Application) -> None:
    """Add /me."""
    app.add_handler(CommandHandler("me", me_command, filters=PRIVATE))
