"""Timed notices: the morning digest, the reminder before each session, the instructor's
reminder, and the notice that a re-import moved or cancelled a session.

One job per session (trainees' reminder, instructor's reminder) and one per class-day (the
digest), never one per person: a job reads who to tell when it runs and queues one outbox
row per person under a key naming the cause, so running it twice queues nothing new. A
reminder key carries the session's start time: when a re-import moves a session, the new
time gets its own reminder even if the old one went out. A change notice's key names its
cause, the import's audit-log id and the session, so a later re-import (even one that only
retitles the session) never makes an earlier notice new again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Action, pack
from bot.jobs import PlannedJob
from bot.outbox import message
from bot.rules import class_settings, reminders
from bot.rules.locales import Locale, recipient_locale
from storage import outbox
from storage import reminders as queries
from storage.db import Database, Tx
from storage.reminders import ImportEntry, Recipient, SessionRow

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
            locale = recipient_locale(person.locale, settings.locale, data.config.locale)
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
            locale = recipient_locale(person.locale, settings.locale, data.config.locale)
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


async def notify_changes(data: BotData, imports: Sequence[ImportEntry], now: datetime) -> int:
    """Tell people what these imports changed, as the timetable stands now; rows queued.

    Each notice is keyed on its cause, the audit id of the import and the session, never
    on the session's current state, so looking at the same imports again (a restart within
    the scheduler's look-back) queues nothing new. What a notice says is the session's
    state at this check: a session cancelled and put back meanwhile is not reported
    cancelled, and a session people were told was cancelled and that is back gets its own
    notice, keyed on the cancellation it undoes.
    """
    moved: dict[int, int] = {}  # session id -> the last import here that moved it
    cancelled: dict[int, int] = {}  # session id -> the last import here that cancelled it
    classes: set[int] = set()
    for entry in imports:
        details = json.loads(entry.details or "{}")
        for sid, names in (details.get("session_fields") or {}).items():
            if NOTIFIED_FIELDS & set(names):
                moved[int(sid)] = entry.id
        for sid in details.get("sessions_cancelled") or []:
            cancelled[int(sid)] = entry.id
        if entry.class_id is not None:
            classes.add(entry.class_id)
    notices: list[tuple[str, SessionRow, int]] = []  # (macro, session, cause)
    for session_id in sorted(moved.keys() | cancelled.keys()):
        s = await queries.session(data.db, session_id)
        if s is None or s.ends_at <= now:
            continue  # over: nothing to tell
        if s.cancelled and session_id in cancelled:
            notices.append(("cancelled", s, cancelled[session_id]))
        elif not s.cancelled and session_id in moved:
            notices.append(("changed", s, moved[session_id]))
        # Else cancelled and put back before this check: nobody was told, so nothing to undo.
    for class_id in sorted(classes):
        found = await queries.cancellations_of_active(data.db, class_id, now)
        for session_id, cancelling in found.items():
            told = await _last_told_cancellation(data, session_id, cancelling)
            if told is not None and (s := await queries.session(data.db, session_id)):
                notices.append(("restored", s, told))
    rows = []
    for macro, s, cause in notices:
        rows += await _change_rows(data, s, macro, f"{macro}:session:{s.id}:import:{cause}")
    return await _write(data, now, rows)


async def _last_told_cancellation(
    data: BotData, session_id: int, cancelling: list[int]
) -> int | None:
    """The latest of these cancellations whose notice was queued: what people last heard."""
    for audit_id in reversed(cancelling):
        if await outbox.counts(data.db, f"cancelled:session:{session_id}:import:{audit_id}:"):
            return audit_id
    return None


async def _change_rows(data: BotData, s: SessionRow, macro: str, key: str) -> list[dict[str, Any]]:
    """One notice per person of the session (its trainees and instructors)."""
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
    rows = []
    for person in people.values():
        locale = recipient_locale(person.locale, settings.locale, data.config.locale)
        if locale not in texts:
            texts[locale] = message(data.texts.render(locale, f"reminders.{macro}", session=view))
        rows.append(_row(key, person, texts[locale]))
    return rows


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
        locale = recipient_locale(person.locale, class_locale, data.config.locale)
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
