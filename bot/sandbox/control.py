"""The sandbox's control API (JSON under /control/): act as a persona, read chats, faults.

The chat page and the end-to-end tests drive the demo personas through it. Every action
goes through FakeTelegram's user methods, so the bot receives exactly what a Telegram
client would send.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.state import SANDBOX_KEY, Sandbox, json_response
from bot.testing import Fault, ShownMessage

WAIT_AT_MOST = 60.0
_FAULTS = {
    "429": lambda body: Fault.retry_after(int(body.get("retry_after", 1))),
    "403": lambda body: Fault.forbidden(),
    "400": lambda body: Fault.bad_request(str(body.get("description", "injected fault"))),
    "500": lambda body: Fault.server_error(),
    "502": lambda body: Fault.server_error(502, "Bad Gateway"),
    "timeout": lambda body: Fault.timeout(delivered=bool(body.get("delivered", False))),
}


class _BadInput(Exception):
    """The control request is malformed: answered 400 with the reason."""


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _BadInput("the body must be JSON") from None
    if not isinstance(body, dict):
        raise _BadInput("the body must be a JSON object")
    return body


def _persona_id(sandbox: Sandbox, value: Any) -> int:
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        raise _BadInput("user_id must be a number") from None
    if user_id not in sandbox.personas:
        raise _BadInput(f"no persona {user_id}")
    return user_id


def _handler(action: Any) -> Any:
    """Wrap a control action: bad input -> 400, lookup errors of the fake -> 400."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await action(request)
        except (_BadInput, LookupError, ValueError) as error:
            return json_response({"ok": False, "error": str(error)}, 400)

    return handle


def shown(message: ShownMessage) -> dict[str, Any]:
    """A message as the page renders it: plain text, entities, current inline keyboard."""
    raw = message.raw
    item: dict[str, Any] = {
        "message_id": message.message_id,
        "from_bot": message.from_bot,
        "kind": message.kind,
        "text": message.text,
        "entities": message.entities,
        "edited": message.edited,
        "date": raw.get("date"),
        "inline_keyboard": (message.reply_markup or {}).get("inline_keyboard"),
    }
    if "photo" in raw:
        item["file"] = {"file_id": raw["photo"][-1]["file_id"], "file_name": None}
    if "document" in raw:
        document = raw["document"]
        item["file"] = {"file_id": document["file_id"], "file_name": document.get("file_name")}
    for key in ("contact", "location"):
        if key in raw:
            item[key] = raw[key]
    return item


async def personas(request: web.Request) -> web.StreamResponse:
    """GET /control/personas: who can talk to the bot, and the venue for location sharing."""
    sandbox = _sandbox(request)
    return json_response(
        {
            "ok": True,
            "class_name": sandbox.demo.plan.name,
            "timezone": sandbox.demo.plan.timezone,
            "venue": {"latitude": sandbox.demo.venue_lat, "longitude": sandbox.demo.venue_lon},
            "personas": [
                {
                    "user_id": p.user_id,
                    "name": p.name,
                    "phone": p.phone,
                    "roles": [str(role) for role in p.roles],
                    "unit": p.unit,
                    "blocked": sandbox.telegram.is_blocked(p.user_id),
                }
                for p in sandbox.demo.personas
            ],
        }
    )


async def chat(request: web.Request) -> web.StreamResponse:
    """GET /control/chat/{user_id}: the chat as Telegram shows it now."""
    sandbox = _sandbox(request)
    user_id = _persona_id(sandbox, request.match_info["user_id"])
    telegram = sandbox.telegram
    return json_response(
        {
            "ok": True,
            "version": sandbox.version,
            "messages": [shown(m) for m in telegram.chat(user_id)],
            "keyboard": telegram.keyboard(user_id),
            "blocked": telegram.is_blocked(user_id),
        }
    )


async def commands(request: web.Request) -> web.StreamResponse:
    """GET /control/commands/{user_id}: the command menu Telegram shows this persona (what
    the bot set with setMyCommands for their chat, language or everyone)."""
    sandbox = _sandbox(request)
    user_id = _persona_id(sandbox, request.match_info["user_id"])
    return json_response({"ok": True, "commands": sandbox.telegram.visible_commands(user_id)})


async def _act(request: web.Request, kind: str) -> web.StreamResponse:
    sandbox = _sandbox(request)
    telegram = sandbox.telegram
    body = await _body(request)
    user_id = _persona_id(sandbox, body.get("user_id"))
    persona = sandbox.personas[user_id]
    if kind == "send":
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _BadInput("text must be a non-empty string")
        update = telegram.send_text(user_id, text)
    elif kind == "contact":
        # The persona's own card (the share-contact button); a phone may be given to try
        # a number that is not on the roster.
        update = telegram.send_contact(user_id, str(body.get("phone") or persona.phone))
    elif kind == "location":
        latitude = float(body.get("latitude", sandbox.demo.venue_lat))
        longitude = float(body.get("longitude", sandbox.demo.venue_lon))
        update = telegram.send_location(user_id, latitude, longitude)
    elif kind == "document":
        try:
            content = base64.b64decode(str(body.get("content_base64", "")), validate=True)
        except binascii.Error:
            raise _BadInput("content_base64 is not base64") from None
        if not content:
            raise _BadInput("the document is empty")
        update = telegram.send_document(
            user_id, str(body.get("file_name") or "file.bin"), content, body.get("mime_type")
        )
    elif kind == "press":
        message_id = int(body.get("message_id", 0))
        if "text" in body:
            update = telegram.press_button(user_id, message_id, str(body["text"]))
        else:
            data = body.get("data")
            update = telegram.press(user_id, message_id, None if data is None else str(data))
    else:
        raise AssertionError(kind)
    sandbox.changed()
    return json_response({"ok": True, "update": update})


async def block(request: web.Request) -> web.StreamResponse:
    """POST /control/block and /control/unblock {user_id}: the persona (un)blocks the bot."""
    sandbox = _sandbox(request)
    body = await _body(request)
    user_id = _persona_id(sandbox, body.get("user_id"))
    if request.path.endswith("/unblock"):
        sandbox.telegram.unblock(user_id)
    else:
        sandbox.telegram.block(user_id)
    sandbox.changed()
    return json_response({"ok": True, "blocked": sandbox.telegram.is_blocked(user_id)})


async def fault(request: web.Request) -> web.StreamResponse:
    """POST /control/faults {method, error: 429|403|400|500|502|timeout, times}: the next
    ``times`` calls of ``method`` (null: any but getUpdates) fail that way."""
    sandbox = _sandbox(request)
    body = await _body(request)
    make = _FAULTS.get(str(body.get("error")))
    if make is None:
        raise _BadInput(f"error must be one of {', '.join(_FAULTS)}")
    method = body.get("method")
    if method is not None and not isinstance(method, str):
        raise _BadInput("method must be a Bot API method name or null")
    times = int(body.get("times", 1))
    sandbox.telegram.fail_next(method, make(body), times)
    return json_response({"ok": True})


async def clear_faults(request: web.Request) -> web.StreamResponse:
    """DELETE /control/faults: drop the faults that have not fired."""
    _sandbox(request).telegram.clear_faults()
    return json_response({"ok": True})


async def calls(request: web.Request) -> web.StreamResponse:
    """GET /control/calls?method=sendMessage: the calls the bot made and their answers."""
    telegram = _sandbox(request).telegram
    method = request.query.get("method")
    chosen = telegram.calls_of(method) if method else telegram.calls
    return json_response(
        {
            "ok": True,
            "calls": [
                {
                    "method": call.method,
                    "status": call.status,
                    "params": call.params,
                    "fault": call.fault is not None,
                    "response": call.response,
                }
                for call in chosen
            ],
        }
    )


async def wait(request: web.Request) -> web.StreamResponse:
    """GET /control/wait?since=V&timeout=S: answer when anything changed after version V."""
    sandbox = _sandbox(request)
    try:
        since = int(request.query.get("since", "0"))
        timeout = min(float(request.query.get("timeout", "25")), WAIT_AT_MOST)
    except ValueError:
        raise _BadInput("since and timeout are numbers") from None
    version = await sandbox.wait_for_change(since, max(timeout, 0.0))
    return json_response({"ok": True, "version": version})


async def callback_answer(request: web.Request) -> web.StreamResponse:
    """GET /control/callback/{query_id}: what the bot answered to a button press (a toast or
    an alert in Telegram); ``answer`` is null while unanswered."""
    answer = _sandbox(request).telegram.callback_answer(request.match_info["query_id"])
    return json_response({"ok": True, "answer": answer})


async def file(request: web.Request) -> web.StreamResponse:
    """GET /control/file/{file_id}: a photo or document shown in a chat."""
    stored = _sandbox(request).telegram.file(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    headers = {}
    if stored.kind == "document":
        name = stored.file_name or "file"
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return web.Response(
        body=stored.content,
        content_type=stored.mime_type or "application/octet-stream",
        headers=headers,
    )


def add_routes(app: web.Application) -> None:
    """Register the control API on the sandbox app."""

    def action(kind: str) -> Any:
        return _handler(lambda request: _act(request, kind))

    app.router.add_get("/control/personas", _handler(personas))
    app.router.add_get("/control/chat/{user_id}", _handler(chat))
    app.router.add_get("/control/commands/{user_id}", _handler(commands))
    for kind in ("send", "contact", "location", "document", "press"):
        app.router.add_post(f"/control/{kind}", action(kind))
    app.router.add_post("/control/block", _handler(block))
    app.router.add_post("/control/unblock", _handler(block))
    app.router.add_post("/control/faults", _handler(fault))
    app.router.add_delete("/control/faults", _handler(clear_faults))
    app.router.add_get("/control/calls", _handler(calls))
    app.router.add_get("/control/wait", _handler(wait))
    app.router.add_get("/control/file/{file_id}", _handler(file))
    app.router.add_get("/control/callback/{query_id}", _handler(callback_answer))
