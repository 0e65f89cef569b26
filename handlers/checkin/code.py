"""/code: the rotating check-in code for class managers, kept current by editing the message.

The message's chat and id are stored (forms, kind ``checkin.code_display``), so after a restart
the repeating job finds it again. Every run queues an editMessageText through the outbox under
a key naming the minute: running twice in one minute edits once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.context import BotData, Context
from bot.rules import checkin_code
from bot.rules.attendance import CheckinVerdict, checkin_verdict
from bot.rules.roles import Role
from handlers.checkin.common import hhmm, locale_of, proofs_needed, window_of
from handlers.common import viewer_of
from storage import attendance, people
from storage.attendance import CODE_DISPLAY_FORM, SessionRow
from storage.db import Tx
from storage.outbox import enqueue

# How often the job looks; edits happen once a minute (keyed), this only bounds the delay.
REFRESH_EVERY_SECONDS = 10
JOB_NAME = "checkin:code-refresh"


def _code_values(session: SessionRow, now: datetime) -> dict[str, object]:
    return {
        "title": session.title,
        "class_name": session.class_name,
        "code": checkin_code.code_at(session.secret, now),
        "time": hhmm(now, session),
    }


async def code_command(update: Update, context: Context) -> None:
    """Show the current session's code, sent protected so it cannot be forwarded."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    if not any(Role.MANAGER in m.roles for m in viewer.memberships):
        await message.reply_text(context.t("checkin.code_not_manager"))
        return
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    sessions = await attendance.sessions_near(context.db, person_id, Role.MANAGER, now)
    coded = [s for s in sessions if "code" in proofs_needed(s)]
    open_ = [
        s
        for s in coded
        if checkin_verdict(now, window_of(s)) in (CheckinVerdict.ON_TIME, CheckinVerdict.LATE)
    ]
    if not open_:
        name = "checkin.code_no_session" if coded or not sessions else "checkin.code_not_used"
        await message.reply_text(context.t(name))
        return
    session = open_[0]
    sent = await message.reply_text(
        context.t("checkin.code_display", **_code_values(session, now)), protect_content=True
    )
    data = {
        "session_id": session.id,
        "chat_id": sent.chat_id,
        "message_id": sent.message_id,
        "minute": checkin_code.minute_of(now),
    }

    async def save(tx: Tx) -> None:
        await attendance.save_form(tx, person_id, CODE_DISPLAY_FORM, data, now)

    await context.db.write(save)


async def refresh_displays(data: BotData, now: datetime) -> int:
    """Queue an edit of every code message whose minute has turned; return how many."""
    displays = await attendance.forms_of_kind(data.db, CODE_DISPLAY_FORM)
    minute = checkin_code.minute_of(now)
    queued = 0
    for person_id, display in displays:
        if display.get("minute") == minute:
            continue
        session = await attendance.session_by_id(data.db, int(display["session_id"]))
        person = await people.by_id(data.db, person_id)
        if session is None or person is None:
            continue
        closed = session.cancelled or now >= window_of(session).checkin_closes
        locale = locale_of(person.locale, session, data.config)
        if closed:
            text = data.texts.render(locale, "checkin.code_closed", title=session.title)
            key = f"checkin:code:session:{session.id}:message:{display['message_id']}:closed"
        else:
            text = data.texts.render(locale, "checkin.code_display", **_code_values(session, now))
            key = f"checkin:code:session:{session.id}:message:{display['message_id']}:{minute}"

        await data.db.write(_edit_op(person_id, display, text, key, closed, minute, now))
        queued += 1
    if queued:
        data.outbox.wake()
    return queued


def _edit_op(
    person_id: int,
    display: dict[str, Any],
    text: str,
    key: str,
    closed: bool,
    minute: int,
    now: datetime,
) -> Callable[[Tx], Awaitable[None]]:
    async def op(tx: Tx) -> None:
        await enqueue(
            tx,
            key=key,
            chat_id=int(display["chat_id"]),
            person_id=person_id,
            method="editMessageText",
            payload={
                "message_id": int(display["message_id"]),
                "text": text,
                "parse_mode": ParseMode.HTML,
            },
            now=now,
        )
        if closed:
            await attendance.drop_form(tx, person_id, CODE_DISPLAY_FORM)
        else:
            data = {**display, "minute": minute}
            await attendance.save_form(tx, person_id, CODE_DISPLAY_FORM, data, now)

    return op


async def _refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    data: BotData = context.bot_data  # type: ignore[assignment]
    await refresh_displays(data, data.clock.now())
