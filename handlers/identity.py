"""The guard that runs before every feature: who is this, and in which language?"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.context import Context, Viewer
from bot.texts import locale_from_telegram, parse_locale
from storage import classes, people


async def identify(update: Update, context: Context) -> None:
    """Load the speaker's person and memberships from the database into context.viewer."""
    user = update.effective_user
    if user is None:
        return
    db = context.db
    person = await people.by_telegram_user(db, user.id)
    memberships = tuple(await classes.memberships_of(db, person.id)) if person else ()
    fallback = context.bot_data.config.locale
    locale = (person and parse_locale(person.locale)) or locale_from_telegram(
        user.language_code, fallback
    )
    context.viewer = Viewer(user.id, person, memberships, locale)


def register(app: Application, *, group: int) -> None:
    """Run identify for every update, before any feature."""
    app.add_handler(TypeHandler(Update, identify), group=group)
