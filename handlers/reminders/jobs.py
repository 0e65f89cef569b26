"""Timed notices: the morning digest, the reminder before each session, the instructor's.

One job per session (trainees' reminder, instructor's reminder) and one per class-day (the
digest), never one per person: a job reads who to tell when it runs and queues one outbox
row per person under a key naming the cause, so running it twice queues nothing new. A
reminder key carries the session's start time: when a re-import moves a session, the new
time gets its own reminder even if the old one went out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.jobs import PlannedJob
from bot.outbox import messages
from bot.permissions import Capability
from bot.rules import reminders
from bot.rules.class_settings import ClassSettings, from_json
from bot.rules.locales import Locale
from handlers.reminders import flows
from handlers.reminders.views import checkin_button, session_view
from storage import classes, leave, sessions
from storage.db import Database
from storage.sessions import Session

Run = Callable[[BotData, datetime], Awaitable[None]]
# Sessions looked at beyond the horizon: a reminder up to this long before its session.
_MAX_LEAD = timedelta(hours=24)
_TRAINEES = permissions.roles_for(Capability.CHECK_IN)
_FOLLOWERS = permissions.roles_for(Capability.FOLLOW_CLASS)


async def plan(db: Database, now: datetime) -> list[PlannedJob]:
    """Every reminder and digest job from a day ago to the horizon (see bot/rules/reminders.py)."""
    jobs: list[PlannedJob] = []
    until = now + reminders.HORIZON + _MAX_LEAD
    for s in await sessions.starting_between(db, now, until):
        settings = from_json(s.settings)
        trainee = reminders.reminder_window(s.starts_at, settings.remind_before_min)
        jobs.append(
            PlannedJob(f"session:{s.id}:remind", trainee.at, trainee.useful_until, _remind(s.id))
        )
        teacher = reminders.reminder_window(s.starts_at, settings.instructor_remind_before_min)
        jobs.append(
            PlannedJob(
                f"session:{s.id}:remind-instructor",
                teacher.at,
                teacher.useful_until,
                _remind_instructors(s.id),
            )
        )
    days: dict[tuple[int, date], tuple[str, str]] = {}
    for class_id, zone, settings_json, start in await sessions.class_days(
        db, now - timedelta(days=1), until
    ):
        days[(class_id, reminders.local_day(start, zone))] = (zone, settings_json)
    for (class_id, day), (zone, settings_json) in sorted(days.items()):
        window = reminders.digest_window(day, from_json(settings_json).digest_time, zone)
        if window.useful_until <= now:
            continue
        jobs.append(
            PlannedJob(
                f"class:{class_id}:digest:{day.isoformat()}",
                window.at,
                window.useful_until,
                _digest(class_id, day),
            )
        )
    return jobs


Lead = Callable[[ClassSettings], int]  # minutes before the session, from its class


async def _due(data: BotData, session_id: int, lead: Lead, now: datetime) -> Session | None:
    """The session if its reminder (``lead`` minutes before) is due now: not cancelled, and
    not moved meanwhile (the replanned job reminds at the new time)."""
    s = await sessions.by_id(data.db, session_id)
    if s is None or s.cancelled:
        return None
    minutes = lead(from_json(s.settings))
    return s if reminders.reminder_window(s.starts_at, minutes).open_at(now) else None


def _remind(session_id: int) -> Run:
    async def run(data: BotData, now: datetime) -> None:
        s = await _due(data, session_id, lambda c: c.remind_before_min, now)
        if s is None:
            return
        settings = from_json(s.settings)
        away = await leave.on_leave(data.db, [s.id])
        trainees = [
            t
            for t in await classes.members(data.db, s.class_id, _TRAINEES)
            if (t.person_id, s.id) not in away
        ]
        names = await sessions.instructor_names(data.db, [s.id])
        view = session_view(s, names.get(s.id, ()))

        def render(locale: Locale) -> list[dict[str, Any]]:
            left = reminders.minutes_left(s.starts_at, now)
            text = data.texts.render(locale, "reminders.remind", session=view, minutes=left)
            return messages(text, keyboard=checkin_button(data.texts, locale, s.id))

        key = f"remind:session:{s.id}:{reminders.time_key(s.starts_at)}"
        await flows.queue(data, flows.rows_for(data, trainees, settings.locale, key, render), now)

    return run


def _remind_instructors(session_id: int) -> Run:
    async def run(data: BotData, now: datetime) -> None:
        s = await _due(data, session_id, lambda c: c.instructor_remind_before_min, now)
        if s is None:
            return
        teachers = await sessions.instructors(data.db, s.id)
        view = session_view(s, tuple(t.name for t in teachers))

        def render(locale: Locale) -> list[dict[str, Any]]:
            left = reminders.minutes_left(s.starts_at, now)
            text = data.texts.render(
                locale, "reminders.instructor_remind", session=view, minutes=left
            )
            return messages(text)

        key = f"remind-instructor:session:{s.id}:{reminders.time_key(s.starts_at)}"
        class_locale = from_json(s.settings).locale
        await flows.queue(data, flows.rows_for(data, teachers, class_locale, key, render), now)

    return run


def _digest(class_id: int, day: date) -> Run:
    async def run(data: BotData, now: datetime) -> None:
        # The day's bounds in UTC are read from any session of that local day.
        first = datetime.combine(day, datetime.min.time(), UTC)
        probe = await sessions.of_class_starting(
            data.db, class_id, first - timedelta(days=1), first + timedelta(days=2)
        )
        held = [s for s in probe if reminders.local_day(s.starts_at, s.timezone) == day]
        if not held:
            return
        settings = from_json(held[0].settings)
        window = reminders.digest_window(day, settings.digest_time, held[0].timezone)
        if not window.open_at(now):
            return
        names = await sessions.instructor_names(data.db, [s.id for s in held])
        views = [session_view(s, names.get(s.id, ())) for s in held]
        away = await leave.on_leave(data.db, [s.id for s in held])
        rows = []
        for person in await classes.members(data.db, class_id, _TRAINEES):
            shown = [{**v, "on_leave": (person.person_id, v["id"]) in away} for v in views]

            def render(locale: Locale, shown: list[dict[str, Any]] = shown) -> list[dict[str, Any]]:
                text = data.texts.render(
                    locale,
                    "reminders.digest",
                    class_name=held[0].class_name,
                    day=day,
                    sessions=shown,
                )
                return messages(text)

            key = f"digest:class:{class_id}:{day.isoformat()}"
            rows += flows.rows_for(data, [person], settings.locale, key, render)
        # Those who follow the class: the day's sessions and who the bot cannot reach.
        unreachable = await classes.unreachable_names(data.db, class_id)

        def render_followers(locale: Locale) -> list[dict[str, Any]]:
            text = data.texts.render(
                locale,
                "reminders.manager_digest",
                class_name=held[0].class_name,
                day=day,
                sessions=views,
                unreachable=unreachable,
            )
            return messages(text)

        followers = await classes.members(data.db, class_id, _FOLLOWERS)
        key = f"digest-manager:class:{class_id}:{day.isoformat()}"
        rows += flows.rows_for(data, followers, settings.locale, key, render_followers)
        await flows.queue(data, rows, now)

    return run
