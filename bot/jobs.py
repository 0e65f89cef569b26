"""Timed work, as the database implies it: the contract between features and the scheduler.

A feature exposes a planner: given the database and the time, it returns the jobs its data
implies (a reminder before each session, a summary when a session closes, a nudge for a
leave request nobody decided). Job names are deterministic (``session:42:remind``), and a
job only writes idempotent rows (outbox entries under idempotency keys, statuses), so
planning again, or running a job twice, changes nothing. The scheduler (bot/scheduler.py)
runs the planners at start-up and after every change to the timetable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.audit import ImportEntry
from storage.db import Database

# A job's body, called with the Application's services (bot.context.BotData) and the time.
# Typed loosely on purpose: BotData holds the scheduler that runs these, and a precise type
# here would make the contract and the services import each other.
Run = Callable[[Any, datetime], Awaitable[None]]


@dataclass(frozen=True)
class PlannedJob:
    """One piece of timed work."""

    name: str  # deterministic: the same cause gives the same name
    at: datetime  # aware; when to run
    # If the bot was down at ``at``: still run at start-up until this moment, drop after.
    useful_until: datetime
    run: Run  # (services, now); idempotent


Planner = Callable[[Database, datetime], Awaitable[Iterable[PlannedJob]]]

# Told of class imports another process made (the scheduler finds them in the audit log);
# returns how many messages it queued.
ImportWatcher = Callable[[Any, Sequence[ImportEntry], datetime], Awaitable[int]]
