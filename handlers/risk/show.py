"""/risk: the trainees at risk in each class the viewer manages or administers.

Sorted by their share of the leave limit, those past 50%, 80% and 100% counted, those with
unexcused absence on the class's absence_days_alert days or more, and the highest
attendance rate each can still reach. The 80% warning to class managers carries a button
that shows the same list.
"""

from __future__ import annotations

from telegram import Update

from bot import permissions
from bot.buttons import RiskShow
from bot.context import Context
from bot.permissions import Capability
from handlers.common import StalePress, answer, viewer_of
from handlers.leave.info import class_info
from handlers.risk.views import render, trainees_of


async def _reply(update: Update, context: Context, class_id: int) -> None:
    info = await class_info(context.db, class_id)
    assert info is not None
    now = context.bot_data.clock.now()
    found = await trainees_of(context.db, info, now)
    text = render(context.texts, context.locale, info, found)
    await update.effective_message.reply_text(text)


async def risk_command(update: Update, context: Context) -> None:
    """The list of every class where the viewer may see it."""
    for membership in viewer_of(context).classes_where(Capability.SEE_RISK):
        await _reply(update, context, membership.klass.id)


async def pressed_show(update: Update, context: Context, button: RiskShow) -> None:
    """The 80% warning's button: the class's list, if the presser may see it now."""
    person_id = viewer_of(context).person.id
    if not await permissions.holds(context.db, Capability.SEE_RISK, button.class_id, person_id):
        raise StalePress
    await answer(update.callback_query)
    await _reply(update, context, button.class_id)
