"""Timed notices: the morning digest, the reminder before each session, the instructor's
reminder, and the notice that a re-import moved or cancelled a session.

One job per session (trainees' reminder, instructor's reminder) and one per class-day (the
digest), never one per person: a job reads who to tell when it runs and queues one outbox
row per person under a key naming the cause, so running it twice queues nothing new. A
reminder key carries the session's start time: when a re-import moves a session, the new
time gets its own reminder even if the old one went out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import class_settings, reminders
from bot.callbacks import Action, pack
from bot.jobs import PlannedJob
from bot.outbox import message
from bot.texts import Locale
from storage import outbox
from storage import reminders as queries
from storage.db import Database, Tx
from storage.reminders import Recipient, SessionRow

if TYPE_CHECKING:
    from bot.context import BotData

# Sessions looked at beyond the horizon: a reminder up to this long before its session.
_MAX_LEAD = timedelta(hours=24)
# Changes a re-import makes that people must hear about at once.
NOTIFIED_FIELDS = frozenset({"starts_at", "ends_at", "location"})


def session_view(s: SessionRow) -> dict[str, Any]:
    """What a template shows of a session, in the class's local time."""
    zone = ZoneInfo(s.timezone)
    start, end = s.starts_at.astimezone(zone), s.ends_at.astimezone(zone)
    return {
        "id": s.id,
        "title": s.title,
        "class_name": s.class_name,
        "day": start.strftime("%m-%d"),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "place": s.location or "",
        "instructors": list(s.instructors),
    }


async def plan_jobs(db: Database, now: datetime) -> list[PlannedJob]:
    """Every reminder and digest job from a day ago to the horizon (see bot/reminders.py)."""
    jobs: list[PlannedJob] = []
    until = now + reminders.HORIZON + _MAX_LEAD
    for s in await queries.sessions_starting(db, now, until):
        settings = class_settings.from_json(s.settings)
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
    for class_id, zone, settings_json, start in await queries.class_days(
        db, now - timedelta(days=1), until
    ):
        days[(class_id, reminders.local_day(start, zone))] = (zone, settings_json)
    for (class_id, day), (zone, settings_json) in sorted(days.items()):
        settings = class_settings.from_json(settings_json)
        window = reminders.digest_window(day, settings.digest_time, zone)
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


def _remind(session_id: int):  # type: ignore[no-untyped-def]
    async def run(data: BotData, now: datetime) -> None:
        s = await queries.session(data.db, session_id)
        if s is None or s.cancelled:
            return
        settings = class_settings.from_json(s.settings)
        if not reminders.reminder_window(s.starts_at, settings.remind_before_min).open_at(now):
            return  # moved meanwhile: the replanned job reminds at the new time
        trainees = await queries.class_members(data.db, s.class_id, ("trainee",))
        leave = await queries.on_leave(data.db, [s.id])
        trainees = [t for t in trainees if (t.person_id, s.id) not in leave]
        view = session_view(s)

        def render(locale: Locale) -> dict[str, Any]:
            label = data.texts.plain(locale, "reminders.checkin_button")
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=pack(Action.CHECKIN, s.id))]]
            )
            text = data.texts.render(
                locale, "reminders.remind", session=view, minutes=settings.remind_before_min
            )
            return message(text, keyboard=keyboard)

        key = f"remind:session:{s.id}:{reminders.time_key(s.starts_at)}"
        await _queue(data, now, trainees, settings.locale, key, render)

    return run


def _remind_instructors(session_id: int):  # type: ignore[no-untyped-def]
    async def run(data: BotData, now: datetime) -> None:
        s = await queries.session(data.db, session_id)
        if s is None or s.cancelled:
            return
        settings = class_settings.from_json(s.settings)
        lead = settings.instructor_remind_before_min
        if not reminders.reminder_window(s.starts_at, lead).open_at(now):
            return
        view = session_view(s)

        def render(locale: Locale) -> dict[str, Any]:
            text = data.texts.render(
                locale, "reminders.instructor_remind", session=view, minutes=lead
            )
            return message(text)

        key = f"remind-instructor:session:{s.id}:{reminders.time_key(s.starts_at)}"
        people = await queries.session_instructors(data.db, s.id)
        await _queue(data, now, people, settings.locale, key, render)

    return run


def _digest(class_id: int, day: date):  # type: ignore[no-untyped-def]
    async def run(data: BotData, now: datetime) -> None:
        # The day's bounds in UTC are read from any session of that local day.
        first = datetime.combine(day, datetime.min.time())
        probe = await queries.sessions_of_class(
            data.db,
            class_id,
            (first - timedelta(days=1)).replace(tzinfo=ZoneInfo("UTC")),
            (first + timedelta(days=2)).replace(tzinfo=ZoneInfo("UTC")),
        )
        sessions = [s for s in probe if reminders.local_day(s.starts_at, s.timezone) == day]
        if not sessions:
            return
        settings = class_settings.from_json(sessions[0].settings)
        window = reminders.digest_window(day, settings.digest_time, sessions[0].timezone)
        if not window.open_at(now):
            return
        trainees = await queries.class_members(data.db, class_id, ("trainee",))
        leave = await queries.on_leave(data.db, [s.id for s in sessions])
        views = [session_view(s) for s in sessions]
        rows = []
        for person in trainees:
            locale = reminders.recipient_locale(person.locale, settings.locale, data.config.locale)
            shown = [{**v, "on_leave": (person.person_id, v["id"]) in leave} for v in views]
            text = data.texts.render(
                locale,
                "reminders.digest",
                class_name=sessions[0].class_name,
                day=day.isoformat(),
                sessions=shown,
            )
            rows.append(_row(f"digest:class:{class_id}:{day.isoformat()}", person, message(text)))
        # The class managers' summary: the day's sessions and who the bot cannot reach.
        unreachable = await queries.unreachable_members(data.db, class_id)
        for person in await queries.class_members(data.db, class_id, ("manager",)):
            locale = reminders.recipient_locale(person.locale, settings.locale, data.config.locale)
            text = data.texts.render(
                locale,
                "reminders.manager_digest",
                class_name=sessions[0].class_name,
                day=day.isoformat(),
                sessions=views,
                unreachable=unreachable,
            )
            key = f"digest-manager:class:{class_id}:{day.isoformat()}"
            rows.append(_row(key, person, message(text)))
        await _write(data, now, rows)

    return run


async def notify_changes(data: BotData, details_json: str, now: datetime) -> int:
    """Tell the people of each session a re-import moved or cancelled; rows newly queued."""
    details = json.loads(details_json or "{}")
    fields: dict[str, list[str]] = details.get("session_fields") or {}
    changed = [int(sid) for sid, names in fields.items() if NOTIFIED_FIELDS & set(names)]
    cancelled = [int(sid) for sid in details.get("sessions_cancelled") or []]
    rows = []
    for session_id, macro in [(i, "changed") for i in changed] + [
        (i, "cancelled") for i in cancelled
    ]:
        s = await queries.session(data.db, session_id)
        if s is None or s.ends_at <= now or (macro == "changed" and s.cancelled):
            continue  # over, or cancelled since: the later notice says so
        settings = class_settings.from_json(s.settings)
        people = {
            p.person_id: p
            for p in [
                *await queries.class_members(data.db, s.class_id, ("trainee",)),
                *await queries.session_instructors(data.db, s.id),
            ]
        }
        view = session_view(s)
        texts: dict[Locale, dict[str, Any]] = {}
        stamp = reminders.time_key(s.updated_at)
        for person in people.values():
            locale = reminders.recipient_locale(person.locale, settings.locale, data.config.locale)
            if locale not in texts:
                texts[locale] = message(
                    data.texts.render(locale, f"reminders.{macro}", session=view)
                )
            rows.append(_row(f"{macro}:session:{s.id}:{stamp}", person, texts[locale]))
    return await _write(data, now, rows)


def _row(key: str, person: Recipient, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": f"{key}:person:{person.person_id}",
        "chat_id": person.chat_id,
        "person_id": person.person_id,
        "payload": payload,
    }


async def _queue(
    data: BotData,
    now: datetime,
    people: Iterable[Recipient],
    class_locale: str,
    key: str,
    render: Any,
) -> int:
    cache: dict[Locale, dict[str, Any]] = {}
    rows = []
    for person in people:
        locale = reminders.recipient_locale(person.locale, class_locale, data.config.locale)
        if locale not in cache:
            cache[locale] = render(locale)
        rows.append(_row(key, person, cache[locale]))
    return await _write(data, now, rows)


async def _write(data: BotData, now: datetime, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0

    async def op(tx: Tx) -> int:
        return await outbox.enqueue_many(tx, rows, now=now)

    queued = await data.db.write(op)
    if queued:
        data.outbox.wake()
    return queued
