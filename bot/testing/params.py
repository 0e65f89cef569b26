"""Decoding Bot API parameters the way the Bot API server reads them.

Over HTTP every value may arrive as a string (form fields, or PTB's JSON-encoded
values), nested objects as JSON text; over a JSON body they arrive typed.  Both
are accepted and turned into Python values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.testing.errors import TelegramRuleError, bad_request

JSON_PARAMS = frozenset(
    {
        "reply_markup", "reply_parameters", "link_preview_options", "entities",
        "caption_entities", "scope", "commands", "allowed_updates", "media",
        "menu_button", "permissions", "results",
    }
)  # fmt: skip
INT_PARAMS = frozenset(
    {
        "message_id", "offset", "limit", "timeout", "user_id", "cache_time",
        "reply_to_message_id", "message_thread_id", "max_connections",
        "live_period", "heading", "proximity_alert_radius",
    }
)  # fmt: skip
FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_PARAMS = frozenset(
    {
        "protect_content", "disable_notification", "show_alert",
        "drop_pending_updates", "disable_web_page_preview",
        "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media",
        "allow_paid_broadcast",
    }
)  # fmt: skip
_INT_RE = re.compile(r"[+-]?\d+")


def _decode_json(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        if name == "reply_markup":
            raise bad_request("can't parse reply keyboard markup JSON object") from None
        raise bad_request(f"can't parse {name} JSON object") from None


def _decode_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    raise bad_request(f'field "{name}" must be of type Integer')


def _decode_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be of type Number') from None


def _decode_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def decode_chat_id(value: Any) -> int | str:
    """chat_id is an integer or an "@username" string."""
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int | str):
        return value
    raise bad_request("chat_id is empty")


def decode_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Decode raw request parameters into Python values; raises TelegramRuleError."""
    decoded: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if value is None:
            continue  # Telegram treats null like an absent parameter
        if name in JSON_PARAMS:
            decoded[name] = _decode_json(name, value)
        elif name == "chat_id":
            decoded[name] = decode_chat_id(value)
        elif name in INT_PARAMS:
            decoded[name] = _decode_int(name, value)
        elif name in FLOAT_PARAMS:
            decoded[name] = _decode_float(name, value)
        elif name in BOOL_PARAMS:
            decoded[name] = _decode_bool(value)
        else:
            decoded[name] = value
    return decoded


def safe_decode(
    params: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], TelegramRuleError | None]:
    """Decode, or keep the raw values and return the error to answer with."""
    try:
        return decode_params(params), None
    except TelegramRuleError as error:
        return dict(params or {}), error
