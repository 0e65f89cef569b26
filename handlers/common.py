"""Small helpers every feature uses to answer."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.context import Context, Viewer
from bot.menus import publish_person_commands
from bot.rules.locales import Locale

_LOGGER = logging.getLogger(__name__)

# Binding and everything personal happen one to one, never in a group.
PRIVATE = filters.ChatType.PRIVATE


def viewer_of(context: Context) -> Viewer:
    """The viewer the identity guard set; every update with a user has one."""
    if context.viewer is None:
        raise RuntimeError("identity guard did not run for this update")
    return context.viewer


async def refresh_menu(update: Update, context: Context, viewer: Viewer, locale: Locale) -> None:
    """Republish a person's own command menu; a failure costs only the menu, so log it."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await publish_person_commands(context.bot, context.texts, chat.id, viewer.roles, locale)
    except Exception:
        _LOGGER.warning("could not set the command menu for chat %s", chat.id, exc_info=True)


async def answer(
    query: CallbackQuery, text: str | None = None, *, alert: bool | None = None
) -> None:
    """Answer a button press: an alert when there is text (unless ``alert=False``: a toast).

    Best effort, always: the answer only stops the button's spinner or shows a line, and
    whatever the press did is already saved or refused. A redelivered press was answered
    the first time (Telegram refuses a second answer), and a network error or a 429 here
    must not turn a done action into an apology.
    """
    try:
        if text is None:
            await query.answer()
        else:
            await query.answer(text, show_alert=True if alert is None else alert)
    except TelegramError:
        _LOGGER.warning("could not answer button press %s", query.id, exc_info=True)
