"""Telegram's rules for what a bot may send, as pure functions (no I/O).

Each check raises TelegramRuleError with the description Telegram would answer.
Text parsing lives in ``bot.testing.entities`` and is re-exported here.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from bot.testing.entities import (
    FormattedText,
    checked_link,
    format_text,
    normalize_text,
    parse_html,
    utf16_len,
)
from bot.testing.errors import TelegramRuleError, bad_request, too_many_requests

__all__ = [
    "FloodLimiter",
    "FormattedText",
    "TelegramRuleError",
    "bad_request",
    "check_bot_commands",
    "check_callback_answer_text",
    "check_caption",
    "check_chat_action",
    "check_message_text",
    "check_reply_markup",
    "checked_link",
    "format_text",
    "normalize_text",
    "parse_html",
    "prepare_caption",
    "prepare_message_text",
    "too_many_requests",
    "utf16_len",
]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_BOT_COMMANDS = 100
MAX_INLINE_BUTTONS = 100


def prepare_message_text(
    text: str | None, parse_mode: str | None, entities: Sequence[dict[str, Any]] | None = None
) -> FormattedText:
    """Validate a message text and return what Telegram would store."""
    if not text:
        raise bad_request("message text is empty")
    plain, found = format_text(text, parse_mode, entities)
    if not plain:
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return plain, found


def check_message_text(text: str | None, parse_mode: str | None) -> None:
    """Raise TelegramRuleError unless Telegram accepts ``text`` as a message text."""
    prepare_message_text(text, parse_mode)


def prepare_caption(
    caption: str | None, parse_mode: str | None, entities: Sequence[dict[str, Any]] | None = None
) -> FormattedText:
    """Validate a media caption (0..1024 after parsing) and return what Telegram stores."""
    if not caption:
        return "", []
    plain, found = format_text(caption, parse_mode, entities)
    if utf16_len(plain) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return plain, found


def check_caption(caption: str | None, parse_mode: str | None) -> None:
    """Raise TelegramRuleError unless Telegram accepts ``caption``."""
    prepare_caption(caption, parse_mode)


# ------------------------------------------------------------------ reply markup

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_KEYBOARD_REQUESTS = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
    "web_app",
)
_PRIVATE_ONLY_REQUESTS = {
    "request_contact": "phone number can be requested in private chats only",
    "request_location": "location can be requested in private chats only",
    "request_poll": "poll can be requested in private chats only",
}


def _inline_button_error(message: str) -> TelegramRuleError:
    return bad_request(f"can't parse inline keyboard button: {message}")


def _check_button_text(button: dict[str, Any], error: Callable[[str], TelegramRuleError]) -> None:
    if "text" not in button:
        raise error('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise error('Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _inline_button_error("InlineKeyboardButton should be an Object")
    _check_button_text(button, _inline_button_error)
    for name in ("url", "callback_data"):
        if name in button and not isinstance(button[name], str):
            raise _inline_button_error(f'Field "{name}" must be of type String')
    # An empty callback_data counts as missing, as it does on Telegram.
    actions = [
        name
        for name in INLINE_ACTIONS
        if name in button and not (name == "callback_data" and button[name] == "")
    ]
    if not actions:
        raise _inline_button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Telegram silently picks one; the docs say "exactly one", so we refuse.
        raise _inline_button_error(
            f"exactly one of the optional fields must be used, got {actions}"
        )
    if actions[0] == "callback_data":
        if len(button["callback_data"].encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif actions[0] == "url":
        url = button["url"]
        if not checked_link(url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _keyboard_button_error(message: str) -> TelegramRuleError:
    return bad_request(f"can't parse keyboard button: {message}")


def _check_reply_keyboard(rows: Any, private_chat: bool) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if isinstance(button, str):  # the Bot API accepts a bare string as a text button
                button = {"text": button}
            if not isinstance(button, dict):
                raise _keyboard_button_error("KeyboardButton should be a String or an Object")
            _check_button_text(button, _keyboard_button_error)
            requests = [name for name in _KEYBOARD_REQUESTS if button.get(name)]
            if len(requests) > 1:
                raise _keyboard_button_error(
                    f"exactly one of the optional fields must be used, got {requests}"
                )
            if requests and not private_chat and requests[0] in _PRIVATE_ONLY_REQUESTS:
                raise bad_request(_PRIVATE_ONLY_REQUESTS[requests[0]])


def check_reply_markup(markup: dict[str, Any], *, private_chat: bool = True) -> None:
    """Raise TelegramRuleError unless Telegram accepts ``markup`` as reply_markup."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"], private_chat)
    elif "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request('field "remove_keyboard" of the ReplyKeyboardRemove must be true')
    elif "force_reply" in markup and markup["force_reply"] is not True:
        raise bad_request('field "force_reply" of the ForceReply must be true')
    # Any other object is ignored by the Bot API, so it is accepted as "no markup".


# ------------------------------------------------------------------ other limits

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def check_callback_answer_text(text: str | None) -> None:
    """Raise unless ``text`` fits an answerCallbackQuery notification (0..200)."""
    if text and utf16_len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")


def check_bot_commands(commands: Any) -> list[dict[str, str]]:
    """Validate a setMyCommands list and return it as plain dicts."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_BOT_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: BotCommand should be an Object")
        for name in ("command", "description"):
            if name not in item:
                raise bad_request(f"can't parse BotCommand: Can't find field \"{name}\"")
            if not isinstance(item[name], str):
                raise bad_request(f'can\'t parse BotCommand: Field "{name}" must be of type String')
        if not _COMMAND_RE.fullmatch(item["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        description = item["description"].strip()
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": item["command"], "description": item["description"]})
    return result


def check_chat_action(action: Any) -> None:
    """Raise unless ``action`` is a sendChatAction action Telegram knows."""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")


# ------------------------------------------------------------------ flood limits


class FloodLimiter:
    """Approximates Telegram's send limits and refuses with 429 like Telegram.

    Telegram does not publish its algorithm; the documented guidance is about 30
    messages per second overall, about one per second per private chat (short
    bursts are tolerated) and 20 per minute per group.  Refused sends do not
    count.  ``monotonic`` is injected so tests can move time.
    """

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        enabled: bool = True,
        global_per_second: int = 30,
        private_burst: int = 3,
        private_per_second: float = 1.0,
        group_per_minute: int = 20,
    ) -> None:
        self.enabled = enabled
        self._monotonic = monotonic
        self._global_per_second = global_per_second
        self._private_burst = private_burst
        self._private_rate = private_per_second
        self._group_per_minute = group_per_minute
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        # Token bucket per private chat: (tokens, time of last update).
        self._private: dict[int, tuple[float, float]] = {}

    @staticmethod
    def _window_wait(stamps: deque[float], now: float, window: float, limit: int) -> float:
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        return stamps[0] + window - now if len(stamps) >= limit else 0.0

    def _private_tokens(self, chat_id: int, now: float) -> float:
        tokens, since = self._private.get(chat_id, (float(self._private_burst), now))
        return min(float(self._private_burst), tokens + (now - since) * self._private_rate)

    def check(self, chat_id: int) -> None:
        """Count one send to ``chat_id`` or raise the 429 Telegram would send."""
        if not self.enabled:
            return
        now = self._monotonic()
        wait = self._window_wait(self._global, now, 1.0, self._global_per_second)
        if chat_id < 0:
            stamps = self._groups.setdefault(chat_id, deque())
            wait = max(wait, self._window_wait(stamps, now, 60.0, self._group_per_minute))
        else:
            tokens = self._private_tokens(chat_id, now)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / self._private_rate)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        self._global.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)
        else:
            self._private[chat_id] = (self._private_tokens(chat_id, now) - 1.0, now)
