"""Telegram-facing features, one package each, registered here in a deliberate order."""

from __future__ import annotations

from telegram.ext import Application

from bot.jobs import ImportWatcher, Planner
from handlers import (
    account,
    checkin,
    corrections,
    errors,
    fallback,
    grades,
    identity,
    inputs,
    leave,
    pending,
    ratings,
    records,
    reminders,
    risk,
)

# Every feature's timed work (bot/jobs.py), run by the scheduler.
PLANNERS: tuple[Planner, ...] = (
    *reminders.PLANNERS,
    *checkin.PLANNERS,
    *leave.PLANNERS,
    *corrections.PLANNERS,
    *ratings.PLANNERS,
)

# What a class import found in the audit log is told to (bot/scheduler.py).
IMPORT_WATCHERS: tuple[ImportWatcher, ...] = (
    *reminders.IMPORT_WATCHERS,
    *leave.IMPORT_WATCHERS,
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
    account.register(app)
    reminders.register(app)
    # The order of the features' forms in the input step: leave's, the corrections', the
    # ratings', then graduation's (the appraisal being written).
    leave.register(app)
    corrections.register(app)
    pending.register(app)
    ratings.register(app)
    risk.register(app)
    records.register(app)
    grades.register(app)
    # Whatever no feature took: unknown commands, stray text, stale buttons.
    fallback.register(app)
    app.add_error_handler(errors.on_error)
