"""/lang: choose Chinese or English."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, pack, unpack
from bot.context import Context, Viewer
from bot.rules.locales import Locale, parse_locale
from handlers.common import PRIVATE, answer, refresh_menu, viewer_of
from storage import audit, people
from storage.db import Tx

_LOGGER = logging.getLogger(__name__)


def _is_lang_button(data: object) -> bool:
    decoded = unpack(data) if isinstance(data, str) else None
    return decoded is not None and decoded.action is Action.LANG_SET


async def ask_language(update: Update, context: Context) -> None:
    """Answer /lang: switch at once with /lang en, else offer both languages as buttons."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    if context.args:
        locale = parse_locale(context.args[0])
        if locale is None:
            await message.reply_text(context.t("lang.unknown", value=context.args[0]))
            return
        await _switch(update, context, viewer, locale)
        await message.reply_text(context.texts.render(locale, "lang.switched"))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.label(f"buttons.lang_{code}"), callback_data=pack(Action.LANG_SET, code)
                )
                for code in ("zh", "en")
            ]
        ]
    )
    await message.reply_text(context.t("lang.choose"), reply_markup=keyboard)


async def pressed_language(update: Update, context: Context) -> None:
    """Switch language from the /lang buttons."""
    query = update.callback_query
    viewer = viewer_of(context)
    decoded = unpack(query.data)
    locale = parse_locale(str(decoded.args[0])) if decoded else None
    if viewer.person is None or locale is None:
        await answer(query, context.label("buttons.stale"))
        return
    await _switch(update, context, viewer, locale)
    # Saved: from here on the person hears the new language, an apology included.
    context.viewer = replace(viewer, locale=locale)
    # The edit is the confirmation, so it goes first: if it fails, the error handler can
    # still answer the press with an apology, and pressing again changes nothing twice.
    await _confirm(query, context.texts.render(locale, "lang.switched"))
    await answer(query)


async def _confirm(query: CallbackQuery, text: str) -> None:
    """Say on the message that offered the choice that it is made."""
    try:
        await query.edit_message_text(text)
    except BadRequest as error:
        # A second press, or one after an edit whose answer was lost, finds it said already.
        if "not modified" not in str(error).lower():
            raise


async def _switch(update: Update, context: Context, viewer: Viewer, locale: Locale) -> None:
    assert viewer.person is not None
    person_id = viewer.person.id
    now = context.bot_data.clock.now()

    async def save(tx: Tx) -> None:
        await people.set_locale(tx, person_id, locale, now)
        await audit.record(
            tx,
            at=now,
            actor=f"telegram:{viewer.user_id}",
            actor_id=person_id,
            action="person.locale",
            subject=f"person:{person_id}",
            details={"locale": locale},
        )

    if viewer.locale != locale:
        await context.db.write(save)
        await refresh_menu(update, context, viewer, locale)


def register(app: Application) -> None:
    """Add /lang and its buttons."""
    app.add_handler(CommandHandler("lang", ask_language, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(pressed_language, pattern=_is_lang_button))
