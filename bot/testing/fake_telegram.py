"""FakeTelegram: an in-memory Bot API server that personas and the bot both talk to.

Tests (or a sandbox server) drive users through ``send_text``, ``press`` … which
queue updates; the bot reaches the fake through ``call``/``get_updates`` (via
FakeRequest) and gets answers shaped exactly like Telegram's, including its
refusals.  The fake is single-threaded: use it from one thread / event loop.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import mimetypes
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from bot.testing.clone import clone
from bot.testing.faults import FakeTimeout, Fault, FaultPlan
from bot.testing.methods import HANDLERS, BotApiMethods, Files, Upload, scope_key
from bot.testing.params import safe_decode
from bot.testing.rules import FloodLimiter, TelegramRuleError
from bot.testing.state import (
    CallbackQueryState,
    ChatState,
    RecordedCall,
    ShownMessage,
    StoredFile,
    StoredMessage,
)
from bot.testing.updates import (
    KICKED,
    MEMBER,
    command_entities,
    contact_dict,
    document_dict,
    group_chat_dict,
    inaccessible_message,
    member_update,
    photo_sizes,
    private_chat_dict,
    user_dict,
)


class _Sender:
    """Type of the SENDER sentinel."""

    def __repr__(self) -> str:
        return "SENDER"


SENDER: Final = _Sender()
"""Default of ``send_contact(contact_user_id=...)``: the contact is the sender's own."""

NOT_FOUND: Final[dict[str, Any]] = {"ok": False, "error_code": 404, "description": "Not Found"}
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
# Without allowed_updates Telegram sends every type except these.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _unix_now() -> int:
    # Telegram's own clock, which stamps message dates; no rule of ours reads it.
    return int(time.time())  # clock of the double's "server", not of the bot


class FakeTelegram(BotApiMethods):
    """The in-memory state machine of a Telegram Bot API server."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "trainee_test_bot",
        bot_id: int | None = None,
        *,
        bot_first_name: str = "Trainee Bot",
        flood_limits: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], int] = _unix_now,
    ) -> None:
        self.token = token
        if bot_id is None:
            prefix = token.split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user = user_dict(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.flood = FloodLimiter(monotonic, enabled=flood_limits)
        self._now = now
        self.calls: list[RecordedCall] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, ChatState] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._callbacks: dict[str, CallbackQueryState] = {}
        self._pending: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._webhook_url = ""
        self._allowed_updates: list[str] | None = None
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._sent_log: list[dict[str, Any]] = []
        self._file_seq = 0
        self._query_seq = 0
        self._faults = FaultPlan()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._poll_generation = 0

    @property
    def bot_id(self) -> int:
        """The bot's user id."""
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        """The bot's username (without @)."""
        return str(self.bot_user["username"])

    # ------------------------------------------------------------- personas

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Register a Telegram user; the bot cannot write to them until they write first."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = user_dict(user_id, first_name, last_name, username, language_code)
        self._users[user_id] = user
        return clone(user)

    def add_group(self, chat_id: int, title: str) -> dict[str, Any]:
        """Create a group (negative id) that already contains the bot."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = ChatState(group_chat_dict(chat_id, title))
        self._chats[chat_id] = chat
        return clone(chat.info)

    def block(self, user_id: int) -> dict[str, Any] | None:
        """The user blocks the bot; returns the my_chat_member update (None if already)."""
        chat = self._user_chat(user_id)
        if chat.blocked:
            return None
        chat.blocked = True
        return self._membership_update(user_id, chat, old=MEMBER, new=KICKED)

    def unblock(self, user_id: int) -> dict[str, Any] | None:
        """The user unblocks ("Restart"s) the bot; returns the my_chat_member update."""
        chat = self._user_chat(user_id)
        if not chat.blocked:
            return None
        chat.blocked = False
        return self._membership_update(user_id, chat, old=KICKED, new=MEMBER)

    def _membership_update(
        self, user_id: int, chat: ChatState, *, old: str, new: str
    ) -> dict[str, Any]:
        payload = member_update(
            chat.info, self._user(user_id), self.bot_user, self._now(), old=old, new=new
        )
        return self._enqueue("my_chat_member", payload)

    def _user(self, user_id: int) -> dict[str, Any]:
        try:
            return self._users[user_id]
        except KeyError:
            raise ValueError(f"unknown user {user_id}: call add_user() first") from None

    def _user_chat(self, user_id: int, chat_id: int | None = None) -> ChatState:
        """The chat a user acts in; their private chat springs into existence on first use."""
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:
            if user_id not in self._chats:
                self._chats[user_id] = ChatState(private_chat_dict(user))
            return self._chats[user_id]
        if chat_id not in self._chats:
            raise ValueError(f"unknown group {chat_id}: call add_group() first")
        return self._chats[chat_id]

    # --------------------------------------------------------- user actions

    def _user_message(
        self,
        user_id: int,
        kind: str,
        body: dict[str, Any],
        *,
        chat_id: int | None = None,
        html: str | None = None,
    ) -> dict[str, Any]:
        chat = self._user_chat(user_id, chat_id)
        if chat.blocked:
            self.unblock(user_id)  # a user can only write to a blocked bot by restarting it
        message = {
            "message_id": chat.next_message_id(),
            "from": self._user(user_id),
            "chat": chat.info,
            "date": self._now(),
            **body,
        }
        chat.messages[message["message_id"]] = StoredMessage(
            clone(message), False, kind, html, None
        )
        if chat.keyboard and chat.keyboard.get("one_time_keyboard"):
            chat.keyboard = None
        return self._enqueue("message", message)

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """The user sends a text (commands get bot_command entities); returns the update."""
        if not text:
            raise ValueError("Telegram clients do not send empty messages")
        body: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            body["entities"] = entities
        return self._user_message(user_id, "text", body, chat_id=chat_id, html=text)

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | _Sender | None = SENDER,
    ) -> dict[str, Any]:
        """The user shares a contact: by default their own; ``contact_user_id=None`` for a
        contact without a Telegram account, another id for someone else's card."""
        user = self._user(user_id)
        own = contact_user_id is SENDER
        contact = contact_dict(
            phone_number,
            first_name or user["first_name"],
            last_name if last_name is not None or not own else user.get("last_name"),
            user_id if isinstance(contact_user_id, _Sender) else contact_user_id,
        )
        return self._user_message(user_id, "contact", {"contact": contact})

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        forwarded: bool = False,
        live_period: int | None = None,
    ) -> dict[str, Any]:
        """The user shares a location (a live one for ``live_period`` seconds; else a point,
        their own or picked on the map), or forwards one."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        body: dict[str, Any] = {"location": location}
        if forwarded:
            date = self._now()
            body["forward_origin"] = {
                "type": "user",
                "sender_user": self._user(user_id),
                "date": date,
            }
            body["forward_date"] = date  # legacy field, still seen from older servers
        return self._user_message(user_id, "location", body)

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The user uploads a file; the bot can fetch it with getFile + download."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._register_file("document", Upload(content, filename, mime))
        document = document_dict(
            stored.file_id, stored.file_unique_id, len(content), filename, mime
        )
        body: dict[str, Any] = {"document": document}
        if caption:
            body["caption"] = caption
        return self._user_message(user_id, "document", body, html=caption)

    def send_photo(
        self, user_id: int, content: bytes, *, caption: str | None = None
    ) -> dict[str, Any]:
        """The user sends a photo."""
        stored = self._register_file("photo", Upload(content, None, "image/jpeg"))
        body: dict[str, Any] = {
            "photo": photo_sizes(stored.file_id, stored.file_unique_id, len(content))
        }
        if caption:
            body["caption"] = caption
        return self._user_message(user_id, "photo", body, html=caption)

    def press(self, user_id: int, message_id: int, callback_data: str | None) -> dict[str, Any]:
        """The user presses an inline button: any data is delivered, even forged data."""
        user = self._user(user_id)
        chat = self._user_chat(user_id)
        stored = chat.live(message_id)
        message = (
            clone(stored.message)
            if stored is not None
            else inaccessible_message(chat.info, message_id)
        )
        self._query_seq += 1
        query_id = str(4_000_000_000_000_000_000 + self._query_seq)
        payload: dict[str, Any] = {
            "id": query_id,
            "from": user,
            "message": message,
            # Telegram derives it from the chat; any stable per-chat string will do.
            "chat_instance": str(6_000_000_000_000_000_000 + chat.id),
        }
        if callback_data is not None:
            payload["data"] = callback_data
        self._callbacks[query_id] = CallbackQueryState(
            query_id, user_id, chat.id, message_id, callback_data
        )
        return self._enqueue("callback_query", payload)

    def buttons(self, user_id: int, message_id: int) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows of a message as currently shown ([] if none)."""
        chat = self._chats.get(user_id)
        stored = chat.live(message_id) if chat else None
        markup = stored.inline_markup if stored else None
        return clone(markup["inline_keyboard"]) if markup else []

    def press_button(self, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        """Press the inline button labelled ``text``; fails if the message has no such button."""
        rows = self.buttons(user_id, message_id)
        for button in (button for row in rows for button in row):
            if button["text"] == text:
                if "callback_data" not in button:
                    raise ValueError(f"button {text!r} sends nothing to the bot: {button}")
                return self.press(user_id, message_id, button["callback_data"])
        labels = [button["text"] for row in rows for button in row]
        raise LookupError(f"no button {text!r} on message {message_id}; buttons: {labels}")

    # ---------------------------------------------------------------- views

    def chat(self, user_id: int) -> list[ShownMessage]:
        """The chat as the user sees it (a group id works too): deleted messages gone."""
        chat = self._chats.get(user_id)
        if chat is None:
            return []
        return [ShownMessage.of(m) for m in chat.messages.values() if not m.deleted]

    def last_bot_message(self, user_id: int) -> ShownMessage | None:
        """The newest message from the bot still in the chat."""
        mine = [m for m in self.chat(user_id) if m.from_bot]
        return mine[-1] if mine else None

    def keyboard(self, user_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user currently sees under the input field."""
        chat = self._chats.get(user_id)
        return clone(chat.keyboard) if chat else None

    def is_blocked(self, user_id: int) -> bool:
        """Whether the user currently blocks the bot."""
        chat = self._chats.get(user_id)
        return bool(chat and chat.blocked)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """What the bot answered to a callback query (None while unanswered)."""
        query = self._callbacks.get(query_id)
        return clone(query.answer) if query else None

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return clone(self._pending)

    def visible_commands(
        self, user_id: int, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """The command menu the user sees in the private chat, following Telegram's scopes."""
        user = self._user(user_id)
        language = (language_code or user.get("language_code") or "")[:2]
        scopes = (
            {"type": "chat", "chat_id": user_id},
            {"type": "all_private_chats"},
            {"type": "default"},
        )
        for scope in scopes:
            for code in (language, ""):
                commands = self._commands.get((scope_key(scope), code))
                if commands:
                    return clone(commands)
        return []

    def sent(self, user_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (as returned at send time), oldest first."""
        return [clone(m) for m in self._sent_log if user_id is None or m["chat"]["id"] == user_id]

    def calls_of(self, method: str) -> list[RecordedCall]:
        """Recorded calls of one method (case-insensitive)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def clear_calls(self) -> None:
        """Forget the recorded calls (state is kept)."""
        self.calls.clear()

    def download(self, file_path: str) -> bytes | None:
        """Content behind a file_path from getFile, or None."""
        stored = self._file_paths.get(file_path)
        return stored.content if stored else None

    def file(self, file_id: str) -> StoredFile | None:
        """The file behind a file_id (content, name, MIME type), or None: what a client
        shows for a photo or document in the chat, without the bot's getFile."""
        return self._files.get(file_id)

    # ------------------------------------------------------------ keeping

    def export_state(self) -> dict[str, Any]:
        """What a restarted server needs to continue: chats with their messages and
        numbering, files, commands and the last update id (JSON-ready; files in base64)."""
        return {
            "last_update_id": self._last_update_id,
            "file_seq": self._file_seq,
            "query_seq": self._query_seq,
            "chats": [
                {
                    "info": chat.info,
                    "last_message_id": chat.last_message_id,
                    "blocked": chat.blocked,
                    "keyboard": chat.keyboard,
                    "messages": [
                        {
                            "message": m.message,
                            "from_bot": m.from_bot,
                            "kind": m.kind,
                            "html": m.html,
                            "markup": m.markup,
                            "protect_content": m.protect_content,
                            "deleted": m.deleted,
                        }
                        for m in chat.messages.values()
                    ],
                }
                for chat in self._chats.values()
            ],
            "files": [
                {
                    "file_id": f.file_id,
                    "file_unique_id": f.file_unique_id,
                    "content": base64.b64encode(f.content).decode("ascii"),
                    "kind": f.kind,
                    "file_name": f.file_name,
                    "mime_type": f.mime_type,
                    "file_path": f.file_path,
                }
                for f in self._files.values()
            ],
            "commands": [
                {"scope": key[0], "language": key[1], "commands": commands}
                for key, commands in self._commands.items()
            ],
        }

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Continue from ``export_state()``: numbering goes on where it stopped, so update
        and message ids never repeat ones the bot already handled."""
        self._last_update_id = max(self._last_update_id, int(state.get("last_update_id", 0)))
        self._file_seq = max(self._file_seq, int(state.get("file_seq", 0)))
        self._query_seq = max(self._query_seq, int(state.get("query_seq", 0)))
        for item in state.get("chats", []):
            chat = ChatState(
                dict(item["info"]),
                last_message_id=int(item["last_message_id"]),
                blocked=bool(item["blocked"]),
                keyboard=item.get("keyboard"),
            )
            for m in item.get("messages", []):
                chat.messages[int(m["message"]["message_id"])] = StoredMessage(
                    m["message"],
                    bool(m["from_bot"]),
                    m["kind"],
                    m.get("html"),
                    m.get("markup"),
                    bool(m.get("protect_content")),
                    bool(m.get("deleted")),
                )
            self._chats[chat.id] = chat
        for f in state.get("files", []):
            stored = StoredFile(
                f["file_id"],
                f["file_unique_id"],
                base64.b64decode(f["content"]),
                f["kind"],
                f.get("file_name"),
                f.get("mime_type"),
                f.get("file_path"),
            )
            self._files[stored.file_id] = stored
            if stored.file_path:
                self._file_paths[stored.file_path] = stored
        for c in state.get("commands", []):
            self._commands[(c["scope"], c["language"])] = list(c["commands"])

    def continue_numbering(self, last_update_id: int) -> None:
        """Start update ids after ``last_update_id`` (one the bot may have handled)."""
        self._last_update_id = max(self._last_update_id, last_update_id)

    def open_chat(self, user_id: int, last_message_id: int = 0) -> None:
        """The user's private chat exists, as if they had written before (a kept sandbox's
        bound people), so the bot's own messages reach them; its message ids continue after
        ``last_message_id``."""
        chat = self._user_chat(user_id)
        chat.last_message_id = max(chat.last_message_id, last_message_id)

    # --------------------------------------------------------------- faults

    def fail_next(self, method: str | None, fault: Fault, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail (None: any method but getUpdates)."""
        self._faults.add(method, fault, times)

    def clear_faults(self) -> None:
        """Drop faults that have not fired yet."""
        self._faults.clear()

    # ------------------------------------------------------------- the API

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Files | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body). getUpdates never waits here.

        Raises FakeTimeout when a timeout fault fires.
        """
        decoded, decode_error = safe_decode(params)
        uploads = dict(files or {})
        fault = self._faults.take(method)
        if fault is not None and not fault.delivered:
            return self._answer_fault(method, decoded, uploads, fault)
        status, body = self._dispatch(method, decoded, uploads, decode_error)
        self._record(method, decoded, status, body, uploads, fault)
        if fault is not None:  # delivered timeout: the work is done, only the answer is lost
            raise FakeTimeout(method, delivered=True)
        return status, body

    async def get_updates(
        self, params: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """getUpdates with long polling: waits up to ``timeout`` seconds for an update."""
        method = "getUpdates"
        decoded, decode_error = safe_decode(params)
        fault = self._faults.take(method)
        if fault is not None and not fault.delivered:
            return self._answer_fault(method, decoded, {}, fault)
        status, body = self._dispatch(method, decoded, {}, decode_error)
        generation = self._poll_generation
        timeout = decoded.get("timeout", 0) if decode_error is None else 0
        if status == 200 and not body["result"] and timeout > 0:
            await self._wait_for_update(deadline=timeout)
            if generation != self._poll_generation:
                error = TelegramRuleError(CONFLICT_OTHER_POLL, 409)
                status, body = error.error_code, error.to_response()
            else:
                try:
                    status, body = 200, {"ok": True, "result": self._poll_now(decoded)}
                except TelegramRuleError as error:  # e.g. a webhook was set meanwhile
                    status, body = error.error_code, error.to_response()
        self._record(method, decoded, status, body, {}, fault)
        if fault is not None:
            raise FakeTimeout(method, delivered=True)
        return status, body

    def _dispatch(
        self,
        method: str,
        params: dict[str, Any],
        files: Files,
        decode_error: TelegramRuleError | None,
    ) -> tuple[int, dict[str, Any]]:
        handler = HANDLERS.get(method.lower())
        if handler is None:
            return 404, dict(NOT_FOUND)
        try:
            if decode_error is not None:
                raise decode_error
            result = handler(self, params, files)
        except TelegramRuleError as error:
            return error.error_code, error.to_response()
        return 200, {"ok": True, "result": result}

    def _answer_fault(
        self, method: str, params: dict[str, Any], files: Files, fault: Fault
    ) -> tuple[int, dict[str, Any]]:
        if fault.is_timeout:
            self._record(method, params, 0, {}, files, fault)
            raise FakeTimeout(method, delivered=False)
        body = fault.response()
        self._record(method, params, fault.status, body, files, fault)
        return fault.status, body

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        response: dict[str, Any],
        files: Files,
        fault: Fault | None,
    ) -> None:
        uploads = {name: (upload[0], bytes(upload[1]), upload[2]) for name, upload in files.items()}
        self.calls.append(
            RecordedCall(method, clone(params), status, clone(response), uploads, fault)
        )

    # -------------------------------------------------------------- updates

    def _wants(self, kind: str) -> bool:
        if not self._allowed_updates:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, kind: clone(payload)}
        if self._wants(kind):
            self._pending.append(update)
            self._notify()
        return clone(update)

    def _start_poll(self) -> None:
        """A new getUpdates request: an older one still waiting will answer 409."""
        self._poll_generation += 1
        self._notify()

    def _poll_now(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Telegram's offset/limit semantics, without waiting."""
        if self._webhook_url:
            raise TelegramRuleError(CONFLICT_WEBHOOK, 409)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        offset = int(params.get("offset", 0))
        limit = int(params.get("limit", 100))
        if not 1 <= limit <= 100:
            limit = 100
        if offset > 0:  # confirms, and so forgets, every update before offset
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:  # only the last -offset updates survive
            self._pending = self._pending[offset:]
        return clone(self._pending[:limit])

    def _notify(self) -> None:
        """Wake long polls, also when called from another thread than their loop."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, event in list(self._waiters):
            if loop is running:
                event.set()
            else:
                with contextlib.suppress(RuntimeError):  # that loop is already closed
                    loop.call_soon_threadsafe(event.set)

    async def _wait_for_update(self, *, deadline: float) -> None:
        """Wait until an update is queued or ``deadline`` seconds pass (an asyncio.Event,
        so a test that enqueues an update wakes the poll at once)."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        self._waiters.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(deadline):
                    await waiter[1].wait()
        finally:
            self._waiters.remove(waiter)
