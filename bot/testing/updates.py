"""Builders for the JSON objects Telegram puts in updates (User, Chat, Message parts)."""

from __future__ import annotations

import re
from typing import Any

from bot.testing.entities import utf16_len

# A bot command as Telegram detects it: "/name" or "/name@botusername", standing alone.
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")

# The statuses a private chat member update moves between when a user blocks the bot.
MEMBER = "member"
KICKED = "kicked"


def user_dict(
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    *,
    is_bot: bool = False,
) -> dict[str, Any]:
    """A Bot API User object, leaving out absent optional fields like Telegram."""
    user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def private_chat_dict(user: dict[str, Any]) -> dict[str, Any]:
    """The Chat object of the private chat between the bot and ``user``."""
    chat: dict[str, Any] = {"id": user["id"], "first_name": user["first_name"]}
    for key in ("last_name", "username"):
        if key in user:
            chat[key] = user[key]
    chat["type"] = "private"
    return chat


def group_chat_dict(chat_id: int, title: str) -> dict[str, Any]:
    """The Chat object of a basic group."""
    return {"id": chat_id, "title": title, "type": "group"}


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entities Telegram attaches to a user's text."""
    return [
        {
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
            "type": "bot_command",
        }
        for match in _COMMAND_RE.finditer(text)
    ]


def member_update(
    chat: dict[str, Any],
    user: dict[str, Any],
    bot_user: dict[str, Any],
    date: int,
    *,
    old: str,
    new: str,
) -> dict[str, Any]:
    """A ChatMemberUpdated object for the bot's own membership (my_chat_member)."""

    def member(status: str) -> dict[str, Any]:
        """The bot as a ChatMember with this status."""
        result: dict[str, Any] = {"user": bot_user, "status": status}
        if status == KICKED:
            result["until_date"] = 0
        return result

    return {
        "chat": chat,
        "from": user,
        "date": date,
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }


def inaccessible_message(chat: dict[str, Any], message_id: int) -> dict[str, Any]:
    """What a callback query carries when its message no longer exists (date 0)."""
    return {"chat": chat, "message_id": message_id, "date": 0}


def photo_sizes(file_id: str, file_unique_id: str, size: int) -> list[dict[str, Any]]:
    """A PhotoSize list; dimensions are not decoded from the image, so they are nominal."""
    return [
        {
            "file_id": file_id,
            "file_unique_id": file_unique_id,
            "file_size": size,
            "width": 512,
            "height": 512,
        }
    ]


def document_dict(
    file_id: str, file_unique_id: str, size: int, file_name: str | None, mime_type: str | None
) -> dict[str, Any]:
    """A Document object."""
    document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_unique_id}
    if file_name is not None:
        document["file_name"] = file_name
    if mime_type is not None:
        document["mime_type"] = mime_type
    document["file_size"] = size
    return document


def contact_dict(
    phone_number: str, first_name: str, last_name: str | None, user_id: int | None
) -> dict[str, Any]:
    """A Contact object; ``user_id`` is present only for contacts known to Telegram."""
    contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
    if last_name is not None:
        contact["last_name"] = last_name
    if user_id is not None:
        contact["user_id"] = user_id
    return contact
