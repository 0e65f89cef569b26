"""Reminders and the timetable: the morning digest, reminders before sessions, change
notices after a re-import, /today /week /next, and /announce.

Modules: timetable (/today, /week, /next), announce (/announce and its report); jobs
(reminders and digests), changes (what a re-import moved or cancelled); flows (queueing
notices, sending an announcement, inside one transaction), views (a session as a notice
shows it).
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.buttons import (
    AnnounceAudience,
    AnnounceCancel,
    AnnounceClass,
    AnnounceReport,
    AnnounceSend,
)
from handlers.common import PRIVATE, on_press
from handlers.reminders import announce, changes, jobs, timetable

PLANNERS = (jobs.plan,)
# Told of every class import the scheduler finds in the audit log (another process made it).
IMPORT_WATCHERS = (changes.notify_changes,)


def register(app: Application) -> None:
    """Add /today, /week, /next, /announce and the announcement's buttons."""
    app.add_handler(CommandHandler("today", timetable.today, filters=PRIVATE))
    app.add_handler(CommandHandler("week", timetable.week, filters=PRIVATE))
    app.add_handler(CommandHandler("next", timetable.next_session, filters=PRIVATE))
    app.add_handler(CommandHandler("announce", announce.start, filters=PRIVATE))
    on_press(app, announce.pressed, AnnounceClass, AnnounceAudience, AnnounceSend, AnnounceCancel)
    on_press(app, announce.pressed_report, AnnounceReport)
