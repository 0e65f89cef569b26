"""/help: who the bot thinks you are, and what you can do in each of your classes."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.commands import commands_for
from bot.context import Context, Viewer
from bot.rules.locales import Locale
from bot.rules.roles import Role
from handlers.common import PRIVATE, viewer_of

# Roles in the order a person would name them.
_ROLE_ORDER = list(Role)


def overview(context: Context, viewer: Viewer, locale: Locale) -> str:
    """Render the greeting and, per class, the person's roles and their commands."""
    assert viewer.person is not None
    texts = context.texts
    sections = []
    for membership in viewer.memberships:
        roles = sorted((Role(r) for r in membership.roles), key=_ROLE_ORDER.index)
        sections.append(
            {
                "name": membership.klass.name,
                "roles": [texts.plain(locale, f"roles.{r.value}") for r in roles],
                "commands": [
                    (c.name, texts.plain(locale, f"commands.{c.name}")) for c in commands_for(roles)
                ],
            }
        )
    return texts.render(locale, "help.overview", name=viewer.person.name, classes=sections)


async def show_help(update: Update, context: Context) -> None:
    """Answer /help: the overview for a bound person, how to bind for anyone else."""
    viewer = viewer_of(context)
    if viewer.person is None:
        await update.effective_message.reply_text(context.t("start.how_to_bind"))
        return
    await update.effective_message.reply_text(overview(context, viewer, viewer.locale))


def register(app: Application) -> None:
    """Add /help."""
    app.add_handler(CommandHandler("help", show_help, filters=PRIVATE))
