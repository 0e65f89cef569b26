"""/code: the rotating check-in code for class managers, kept current by editing the message.

The message's chat and id are kept as a form (kind ``checkin.code_display``), so after a
restart the repeating job (handlers/checkin/jobs.py) finds it again and edits it once a
minute through the outbox.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.context import Context
from bot.permissions import Capability, roles_for
from bot.rules import checkin_code
from handlers.checkin.views import code_values, open_for_checkin, proofs_needed
from handlers.common import viewer_of
from storage import forms, sessions
from storage.forms import FormKind

_NEAR = timedelta(days=1)  # check-in opens at most a day before a session


async def code_command(update: Update, context: Context) -> None:
    """Show the current session's code, sent protected so it cannot be forwarded."""
    viewer = viewer_of(context)
    message = update.effective_message
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    roles = sorted(roles_for(Capability.SHOW_CODE))
    near = await sessions.of_person_around(context.db, person_id, roles, now - _NEAR, now + _NEAR)
    coded = [s for s in near if "code" in proofs_needed(s)]
    open_ = open_for_checkin(coded, now)
    if not open_:
        name = "checkin.code_no_session" if coded or not near else "checkin.code_not_used"
        await message.reply_text(context.t(name))
        return
    session = open_[0]
    sent = await message.reply_text(
        context.t("checkin.code_display", **code_values(session, now)), protect_content=True
    )
    display = {
        "session_id": session.id,
        "chat_id": sent.chat_id,
        "message_id": sent.message_id,
        "minute": checkin_code.minute_of(now),
    }
    await context.db.write(
        lambda tx: forms.save(tx, person_id, FormKind.CODE_DISPLAY, display, now)
    )
