"""The Bot API methods FakeTelegram answers, as a mixin over its state.

Every handler validates everything first and changes state only at the end, so
a refused call leaves the fake exactly as it was (like Telegram).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from bot.testing.clone import clone
from bot.testing.params import decode_chat_id
from bot.testing.rules import (
    FloodLimiter,
    TelegramRuleError,
    bad_request,
    check_bot_commands,
    check_callback_answer_text,
    check_chat_action,
    check_reply_markup,
    prepare_caption,
    prepare_message_text,
)
from bot.testing.state import CallbackQueryState, ChatState, StoredFile, StoredMessage
from bot.testing.updates import document_dict, photo_sizes

Files = Mapping[str, tuple[str, bytes, str]]
Handler = Callable[["BotApiMethods", dict[str, Any], Files], Any]

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files
DELETE_WINDOW_SECONDS = 48 * 3600
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
_CHAT_SCOPES = ("chat", "chat_administrators", "chat_member")
_SCOPE_TYPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
_FILE_ID_PREFIX = {"photo": "AgACAgIAAxkBAAFAKE", "document": "BQACAgIAAxkBAAFAKE"}
_EDITABLE_MEDIA = ("photo", "document")  # the media kinds the fake stores


@dataclass(frozen=True)
class Upload:
    """File content that arrived with a request and is not stored yet."""

    content: bytes
    file_name: str | None
    mime_type: str | None


def scope_key(scope: Mapping[str, Any]) -> str:
    """A stable key for a BotCommandScope."""
    return json.dumps(dict(scope), sort_keys=True)


def _required(params: Mapping[str, Any], name: str) -> Any:
    if params.get(name) in (None, ""):
        raise bad_request(f'parameter "{name}" is required')
    return params[name]


class BotApiMethods:
    """Bot API method handlers; the state they use is created by FakeTelegram."""

    token: str
    bot_user: dict[str, Any]
    flood: FloodLimiter
    _now: Callable[[], int]
    _chats: dict[int, ChatState]
    _files: dict[str, StoredFile]
    _file_paths: dict[str, StoredFile]
    _callbacks: dict[str, CallbackQueryState]
    _pending: list[dict[str, Any]]
    _webhook_url: str
    _allowed_updates: list[str] | None
    _commands: dict[tuple[str, str], list[dict[str, str]]]
    _sent_log: list[dict[str, Any]]
    _file_seq: int

    def _start_poll(self) -> None:
        raise NotImplementedError

    def _poll_now(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    # ----------------------------------------------------------------- helpers

    def _chat_for(self, params: Mapping[str, Any]) -> ChatState:
        """The chat addressed by chat_id; the bot only knows chats users opened."""
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    @staticmethod
    def _ensure_writable(chat: ChatState) -> None:
        if chat.blocked:
            raise TelegramRuleError("Forbidden: bot was blocked by the user", 403)

    @staticmethod
    def _send_markup(chat: ChatState, params: Mapping[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        check_reply_markup(markup, private_chat=chat.is_private)
        if not any(kind in markup for kind in _MARKUP_KINDS) or markup.get("inline_keyboard") == []:
            return None
        return clone(markup)

    @staticmethod
    def _edit_markup(chat: ChatState, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Edits take only inline keyboards; leaving reply_markup out removes the keyboard."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        check_reply_markup(markup, private_chat=chat.is_private)
        if any(kind in markup for kind in _MARKUP_KINDS[1:]):
            raise bad_request("inline keyboard expected")
        return clone(markup) if markup.get("inline_keyboard") else None

    @staticmethod
    def _reply_target(chat: ChatState, params: Mapping[str, Any]) -> StoredMessage | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        target = chat.live(int(reply["message_id"]))
        if target is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return target

    def _check_send(
        self, chat: ChatState, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any] | None, StoredMessage | None]:
        """Checks shared by all sends; the flood check comes last because it counts."""
        markup = self._send_markup(chat, params)
        reply_to = self._reply_target(chat, params)
        self._ensure_writable(chat)
        self.flood.check(chat.id)
        return markup, reply_to

    def _store_sent(
        self,
        chat: ChatState,
        params: Mapping[str, Any],
        kind: str,
        body: dict[str, Any],
        html: str | None,
        checked: tuple[dict[str, Any] | None, StoredMessage | None],
    ) -> dict[str, Any]:
        markup, reply_to = checked
        protect = bool(params.get("protect_content"))
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": self.bot_user,
            "chat": chat.info,
            "date": self._now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                key: value for key, value in reply_to.message.items() if key != "reply_to_message"
            }
        message.update(body)
        # Only inline keyboards belong to the message; reply keyboards belong to the chat.
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if protect:
            message["has_protected_content"] = True
        message = clone(message)
        chat.messages[message["message_id"]] = StoredMessage(
            message, True, kind, html, clone(markup), protect
        )
        if markup and "keyboard" in markup:
            chat.keyboard = clone(markup)
        elif markup and "remove_keyboard" in markup:
            chat.keyboard = None
        self._sent_log.append(clone(message))
        return clone(message)

    @staticmethod
    def _caption(params: Mapping[str, Any]) -> dict[str, Any]:
        caption, entities = prepare_caption(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        body: dict[str, Any] = {}
        if caption:
            body["caption"] = caption
        if entities:
            body["caption_entities"] = entities
        return body

    def _input_file(
        self, params: Mapping[str, Any], files: Files, kind: str
    ) -> StoredFile | Upload:
        """Resolve a photo/document parameter: an upload, attach://, a file_id or a URL."""
        value = params.get(kind)
        upload = None
        if value is None:
            upload = files.get(kind)
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        elif isinstance(value, str):
            known = self._files.get(value)
            if known is not None:
                if known.kind != kind:
                    raise bad_request("type of file mismatch")
                return known
            if value.startswith(("http://", "https://")):
                # The fake cannot fetch URLs; the file exists but has no content.
                return Upload(b"", PurePosixPath(value).name or None, None)
            raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
        file_name, content, mime_type = upload
        if not content:
            raise bad_request("file must be non-empty")
        return Upload(bytes(content), file_name, mime_type)

    def _register_file(self, kind: str, source: StoredFile | Upload) -> StoredFile:
        if isinstance(source, StoredFile):
            return source
        self._file_seq += 1
        stored = StoredFile(
            file_id=f"{_FILE_ID_PREFIX[kind]}{self._file_seq:06d}",
            file_unique_id=f"AQAD{self._file_seq:06d}",
            content=source.content,
            kind=kind,
            file_name=source.file_name,
            mime_type=source.mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def _message_to_edit(self, params: Mapping[str, Any]) -> tuple[ChatState, StoredMessage]:
        if params.get("inline_message_id"):
            raise bad_request("message to edit not found")  # inline mode is not modelled
        chat = self._chat_for(params)
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        stored = chat.live(params["message_id"])
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        self._ensure_writable(chat)
        return chat, stored

    def _apply_edit(
        self,
        stored: StoredMessage,
        fields: dict[str, Any],
        markup: dict[str, Any] | None,
        html: str | None = None,
    ) -> dict[str, Any]:
        message = stored.message
        for key, value in fields.items():
            if value:
                message[key] = clone(value)
            else:
                message.pop(key, None)
        if markup is not None:
            message["reply_markup"] = clone(markup)
            stored.markup = clone(markup)
        else:
            message.pop("reply_markup", None)
            if stored.inline_markup is not None:
                stored.markup = None
        if html is not None:
            stored.html = html
        message["edit_date"] = self._now()
        return clone(message)

    # ------------------------------------------------------------ bot & updates

    def _get_me(self, params: dict[str, Any], files: Files) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: dict[str, Any], files: Files) -> Any:
        self._start_poll()
        return self._poll_now(params)

    def _set_webhook(self, params: dict[str, Any], files: Files) -> Any:
        self._webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _delete_webhook(self, params: dict[str, Any], files: Files) -> Any:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any], files: Files) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _log_out(self, params: dict[str, Any], files: Files) -> Any:
        return True

    # ---------------------------------------------------------------- sending

    def _send_message(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        raw = params.get("text")
        text, entities = prepare_message_text(
            None if raw is None else str(raw), params.get("parse_mode"), params.get("entities")
        )
        body: dict[str, Any] = {"text": text}
        if entities:
            body["entities"] = entities
        checked = self._check_send(chat, params)
        return self._store_sent(chat, params, "text", body, str(raw), checked)

    def _send_photo(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        caption = self._caption(params)
        source = self._input_file(params, files, "photo")
        checked = self._check_send(chat, params)
        stored = self._register_file("photo", source)
        body = {
            "photo": photo_sizes(stored.file_id, stored.file_unique_id, len(stored.content)),
            **caption,
        }
        return self._store_sent(chat, params, "photo", body, params.get("caption"), checked)

    def _send_document(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        caption = self._caption(params)
        source = self._input_file(params, files, "document")
        checked = self._check_send(chat, params)
        stored = self._register_file("document", source)
        document = document_dict(
            stored.file_id,
            stored.file_unique_id,
            len(stored.content),
            stored.file_name,
            stored.mime_type,
        )
        body = {"document": document, **caption}
        return self._store_sent(chat, params, "document", body, params.get("caption"), checked)

    def _send_location(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        location = {
            "latitude": _required(params, "latitude"),
            "longitude": _required(params, "longitude"),
        }
        if "horizontal_accuracy" in params:
            location["horizontal_accuracy"] = params["horizontal_accuracy"]
        checked = self._check_send(chat, params)
        return self._store_sent(chat, params, "location", {"location": location}, None, checked)

    def _send_chat_action(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        check_chat_action(params.get("action"))
        self._ensure_writable(chat)
        return True

    # ---------------------------------------------------------------- editing

    def _edit_message_text(self, params: dict[str, Any], files: Files) -> Any:
        chat, stored = self._message_to_edit(params)
        if stored.kind != "text":
            raise bad_request("there is no text in the message to edit")
        raw = params.get("text")
        text, entities = prepare_message_text(
            None if raw is None else str(raw), params.get("parse_mode"), params.get("entities")
        )
        markup = self._edit_markup(chat, params)
        if (text, entities, markup) == (stored.text, stored.entities, stored.inline_markup):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(stored, {"text": text, "entities": entities}, markup, str(raw))

    def _edit_message_caption(self, params: dict[str, Any], files: Files) -> Any:
        chat, stored = self._message_to_edit(params)
        if stored.kind not in ("photo", "document"):
            raise bad_request("there is no caption in the message to edit")
        caption = self._caption(params)
        markup = self._edit_markup(chat, params)
        new = (caption.get("caption"), caption.get("caption_entities", []), markup)
        if new == (stored.text, stored.entities, stored.inline_markup):
            raise bad_request(NOT_MODIFIED)
        fields = {"caption": new[0], "caption_entities": new[1]}
        return self._apply_edit(stored, fields, markup, params.get("caption") or "")

    def _edit_message_media(self, params: dict[str, Any], files: Files) -> Any:
        """Replace a message's photo or document (a text message may become one, never the
        other way round), with the new media's caption; files as for sendPhoto."""
        chat, stored = self._message_to_edit(params)
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in _EDITABLE_MEDIA:
            raise bad_request("can't parse input media JSON object")
        if stored.kind not in ("text", *_EDITABLE_MEDIA):
            raise bad_request("there is no media in the message to edit")
        kind = media["type"]
        source = self._input_file({kind: media.get("media")}, files, kind)
        caption = self._caption(
            {
                "caption": media.get("caption"),
                "parse_mode": media.get("parse_mode"),
                "caption_entities": media.get("caption_entities"),
            }
        )
        markup = self._edit_markup(chat, params)
        same_file = (
            isinstance(source, StoredFile)
            and stored.kind == kind
            and (
                (stored.message.get(kind) or [{}])[-1].get("file_id") == source.file_id
                if kind == "photo"
                else (stored.message.get(kind) or {}).get("file_id") == source.file_id
            )
        )
        new = (caption.get("caption"), caption.get("caption_entities", []), markup)
        if same_file and new == (stored.text, stored.entities, stored.inline_markup):
            raise bad_request(NOT_MODIFIED)
        file = self._register_file(kind, source)
        if kind == "photo":
            body: Any = photo_sizes(file.file_id, file.file_unique_id, len(file.content))
        else:
            body = document_dict(
                file.file_id, file.file_unique_id, len(file.content), file.file_name,
                file.mime_type,
            )  # fmt: skip
        fields = {
            "text": None,
            "entities": None,
            **{other: None for other in _EDITABLE_MEDIA},
            kind: body,
            "caption": new[0],
            "caption_entities": new[1],
        }
        stored.kind = kind
        return self._apply_edit(stored, fields, markup, media.get("caption") or "")

    def _edit_message_reply_markup(self, params: dict[str, Any], files: Files) -> Any:
        chat, stored = self._message_to_edit(params)
        markup = self._edit_markup(chat, params)
        if markup == stored.inline_markup:
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(stored, {}, markup)

    def _delete_message(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        stored = chat.live(params["message_id"])
        if stored is None:
            raise bad_request("message to delete not found")
        if not chat.is_private and not stored.from_bot:
            raise bad_request("message can't be deleted")  # the fake bot is never a group admin
        if self._now() - stored.message["date"] > DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted for everyone")
        stored.deleted = True
        return True

    # ------------------------------------------------------- callbacks & files

    def _answer_callback_query(self, params: dict[str, Any], files: Files) -> Any:
        query = self._callbacks.get(str(params.get("callback_query_id", "")))
        if query is None or query.answered:
            raise bad_request(QUERY_TOO_OLD)
        check_callback_answer_text(params.get("text"))
        keys = ("text", "show_alert", "url", "cache_time")
        query.answer = {key: params[key] for key in keys if key in params}
        return True

    def _get_file(self, params: dict[str, Any], files: Files) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        if stored.file_path is None:
            folder = "photos" if stored.kind == "photo" else "documents"
            suffix = (
                ".jpg" if stored.kind == "photo" else PurePosixPath(stored.file_name or "").suffix
            )
            stored.file_path = f"{folder}/file_{len(self._file_paths)}{suffix}"
            self._file_paths[stored.file_path] = stored
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _get_chat(self, params: dict[str, Any], files: Files) -> Any:
        chat = self._chat_for(params)
        return {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    # --------------------------------------------------------------- commands

    def _commands_key(self, params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        kind = scope.get("type") if isinstance(scope, dict) else None
        if kind in _SCOPE_TYPES:
            canonical: dict[str, Any] = {"type": kind}
        elif kind in _CHAT_SCOPES:
            canonical = {"type": kind, "chat_id": decode_chat_id(scope.get("chat_id", ""))}
            self._chat_for(canonical)
            if kind == "chat_member":
                canonical["user_id"] = int(_required(scope, "user_id"))
        else:
            raise bad_request("can't parse BotCommandScope JSON object")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return scope_key(canonical), language

    def _set_my_commands(self, params: dict[str, Any], files: Files) -> Any:
        commands = check_bot_commands(params.get("commands", []))
        key = self._commands_key(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)  # an empty list is how Telegram deletes them
        return True

    def _get_my_commands(self, params: dict[str, Any], files: Files) -> Any:
        return clone(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any], files: Files) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True


# Method names are case-insensitive in the Bot API.
HANDLERS: dict[str, Handler] = {
    "getme": BotApiMethods._get_me,
    "getupdates": BotApiMethods._get_updates,
    "setwebhook": BotApiMethods._set_webhook,
    "deletewebhook": BotApiMethods._delete_webhook,
    "getwebhookinfo": BotApiMethods._get_webhook_info,
    "logout": BotApiMethods._log_out,
    "close": BotApiMethods._log_out,
    "sendmessage": BotApiMethods._send_message,
    "sendphoto": BotApiMethods._send_photo,
    "senddocument": BotApiMethods._send_document,
    "sendlocation": BotApiMethods._send_location,
    "sendchataction": BotApiMethods._send_chat_action,
    "editmessagetext": BotApiMethods._edit_message_text,
    "editmessagecaption": BotApiMethods._edit_message_caption,
    "editmessagemedia": BotApiMethods._edit_message_media,
    "editmessagereplymarkup": BotApiMethods._edit_message_reply_markup,
    "deletemessage": BotApiMethods._delete_message,
    "answercallbackquery": BotApiMethods._answer_callback_query,
    "getfile": BotApiMethods._get_file,
    "getchat": BotApiMethods._get_chat,
    "setmycommands": BotApiMethods._set_my_commands,
    "getmycommands": BotApiMethods._get_my_commands,
    "deletemycommands": BotApiMethods._delete_my_commands,
}
