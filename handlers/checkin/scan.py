"""扫码签到: a trainee scans the QR code of /code with the phone's camera.

Telegram opens the bot and, on Start, sends ``/start ci_<session>_<code>``
(bot/rules/checkin_code.py). The scan chooses that session, and its code is checked as a
typed code is (handlers/checkin/codes.py): against that session only, counted if wrong or
past its grace, under the same lock-out. It never binds an account: someone not bound yet
is told how to bind first.
"""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.ext import filters

from bot import permissions
from bot.context import Context
from bot.permissions import Capability
from bot.rules import checkin_code
from bot.rules.attendance import CheckinVerdict, checkin_verdict
from handlers.checkin import codes
from handlers.checkin.views import hhmm, proofs_needed, window_of
from handlers.common import viewer_of
from storage import sessions

_SCANNED = re.compile(rf"^/start(@\w+)?\s+{checkin_code.LINK_PREFIX}")


class _Scanned(filters.MessageFilter):
    """/start with a check-in link's payload (an invite code never has its prefix)."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and _SCANNED.match(message.text) is not None


SCANNED = _Scanned(name="checkin.scanned")


async def scanned(update: Update, context: Context) -> None:
    """Check in to the session the scanned link names, with the code it holds."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    found = checkin_code.parse_link_payload(context.args[0]) if context.args else None
    if found is None:
        await message.reply_text(context.t("checkin.scan_unreadable"))
        return
    session_id, code = found
    session = await sessions.by_id(context.db, session_id)
    person_id = viewer.person.id
    if session is None or not await permissions.holds(
        context.db, Capability.CHECK_IN, session.class_id, person_id
    ):
        await message.reply_text(context.t("checkin.scan_not_yours"))
        return
    if "code" not in proofs_needed(session):
        await message.reply_text(context.t("checkin.no_code_session"))
        return
    w = window_of(session)
    verdict = checkin_verdict(context.bot_data.clock.now(), w)
    if session.cancelled or verdict is CheckinVerdict.CLOSED:
        await message.reply_text(context.t("checkin.closed", title=session.title))
        return
    if verdict is CheckinVerdict.TOO_EARLY:
        opens = hhmm(w.checkin_opens, session)
        await message.reply_text(context.t("checkin.too_early", title=session.title, opens=opens))
        return
    await codes.code_typed(update, context, person_id, [session], code, chosen=session)
