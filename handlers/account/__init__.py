"""One's account: binding it to a person on a roster (/start, a shared contact, an invite
link), /help, /lang, and /roster for class staff.

Modules: start (binding), help, lang, roster (the steps); flows (binding and the language,
each in one transaction), views (the overview /help and a new binding show).
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.buttons import LangSet
from handlers.account import help, lang, roster, start
from handlers.common import PRIVATE, on_command, on_press


def register(app: Application) -> None:
    """Add /start, contact sharing, /help, /lang and its buttons, /roster."""
    app.add_handler(CommandHandler("start", start.start, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.CONTACT, start.shared_contact))
    on_command(app, "help", help.show_help)
    on_command(app, "lang", lang.ask_language)
    on_press(app, lang.pressed_language, LangSet)
    on_command(
        app,
        "roster",
        roster.show_roster,
        refusal="roster.not_allowed",
        unbound="roster.not_allowed",
    )
