"""/pending: every request waiting for the person's decision, each as its live card.

A card sent here decides like the one the outbox sent: the decision closes every other card
of the request, this person's first one included.
"""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from handlers.common import viewer_of
from handlers.corrections.views import waiting_cards as correction_cards
from handlers.leave.views import waiting_cards as leave_cards_of

# Cards listed at most, so the answer stays a few messages; the header counts them all.
MAX_CARDS = 20


async def pending_command(update: Update, context: Context) -> None:
    """List the leave requests, then the correction requests, waiting for this person."""
    message = update.effective_message
    viewer, now = viewer_of(context), context.bot_data.clock.now()
    leave_cards = await leave_cards_of(context.db, context.texts, context.locale, viewer, now)
    fix_cards = await correction_cards(context.db, context.texts, context.locale, viewer)
    if not leave_cards and not fix_cards:
        await message.reply_text(context.t("pending.nothing"))
        return
    await message.reply_text(
        context.t(
            "pending.header",
            leave=len(leave_cards),
            fixes=len(fix_cards),
            shown=min(MAX_CARDS, len(leave_cards) + len(fix_cards)),
        )
    )
    for text, markup in [*leave_cards, *fix_cards][:MAX_CARDS]:
        await message.reply_text(text, reply_markup=markup)
