"""Telegram-facing features, one package each, registered here in a deliberate order."""

from __future__ import annotations

from telegram.ext import Application

from bot.jobs import Planner
from handlers import (
    checkin,
    errors,
    fallback,
    help,
    identity,
    inputs,
    lang,
    leave,
    ratings,
    roster,
    start,
)
from handlers.announce import register as register_announce  # reminders
from handlers.reminders import plan_jobs as plan_reminder_jobs  # reminders
from handlers.timetable import register as register_timetable  # reminders

# Every feature's timed work (bot/jobs.py), run by the scheduler.
PLANNERS: tuple[Planner, ...] = (
    # reminders:
    plan_reminder_jobs,
    *checkin.PLANNERS,
    *leave.PLANNERS,
    *ratings.PLANNERS,
)

# Group -2 runs first for every update and resolves who is speaking (context.viewer); group
# -1 hands a message to the form waiting for it; the features are group 0.
IDENTITY_GROUP = -2
INPUT_GROUP = -1


def register(app: Application) -> None:
    """Add every handler to the application, guards first, fallbacks last."""
    identity.register(app, group=IDENTITY_GROUP)
    inputs.register(app, group=INPUT_GROUP)
    # Features: within a group the first matching handler wins, so order matters only
    # where filters overlap; none of these do. Check-in comes first because it is the
    # hot path: a class of 900 checks in within one minute, and every handler before it
    # is one more filter each of those updates is tested against.
    checkin.register(app)
    start.register(app)
    help.register(app)
    lang.register(app)
    roster.register(app)
    # reminders:
    register_timetable(app)
    register_announce(app)
    # The order of the features' forms in the input step: leave's before the ratings'.
    leave.register(app)
    ratings.register(app)
    # Whatever no feature took: unknown commands, stray text, stale buttons.
    fallback.register(app)
    app.add_error_handler(errors.on_error)
