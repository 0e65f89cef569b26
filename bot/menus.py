"""The command menu Telegram shows next to the text field: one per person, by role."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.permissions import UNBOUND_COMMANDS, commands_for
from bot.rules.locales import LOCALES, Locale
from bot.rules.roles import Role
from bot.texts import Texts


def _menu(texts: Texts, locale: Locale, names: Iterable[str]) -> list[BotCommand]:
    return [BotCommand(name, texts.plain(locale, f"commands.{name}")) for name in names]


async def publish_default_commands(bot: Bot, texts: Texts) -> None:
    """Set the menu for people not bound yet, in Chinese by default and in English."""
    for locale in LOCALES:
        await bot.set_my_commands(
            _menu(texts, locale, UNBOUND_COMMANDS),
            scope=BotCommandScopeDefault(),
            # Telegram picks the menu by the user's app language; no code means everyone else.
            language_code=None if locale == "zh" else locale,
        )


async def publish_person_commands(
    bot: Bot, texts: Texts, chat_id: int, roles: Iterable[Role], locale: Locale
) -> None:
    """Set one person's own menu: the commands their roles open, in their language."""
    names = [c.name for c in commands_for(roles)]
    await bot.set_my_commands(_menu(texts, locale, names), scope=BotCommandScopeChat(chat_id))
