"""/start and contact sharing: binding a Telegram account to a person on a roster."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.context import Context, Viewer
from bot.rules import binding
from bot.rules.binding import BindOutcome
from bot.rules.class_settings import from_json
from bot.rules.locales import locale_from_telegram
from bot.rules.phones import normalize_phone
from handlers.common import PRIVATE, refresh_menu, viewer_of
from handlers.help import overview
from storage import audit, classes, people
from storage.db import Tx
from storage.people import Person

# What t.me deep links can carry: anything else is not one of our codes.
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _contact_keyboard(context: Context) -> ReplyKeyboardMarkup:
    button = KeyboardButton(context.label("buttons.share_contact"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def start(update: Update, context: Context) -> None:
    """Answer /start: welcome a stranger, bind by invite code, or greet a known person."""
    viewer = viewer_of(context)
    message = update.effective_message
    if not context.args:
        if viewer.person is not None:
            await message.reply_text(overview(context, viewer, viewer.locale))
        else:
            await message.reply_text(
                context.t("start.welcome"), reply_markup=_contact_keyboard(context)
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
            context.t("start.not_own_contact"), reply_markup=_contact_keyboard(context)
        )
        return
    phone = normalize_phone(contact.phone_number)

    async def find(tx: Tx) -> Person | None:
        return await people.by_phone(tx, phone) if phone else None

    await _bind(update, context, find, via="contact")


async def _bind(
    update: Update,
    context: Context,
    find: Callable[[Tx], Awaitable[Person | None]],
    *,
    via: str,
) -> None:
    viewer = viewer_of(context)
    user = update.effective_user
    now = context.bot_data.clock.now()

    async def attempt(tx: Tx) -> tuple[BindOutcome, Person | None]:
        # Decided inside the transaction: two accounts racing for one person, or one update
        # delivered twice, see the other's committed binding here and change nothing.
        target = await find(tx)
        current = await people.by_telegram_user(tx, user.id)
        outcome = binding.decide(user.id, target, current)
        if outcome is not BindOutcome.BOUND:
            return outcome, target
        memberships = await classes.memberships_of(tx, target.id)
        class_locale = from_json(memberships[0].klass.settings).locale if memberships else None
        locale = locale_from_telegram(user.language_code, class_locale or viewer.locale)
        if not await people.bind(tx, target.id, user.id, locale, now):
            return BindOutcome.TAKEN, target
        await audit.record(
            tx,
            at=now,
            actor=f"telegram:{user.id}",
            actor_id=target.id,
            action="person.bind",
            subject=f"person:{target.id}",
            details={"via": via},
        )
        return outcome, await people.by_id(tx, target.id)

    outcome, target = await context.db.write(attempt)
    message = update.effective_message
    if outcome in (BindOutcome.BOUND, BindOutcome.ALREADY_BOUND):
        await _greet_bound(update, context, target, first_time=outcome is BindOutcome.BOUND)
        return
    reply = {
        BindOutcome.NO_MATCH: "start.no_match_code" if via == "code" else "start.no_match_phone",
        BindOutcome.TAKEN: "start.taken",
        BindOutcome.ACCOUNT_IS_SOMEONE_ELSE: "start.account_is_someone_else",
    }[outcome]
    current = viewer.person.name if viewer.person else ""
    await message.reply_text(context.t(reply, current=current))


async def _greet_bound(
    update: Update, context: Context, person: Person, *, first_time: bool
) -> None:
    memberships = tuple(await classes.memberships_of(context.db, person.id))
    viewer = Viewer(update.effective_user.id, person, memberships, person.locale or "zh")
    context.viewer = viewer
    text = context.t("start.bound" if first_time else "start.already_bound", name=person.name)
    await update.effective_message.reply_text(
        text + "\n\n" + overview(context, viewer, viewer.locale),
        reply_markup=ReplyKeyboardRemove(),
    )
    if first_time:
        await refresh_menu(update, context, viewer, viewer.locale)


def register(app: Application) -> None:
    """Add /start and contact sharing."""
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.CONTACT, shared_contact))
