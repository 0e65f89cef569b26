"""/help: who the bot thinks you are, and what you can do in each of your classes."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from handlers.account.views import overview
from handlers.common import viewer_of


async def show_help(update: Update, context: Context) -> None:
    """Answer /help: who the bot thinks you are, and your commands in each class."""
    viewer = viewer_of(context)
    await update.effective_message.reply_text(overview(context, viewer, viewer.locale))
