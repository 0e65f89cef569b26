"""What no feature took: unknown commands, stray messages, stale or forged buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import Context
from handlers.common import PRIVATE, answer, viewer_of


async def unknown_message(update: Update, context: Context) -> None:
    """Point a stranger to binding and a known person to /help."""
    viewer = viewer_of(context)
    name = "start.how_to_bind" if viewer.person is None else "fallback.not_understood"
    await update.effective_message.reply_text(context.t(name))


async def unknown_button(update: Update, context: Context) -> None:
    """Answer every press no feature claimed: Telegram shows a spinner until it is answered."""
    await answer(update.callback_query, context.label("buttons.stale"))


def register(app: Application) -> None:
    """Add the fallbacks; register last so every feature sees updates first."""
    app.add_handler(MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, unknown_message))
    app.add_handler(CallbackQueryHandler(unknown_button))
