"""/start and contact sharing: binding a Telegram account to a person on a roster."""

from __future__ import annotations

import re

from telegram import ReplyKeyboardRemove, Update

from bot.context import Context, Viewer
from bot.rules.binding import BindOutcome
from bot.rules.phones import normalize_phone
from handlers.account import flows
from handlers.account.views import contact_keyboard, overview
from handlers.common import refresh_menu, viewer_of
from storage import classes, people
from storage.db import Tx
from storage.people import Person

# What t.me deep links can carry: anything else is not one of our codes.
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def start(update: Update, context: Context) -> None:
    """Answer /start: welcome a stranger, bind by invite code, or greet a known person."""
    viewer = viewer_of(context)
    message = update.effective_message
    if not context.args:
        if viewer.person is not None:
            await message.reply_text(overview(context, viewer, viewer.locale))
        else:
            await message.reply_text(
                context.t("start.welcome"), reply_markup=contact_keyboard(context)
            )
        return
    code = context.args[0]
    if not _CODE_SHAPE.match(code):
        await message.reply_text(context.t("start.no_match_code"))
        return
    await _bind(update, context, lambda tx: people.by_invite_code(tx, code), via="code")


async def shared_contact(update: Update, context: Context) -> None:
    """Bind by the phone number of a contact the person shared, if it is their own."""
    message = update.effective_message
    contact = message.contact
    if contact.user_id != update.effective_user.id:
        await message.reply_text(
            context.t("start.not_own_contact"), reply_markup=contact_keyboard(context)
        )
        return
    phone = normalize_phone(contact.phone_number)

    async def find(tx: Tx) -> Person | None:
        return await people.by_phone(tx, phone) if phone else None

    await _bind(update, context, find, via="contact")


async def _bind(update: Update, context: Context, find: flows.Find, *, via: str) -> None:
    viewer = viewer_of(context)
    user = update.effective_user
    outcome, target = await context.db.write(
        lambda tx: flows.bind(
            tx,
            find=find,
            user_id=user.id,
            language_code=user.language_code,
            fallback=viewer.locale,
            via=via,
            now=context.bot_data.clock.now(),
        )
    )
    if outcome in (BindOutcome.BOUND, BindOutcome.ALREADY_BOUND):
        assert target is not None
        await _greet_bound(update, context, target, first_time=outcome is BindOutcome.BOUND)
        return
    reply = {
        BindOutcome.NO_MATCH: "start.no_match_code" if via == "code" else "start.no_match_phone",
        BindOutcome.TAKEN: "start.taken",
        BindOutcome.ACCOUNT_IS_SOMEONE_ELSE: "start.account_is_someone_else",
    }[outcome]
    current = viewer.person.name if viewer.person else ""
    await update.effective_message.reply_text(context.t(reply, current=current))


async def _greet_bound(
    update: Update, context: Context, person: Person, *, first_time: bool
) -> None:
    memberships = tuple(await classes.memberships_of(context.db, person.id))
    viewer = Viewer(update.effective_user.id, person, memberships, person.locale or "zh")
    context.viewer = viewer
    text = context.t("start.bound" if first_time else "start.already_bound", name=person.name)
    await update.effective_message.reply_text(
        text + "\n\n" + overview(context, viewer, viewer.locale, greet=False),
        reply_markup=ReplyKeyboardRemove(),
    )
    if first_time:
        await refresh_menu(update, context, viewer, viewer.locale)
