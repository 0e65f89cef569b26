"""Timed work of check-in: each session's summary at its close, and the live /code messages.

The summary is a planned job per session (``session:42:checkin-close``) at the end of its
check-out window, when statuses become final; it goes to those who follow the class under
a key naming the session, so it is sent once. The code messages are kept current by one
repeating job that reads them from the forms table, so a restart only re-creates the job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.context import BotData
from bot.jobs import PlannedJob
from bot.outbox import caption_edit, message, photo_edit
from bot.rules import checkin_code, reminders
from bot.rules.locales import recipient_locale
from handlers.checkin import flows
from handlers.checkin.views import (
    code_live_until,
    code_photo,
    code_values,
    roll_of,
    settings_of,
    summary_values,
    window_of,
)
from handlers.leave import limit as leave_limit
from storage import forms, outbox, people, sessions
from storage.db import Database, Tx
from storage.forms import Form, FormKind

# A summary that could not be sent at the close is still worth sending this long after.
SUMMARY_USEFUL_FOR = timedelta(hours=12)
# How often the code job looks; edits happen once a minute (keyed), this bounds the delay.
REFRESH_EVERY_SECONDS = 10
REFRESH_JOB = "checkin:code-refresh"


async def plan(db: Database, now: datetime) -> Iterable[PlannedJob]:
    """One job per session still to close (or closed less than the useful time ago)."""
    jobs = []
    # A close is never before its session's end, so a session ending past the scheduler's
    # horizon has nothing to plan yet: without the bound, start-up read every future session.
    until = now + reminders.HORIZON
    for session in await sessions.ending_since(db, now - timedelta(days=2), until):
        closes = window_of(session).closes_at
        if closes + SUMMARY_USEFUL_FOR <= now:
            continue
        jobs.append(
            PlannedJob(
                name=f"session:{session.id}:checkin-close",
                at=closes,
                useful_until=closes + SUMMARY_USEFUL_FOR,
                run=_summary_job(session.id),
            )
        )
    return jobs


def _summary_job(session_id: int) -> Callable[[BotData, datetime], Awaitable[None]]:
    async def run(data: BotData, now: datetime) -> None:
        await send_summary(data, session_id, now)

    return run


async def send_summary(data: BotData, session_id: int, now: datetime) -> None:
    """Queue the session's final summary to those who follow its class (idempotent)."""
    session = await sessions.by_id(data.db, session_id)
    if session is None or session.cancelled:
        return
    roll = await roll_of(data.db, session, now)
    if not roll:
        return
    values = summary_values(session, roll)
    # Absences are final now: they may take a trainee past the leave limit's warnings. Who
    # that may be is read here, so the write holds the writer only to warn them.
    info, warnings = await leave_limit.close_warnings(data.db, session_id=session.id, now=now)
    # The summary too is read and rendered here: the write only queues it.
    key = f"checkin:summary:session:{session.id}"
    rows = await flows.followers_messages(data.db, data, session, key, "checkin.summary", values)

    async def op(tx: Tx) -> None:
        await leave_limit.warn_after_close(tx, data, info, warnings, now)
        if rows:
            await outbox.enqueue_many(tx, rows, now=now)

    await data.db.write(op)


async def refresh_displays(data: BotData, now: datetime) -> int:
    """Queue an edit of every code message whose minute has turned; return how many.

    A photo (the QR code with the digits as its caption) gets a new QR code and caption
    (editMessageMedia); a text message of an older release, new digits. Once the code is no
    longer shown, the caption (or text) says so and the display is forgotten: the QR code
    left on screen holds a code past its grace, worth nothing.
    """
    minute = checkin_code.minute_of(now)
    queued = 0
    for display in await forms.of_kind(data.db, FormKind.CODE_DISPLAY):
        if display.data.get("minute") == minute:
            continue
        session = await sessions.by_id(data.db, int(display.data["session_id"]))
        person = await people.by_id(data.db, display.person_id)
        if session is None or person is None:
            continue
        closed = session.cancelled or now >= code_live_until(session)
        locale = recipient_locale(person.locale, settings_of(session).locale, data.config.locale)
        key = f"checkin:code:session:{session.id}:message:{display.data['message_id']}"
        photo = bool(display.data.get("photo"))
        if closed:
            text = data.texts.render(locale, "checkin.code_closed", title=session.title)
            method, payload = (
                ("editMessageCaption", caption_edit(text))
                if photo
                else (
                    "editMessageText",
                    message(text),
                )
            )
            key += ":closed"
        else:
            text = data.texts.render(locale, "checkin.code_display", **code_values(session, now))
            if photo:
                png = code_photo(str(display.data["bot"]), session, now)
                method, payload = (
                    "editMessageMedia",
                    photo_edit(png, filename="checkin.png", caption=text),
                )
            else:
                method, payload = "editMessageText", message(text)
            key += f":{minute}"
        edit = (method, {"message_id": int(display.data["message_id"]), **payload})
        await data.db.write(_edit_op(display, edit, key, closed, minute, now))
        queued += 1
    return queued


def _edit_op(
    display: Form,
    edit: tuple[str, dict[str, Any]],
    key: str,
    closed: bool,
    minute: int,
    now: datetime,
) -> Callable[[Tx], Awaitable[None]]:
    async def op(tx: Tx) -> None:
        await outbox.enqueue(
            tx,
            key=key,
            chat_id=int(display.data["chat_id"]),
            person_id=display.person_id,
            method=edit[0],
            payload=edit[1],
            now=now,
        )
        sid = display.session_id
        if closed:
            await forms.drop(tx, display.person_id, FormKind.CODE_DISPLAY, session_id=sid)
        else:
            data = {**display.data, "minute": minute}
            await forms.save(
                tx, display.person_id, FormKind.CODE_DISPLAY, data, now, session_id=sid
            )

    return op


async def refresh_job(context: Any) -> None:
    """The repeating job's callback (PTB's JobQueue)."""
    data: BotData = context.bot_data
    await refresh_displays(data, data.clock.now())
