"""Reminders and the timetable: the morning digest, reminders before sessions, change
notices after a re-import, /today /week /next, and /announce.

Modules: timetable (/today, /week, /next), announce (/announce and its report); jobs
(reminders and digests), changes (what a re-import moved or cancelled); flows (queueing
notices, sending an announcement, inside one transaction), views (a session as a notice
shows it).
"""

from __future__ import annotations

from telegram.ext import Application

from bot.buttons import (
    AnnounceAudience,
    AnnounceCancel,
    AnnounceClass,
    AnnounceReport,
    AnnounceSend,
)
from handlers.common import on_command, on_press
from handlers.reminders import announce, changes, jobs, timetable

PLANNERS = (jobs.plan,)
# Told of every class import the scheduler finds in the audit log (another process made it).
IMPORT_WATCHERS = (changes.notify_changes,)


def register(app: Application) -> None:
    """Add /today, /week, /next, /announce and the announcement's buttons."""
    for name, callback in (
        ("today", timetable.today),
        ("week", timetable.week),
        ("next", timetable.next_session),
    ):
        on_command(app, name, callback, unbound="timetable.not_bound")
    refusal = "announce.not_allowed"
    on_command(app, "announce", announce.start, refusal=refusal, unbound=refusal)
    on_press(app, announce.pressed, AnnounceClass, AnnounceAudience, AnnounceSend, AnnounceCancel)
    on_press(app, announce.pressed_report, AnnounceReport)
