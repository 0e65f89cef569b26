"""How one's account looks: who the bot thinks you are, and the contact-sharing keyboard."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup

from bot.context import Context, Viewer
from bot.permissions import commands_for
from bot.rules.locales import Locale
from bot.rules.roles import Role

# Roles in the order a person would name them.
_ROLE_ORDER = list(Role)


def overview(context: Context, viewer: Viewer, locale: Locale, *, greet: bool = True) -> str:
    """Render the greeting and, per class, the person's roles and their commands (without
    the greeting right after "bound", which has just greeted them by name)."""
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
    return texts.render(
        locale, "help.overview", name=viewer.person.name, classes=sections, greet=greet
    )


def contact_keyboard(context: Context) -> ReplyKeyboardMarkup:
    """One button that shares the person's own contact, to bind by phone number."""
    button = KeyboardButton(context.label("buttons.share_contact"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
