"""What every feature uses to answer: the viewer, button presses, the person's menu."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, filters

from bot import buttons, permissions
from bot.buttons import Button
from bot.context import Context, Viewer
from bot.menus import publish_person_commands
from bot.rules.locales import Locale
from bot.texts import pages

_LOGGER = logging.getLogger(__name__)

# Binding and everything personal happen one to one, never in a group.
PRIVATE = filters.ChatType.PRIVATE

B = TypeVar("B", bound=Button)
PressCallback = Callable[[Update, Context, B], Awaitable[None]]
CommandCallback = Callable[[Update, Context], Awaitable[None]]
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class StalePress(Exception):
    """Raised by a button handler: this press means nothing now (answered as a stale button).

    For a button whose request, session or form is gone, decided or not the presser's: the
    press changes nothing, and the person is told the button is out of date.
    """


def viewer_of(context: Context) -> Viewer:
    """The viewer the identity guard set; every update with a user has one."""
    if context.viewer is None:
        raise RuntimeError("identity guard did not run for this update")
    return context.viewer


async def reply_only(message: Message, text: str, reply_markup: ReplyMarkup | None = None) -> None:
    """Reply in the message's chat, as ``reply_text`` does, without reading the answer.

    PTB turns the Bot API's answer into a ``Message`` that nobody here looks at: for the
    check-in's reply that was a quarter of a check-in's CPU (benchmarks/bench_checkin.py).
    This goes through the same ``Bot._post`` (defaults, rate limiter, errors raised alike)
    and drops the answer.
    """
    bot = message.get_bot()
    data: dict[str, Any] = {"chat_id": message.chat_id, "text": text}
    defaults = getattr(bot, "defaults", None)  # as reply_text: the bot's parse mode
    if defaults is not None and defaults.parse_mode is not None:
        data["parse_mode"] = defaults.parse_mode
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    if message.message_thread_id is not None and message.is_topic_message:
        data["message_thread_id"] = message.message_thread_id
    await bot._post("sendMessage", data)  # a protected method of PTB: see the docstring


def on_command(
    app: Application,
    name: str,
    callback: CommandCallback,
    *,
    refusal: str = "",
    unbound: str = "start.how_to_bind",
) -> None:
    """Register /name in private chats, gated by the permissions table.

    Someone not bound to a person gets ``unbound``; someone none of whose roles opens the
    command (bot/permissions.py COMMANDS, the table the menu and /help are built from) gets
    ``refusal``. The callback runs only for a bound person who may: its own checks are
    about the class, the session or the request, never about the command.
    """
    needs = permissions.command(name).needs

    async def gate(update: Update, context: Context) -> None:
        viewer = viewer_of(context)
        if viewer.person is None:
            await update.effective_message.reply_text(context.t(unbound))
        elif needs and not viewer.may(*needs):
            await update.effective_message.reply_text(context.t(refusal))
        else:
            await callback(update, context)

    app.add_handler(CommandHandler(name, gate, filters=PRIVATE))


def on_press(
    app: Application, callback: PressCallback[B], *kinds: type[B], bound: bool = True
) -> None:
    """Register ``callback`` for presses of these kinds of button.

    The data is decoded once, here: the callback gets the typed button. A press whose data
    names one of these kinds but does not decode (forged, or from another shape), a press by
    someone not bound when ``bound``, and a press the callback refuses with ``StalePress``
    are answered here as a stale button.
    """
    app.add_handler(_ButtonHandler(callback, kinds, bound=bound))


_MALFORMED = object()


class _ButtonHandler(BaseHandler[Update, Context, None], Generic[B]):
    """PTB's handler for our buttons: matches by kind, hands over the decoded button."""

    def __init__(self, callback: PressCallback[B], kinds: tuple[type[B], ...], *, bound: bool):
        super().__init__(callback)  # type: ignore[arg-type]
        self._codes = frozenset(kind.code for kind in kinds)
        self._bound = bound

    def check_update(self, update: object) -> object:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        data = update.callback_query.data
        if buttons.code_of(data) not in self._codes:
            return None
        return buttons.unpack(data) or _MALFORMED

    async def handle_update(
        self, update: Update, application: Any, check_result: object, context: Context
    ) -> None:
        query = update.callback_query
        assert query is not None
        viewer = context.viewer
        if check_result is _MALFORMED or (
            self._bound and (viewer is None or viewer.person is None)
        ):
            await answer(query, context.label("buttons.stale"))
            return
        try:
            await self.callback(update, context, check_result)  # type: ignore[call-arg]
        except StalePress:
            await answer(query, context.label("buttons.stale"))


async def answer(
    query: CallbackQuery, text: str | None = None, *, alert: bool | None = None
) -> None:
    """Answer a button press: an alert when there is text (unless ``alert=False``: a toast).

    Best effort, always: the answer only stops the button's spinner or shows a line, and
    whatever the press did is already saved or refused. A redelivered press was answered
    the first time (Telegram refuses a second answer), and a network error or a 429 here
    must not turn a done action into an apology.
    """
    try:
        if text is None:
            await query.answer()
        else:
            await query.answer(text, show_alert=True if alert is None else alert)
    except TelegramError:
        _LOGGER.warning("could not answer button press %s", query.id, exc_info=True)


# What Telegram answers an edit that has nothing to do: the same text again (a second
# press), or a message the bot can no longer edit (too old, deleted, not its own).
_UNEDITABLE = ("not modified", "can't be edited", "not found")


async def drop_keyboard(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message, if they are still there (best effort)."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        if not any(reason in str(error).lower() for reason in _UNEDITABLE):
            raise


async def edit_or_send(
    query: CallbackQuery, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``text`` on the pressed message; as a new message if that one cannot be edited."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as error:
        reason = str(error).lower()
        if "not modified" in reason:
            return  # the same press twice: it says so already
        if not any(cause in reason for cause in _UNEDITABLE):
            raise
        if query.message is not None:
            await query.get_bot().send_message(
                query.message.chat.id, text, reply_markup=reply_markup
            )


async def reply_pages(
    message: Message, text: str, *, reply_markup: ReplyMarkup | None = None
) -> Message:
    """Reply with a text of any length: one message per page (bot/texts.py), the markup on
    the last, which is returned."""
    cut = pages(text)
    for page in cut[:-1]:
        await message.reply_text(page)
    return await message.reply_text(cut[-1], reply_markup=reply_markup)


async def refresh_menu(update: Update, context: Context, viewer: Viewer, locale: Locale) -> None:
    """Republish a person's own command menu; a failure costs only the menu, so log it."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await publish_person_commands(context.bot, context.texts, chat.id, viewer.roles, locale)
    except Exception:
        _LOGGER.warning("could not set the command menu for chat %s", chat.id, exc_info=True)
