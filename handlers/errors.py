"""The one error handler: log it fully, tell the person politely, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.rules.locales import Locale, locale_from_telegram, parse_locale
from storage import people

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
    texts = context.bot_data.texts
    locale = await _locale_of(update, context)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(
                texts.plain(locale, "buttons.error"), show_alert=True
            )
        else:
            await context.bot.send_message(
                update.effective_chat.id, texts.render(locale, "errors.generic")
            )
    except Exception:  # noqa: BLE001 - Telegram itself may be what failed; logged above
        _LOGGER.warning("could not tell chat %s about the error", update.effective_chat.id)


async def _locale_of(update: Update, context: Context) -> Locale:
    """The person's language, read afresh: an error handler's context has no viewer.

    The identity guard's answer is gone (PTB gives error handlers a context of their own),
    and the failure may have come after a change of language, so the database is asked
    again; if the database is what failed, Telegram's language code decides.
    """
    user = update.effective_user
    config_locale = context.bot_data.config.locale
    telegram_locale = locale_from_telegram(user.language_code if user else None, config_locale)
    if user is None:
        return telegram_locale
    try:
        person = await people.by_telegram_user(context.db, user.id)
    except Exception:  # noqa: BLE001 - the database may be what failed; logged above
        return telegram_locale
    return (person and parse_locale(person.locale)) or telegram_locale
