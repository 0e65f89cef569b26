"""The records FakeTelegram keeps: chats, messages, files, callback queries, calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.testing.clone import clone
from bot.testing.faults import Fault


@dataclass
class RecordedCall:
    """One Bot API call as the fake received and answered it."""

    method: str
    params: dict[str, Any]
    status: int  # HTTP status; 0 when a timeout fault swallowed the answer
    response: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    fault: Fault | None = None

    @property
    def ok(self) -> bool:
        """Whether the bot got a successful answer."""
        return self.status == 200 and self.fault is None

    @property
    def result(self) -> Any:
        """The ``result`` of a successful answer, else None."""
        return self.response.get("result") if self.ok else None


@dataclass
class StoredMessage:
    """A message in a chat, with what Telegram knows beyond the Message object."""

    message: dict[str, Any]  # the Message object as Telegram would return it now
    from_bot: bool
    kind: str
    html: str | None  # the raw text or caption as sent (before parsing)
    markup: dict[str, Any] | None  # any reply markup, inline or keyboard, edits applied
    protect_content: bool = False
    deleted: bool = False

    @property
    def text(self) -> str | None:
        """Plain text (or caption) as shown."""
        return self.message.get("text", self.message.get("caption"))

    @property
    def entities(self) -> list[dict[str, Any]]:
        """Entities of the text (or caption)."""
        return self.message.get("entities", self.message.get("caption_entities", []))

    @property
    def inline_markup(self) -> dict[str, Any] | None:
        """The inline keyboard attached to the message, if any."""
        return self.markup if self.markup and "inline_keyboard" in self.markup else None


@dataclass
class ChatState:
    """A chat as the fake server knows it."""

    info: dict[str, Any]  # the Chat object
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_message_id: int = 0
    blocked: bool = False
    keyboard: dict[str, Any] | None = None  # reply keyboard the user currently sees

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.info["id"])

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat with a user."""
        return self.info["type"] == "private"

    def next_message_id(self) -> int:
        """Allocate the next message id of this chat (user and bot share the sequence)."""
        self.last_message_id += 1
        return self.last_message_id

    def live(self, message_id: int) -> StoredMessage | None:
        """The message with this id unless it does not exist or was deleted."""
        stored = self.messages.get(message_id)
        return None if stored is None or stored.deleted else stored


@dataclass
class StoredFile:
    """A file Telegram stores, reachable by file_id and, after getFile, by path."""

    file_id: str
    file_unique_id: str
    content: bytes
    kind: str  # "photo" or "document"
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None


@dataclass
class CallbackQueryState:
    """A callback query the bot may answer once."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answer: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        """Whether answerCallbackQuery already succeeded for it."""
        return self.answer is not None


@dataclass
class ShownMessage:
    """A message as the user sees it in the chat right now."""

    message_id: int
    from_bot: bool
    kind: str  # 'text', 'photo', 'document', 'contact', 'location'
    text: str | None  # plain text or caption, entities parsed
    html: str | None  # raw text or caption as sent
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    protect_content: bool
    edited: bool
    raw: dict[str, Any]  # the Message object

    @classmethod
    def of(cls, stored: StoredMessage) -> ShownMessage:
        """Snapshot a stored message."""
        return cls(
            message_id=stored.message["message_id"],
            from_bot=stored.from_bot,
            kind=stored.kind,
            text=stored.text,
            html=stored.html,
            entities=clone(stored.entities),
            reply_markup=clone(stored.markup),
            protect_content=stored.protect_content,
            edited="edit_date" in stored.message,
            raw=clone(stored.message),
        )

    @property
    def button_texts(self) -> list[str]:
        """Labels of the inline buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]
