"""/code: the rotating check-in code and its QR code (扫码签到), for class managers.

The message is a photo: the QR code of a deep link holding this minute's code, and the
digits in its caption for those who type them. With two sessions' check-in open at once
(back-to-back sessions, check-in opening early) the manager picks one with a button, and
each session's code is a live message of its own. Each live message is kept as a form (kind
``checkin.code_display``, one per session), so after a restart the repeating job
(handlers/checkin/jobs.py) finds it again and renews the QR code and the digits every minute
through the outbox.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot import permissions
from bot.buttons import CodeShow
from bot.context import Context
from bot.permissions import Capability, roles_for
from bot.rules import checkin_code
from handlers.checkin import flows
from handlers.checkin.views import (
    choice_keyboard,
    code_photo,
    code_shown,
    code_values,
    proofs_needed,
)
from handlers.common import StalePress, answer, viewer_of
from storage import sessions, updates
from storage.sessions import Session

_NEAR = timedelta(days=1)  # check-in opens at most a day before a session
_MANAGER = sorted(roles_for(Capability.SHOW_CODE))


async def code_command(update: Update, context: Context) -> None:
    """Show the code of the session open now, or ask which when several are."""
    viewer = viewer_of(context)
    message = update.effective_message
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    near = await sessions.of_person_around(
        context.db, person_id, _MANAGER, now - _NEAR, now + _NEAR
    )
    coded = [s for s in near if "code" in proofs_needed(s)]
    shown = code_shown(coded, now)
    if not shown:
        name = "checkin.code_no_session" if coded or not near else "checkin.code_not_used"
        await message.reply_text(context.t(name))
        return
    if len(shown) > 1:
        keyboard = choice_keyboard(context, CodeShow, shown)
        await message.reply_text(context.t("checkin.code_choose"), reply_markup=keyboard)
        return
    await _show(update, context, person_id, shown[0])


async def pressed_show(update: Update, context: Context, button: CodeShow) -> None:
    """A session picked from /code's question: show its code, if it is still shown."""
    query = update.callback_query
    person_id = viewer_of(context).person.id
    session = await sessions.by_id(context.db, button.session_id)
    if session is None or not await permissions.holds(
        context.db, Capability.SHOW_CODE, session.class_id, person_id
    ):
        raise StalePress
    now = context.bot_data.clock.now()
    if session.cancelled or not code_shown([session], now):
        await answer(query, context.label("checkin.code_over", title=session.title))
        return
    await answer(query)
    await _show(update, context, person_id, session)


async def _show(update: Update, context: Context, person_id: int, session: Session) -> None:
    """Send the session's code message (protected: it cannot be forwarded) and keep it live.

    A redelivered update shows nothing more: its message went out the first time, and a
    second one would be a code message nobody keeps current.
    """
    if await updates.was_processed(context.db, update.update_id):
        await update.effective_message.reply_text(context.t("checkin.code_duplicate"))
        return
    now = context.bot_data.clock.now()
    username = context.bot.username
    sent = await update.effective_message.reply_photo(
        code_photo(username, session, now),
        caption=context.t("checkin.code_display", **code_values(session, now)),
        protect_content=True,
    )
    display = {
        "session_id": session.id,
        "chat_id": sent.chat_id,
        "message_id": sent.message_id,
        "minute": checkin_code.minute_of(now),
        "photo": True,
        "bot": username,
    }
    moved = context.t("checkin.code_moved", title=session.title)
    await context.db.write(
        lambda tx: flows.keep_code_display(
            tx, update.update_id, person_id, session.id, display, moved, now
        )
    )
