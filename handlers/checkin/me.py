"""/me: a trainee's own attendance in each class, with the attendance rate."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.context import Context
from bot.permissions import Capability
from bot.rules.attendance import ATTENDED, Status, is_closed, status
from handlers.checkin.views import record_of, settings_of, window_of
from handlers.common import viewer_of
from storage import attendance, leave, sessions

# Check-in opens at most this long before a start (bot/rules/attendance.py's windows).
_OPENS_WITHIN = timedelta(days=1)


async def me_command(update: Update, context: Context) -> None:
    """Counts by status of the sessions held so far, per class, and the rate.

    Every count is over the same sessions: those *closed* (past their check-out window),
    whose statuses are final. So held = attended + absent + on leave, and "late" counts the
    sessions whose final status is late (its minutes summed; a late arrival who then left
    early counts as left early). A session still running (check-in open, not yet closed) is
    in no count: it is shown apart, with its provisional status, so a trainee who just
    checked in sees it without "held 0, attended 1".
    """
    viewer = viewer_of(context)
    message = update.effective_message
    classes = [m.klass for m in viewer.classes_where(Capability.CHECK_IN)]
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    records = await attendance.records_of_person(context.db, person_id)
    sections = []
    for klass in classes:
        on_leave = await leave.covered_sessions(context.db, person_id, klass.id)
        counts = {s.value: 0 for s in Status}
        late_minutes = 0
        running = []
        held = await sessions.of_class_until(context.db, klass.id, now + _OPENS_WITHIN)
        for session in held:
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
            if not is_closed(now, w):
                running.append(
                    {
                        "title": session.title,
                        "status": outcome.status.value,
                        "late": outcome.late_minutes,
                    }
                )
                continue
            counts[outcome.status.value] += 1
            if outcome.status is Status.LATE:
                late_minutes += outcome.late_minutes or 0
        attended = sum(counts[s.value] for s in ATTENDED)
        # Leave is excused: the rate is over the sessions one was expected at.
        expected = attended + counts[Status.ABSENT.value]
        rate = round(100 * attended / expected) if expected else None
        sections.append(
            {
                "name": klass.name,
                "held": sum(counts.values()),
                "attended": attended,
                "counts": counts,
                "late_minutes": late_minutes,
                "rate": rate,
                "running": running,
            }
        )
    await message.reply_text(context.t("me.record", classes=sections))
