"""The guard that runs before every feature: who is this, and in which language?"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.context import Context, Viewer
from bot.rules.locales import locale_from_telegram, parse_locale
from storage import identities, people


async def identify(update: Update, context: Context) -> None:
    """Set context.viewer: the speaker's person, memberships and locale, as the database
    says now (from the identity cache, which the database's change log keeps true)."""
    user = update.effective_user
    if user is None:
        return
    db = context.db
    # From memory while no identity changed anywhere (storage/identities.py): this runs for
    # every update (benchmarks/bench_checkin.py).
    found = await identities.identity(db, user.id)
    person, memberships = found.person, found.memberships
    if person is not None and found.unreachable:
        # They wrote to us, so Telegram lets us write to them again (see bot/outbox.py).
        now = context.bot_data.clock.now()
        await db.write(lambda tx: people.mark_reachable(tx, person.id, now))
    fallback = context.bot_data.config.locale
    locale = (person and parse_locale(person.locale)) or locale_from_telegram(
        user.language_code, fallback
    )
    context.viewer = Viewer(user.id, person, memberships, locale)


def register(app: Application, *, group: int) -> None:
    """Run identify for every update, before any feature."""
    app.add_handler(TypeHandler(Update, identify), group=group)
