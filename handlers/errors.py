"""The one error handler: log it fully, tell the person politely, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import Context

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its update id and traceback, then apologise in the chat.

    Later handler groups are stopped: when the identity guard fails, a feature handler
    would fail again for want of a viewer, and the person would get two apologies.
    """
    update_id = update.update_id if isinstance(update, Update) else None
    _LOGGER.error("error while handling update %s", update_id, exc_info=context.error)
    try:
        await _apologise(update, context)
    finally:
        if isinstance(update, Update):
            raise ApplicationHandlerStop


async def _apologise(update: object, context: Context) -> None:
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(context.label("buttons.error"), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, context.t("errors.generic"))
    except Exception:  # noqa: BLE001 - Telegram itself may be what failed; logged above
        _LOGGER.warning("could not tell chat %s about the error", update.effective_chat.id)
