"""/roster: for class staff, who has bound their account and who has not yet."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.permissions import Capability
from handlers.common import reply_pages, viewer_of
from storage import classes

# Names listed per class at most: a 900-person class must still fit one message.
MAX_NAMES = 60


async def show_roster(update: Update, context: Context) -> None:
    """List, per class the viewer manages or monitors, the people not bound yet."""
    viewer = viewer_of(context)
    message = update.effective_message
    staff_of = viewer.classes_where(Capability.SEE_ROSTER)
    sections = []
    for membership in staff_of:
        entries = await classes.roster(context.db, membership.klass.id)
        unbound = [e.name for e in entries if not e.bound]
        sections.append(
            {
                "name": membership.klass.name,
                "total": len(entries),
                "bound": len(entries) - len(unbound),
                "unbound": unbound[:MAX_NAMES],
                "more": max(0, len(unbound) - MAX_NAMES),
            }
        )
    await reply_pages(message, context.t("roster.overview", classes=sections))
