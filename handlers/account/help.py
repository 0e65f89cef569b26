"""/help: who the bot thinks you are, and what you can do in each of your classes."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from handlers.account.views import overview
from handlers.common import viewer_of


async def show_help(update: Update, context: Context) -> None:
    """Answer /help: the overview for a bound person, how to bind for anyone else."""
    viewer = viewer_of(context)
    if viewer.person is None:
        await update.effective_message.reply_text(context.t("start.how_to_bind"))
        return
    await update.effective_message.reply_text(overview(context, viewer, viewer.locale))
