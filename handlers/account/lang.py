"""/lang: choose Chinese or English."""

from __future__ import annotations

from dataclasses import replace

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot.buttons import LangSet, keyboard
from bot.context import Context, Viewer
from bot.rules.locales import LOCALES, Locale, parse_locale
from handlers.account import flows
from handlers.common import StalePress, answer, refresh_menu, viewer_of


async def ask_language(update: Update, context: Context) -> None:
    """Answer /lang: switch at once with /lang en, else offer both languages as buttons."""
    viewer = viewer_of(context)
    message = update.effective_message
    if context.args:
        locale = parse_locale(context.args[0])
        if locale is None:
            await message.reply_text(context.t("lang.unknown", value=context.args[0]))
            return
        await _switch(update, context, viewer, locale)
        await message.reply_text(context.texts.render(locale, "lang.switched"))
        return
    choices = [(context.label(f"buttons.lang_{code}"), LangSet(code)) for code in LOCALES]
    await message.reply_text(context.t("lang.choose"), reply_markup=keyboard([choices]))


async def pressed_language(update: Update, context: Context, button: LangSet) -> None:
    """Switch language from the /lang buttons."""
    query = update.callback_query
    viewer = viewer_of(context)
    locale = parse_locale(button.locale)
    if locale is None:
        raise StalePress
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
    if viewer.locale == locale:
        return
    person_id, now = viewer.person.id, context.bot_data.clock.now()
    await context.db.write(
        lambda tx: flows.set_locale(
            tx, person_id=person_id, user_id=viewer.user_id, locale=locale, now=now
        )
    )
    await refresh_menu(update, context, viewer, locale)
