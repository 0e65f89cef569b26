"""The sandbox's Bot API server over real HTTP on 127.0.0.1: Telegram's answers and refusals."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.sandbox.demo import build_demo
from bot.sandbox.server import start_server
from bot.sandbox.state import Sandbox
from bot.testing import FakeTelegram

TOKEN = "100000:SANDBOX-test"
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
USER = 10009  # a trainee persona of the demo class


class Server:
    """A running sandbox server and an HTTP client for it."""

    def __init__(self, sandbox: Sandbox, base: str, client: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.base = base
        self.client = client

    async def call(
        self, method: str, token: str = TOKEN, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        """A Bot API call as PTB makes it: a form body with JSON-encoded nested values."""
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        async with self.client.post(f"{self.base}/bot{token}/{method}", data=form) as response:
            return response.status, await response.json()

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """A control API call; GET without a body."""
        if body is None:
            async with self.client.get(f"{self.base}/control/{path}") as response:
                return await response.json()
        async with self.client.post(f"{self.base}/control/{path}", json=body) as response:
            return await response.json()


@pytest.fixture
def flood_clock() -> list[float]:
    """The flood limiter's monotonic time, standing still unless a test moves it."""
    return [1000.0]


@pytest.fixture
async def server(flood_clock: list[float]) -> AsyncIterator[Server]:
    """The sandbox server on a free port, flood limits on, with a clock that stands still."""
    telegram = FakeTelegram(token=TOKEN, flood_limits=True, monotonic=lambda: flood_clock[0])
    sandbox = Sandbox(telegram, build_demo(NOW))
    runner = await start_server(sandbox, 0)
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as client:
        yield Server(sandbox, f"http://127.0.0.1:{port}", client)
    await runner.cleanup()


async def test_tokens_and_methods(server: Server) -> None:
    status, body = await server.call("getMe")
    assert status == 200 and body["result"]["is_bot"] is True
    assert await server.call("getMe", token="100000:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await server.call("sendSmokeSignal") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    async with server.client.get(f"{server.base}/file/bot100000:wrong/x") as response:
        assert response.status == 401


async def test_refuses_what_telegram_refuses(server: Server) -> None:
    await server.control("send", {"user_id": USER, "text": "/start"})
    refusals = [
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        (
            {
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        ({"text": "<b>open", "parse_mode": "HTML"}, "Bad Request: can't parse entities"),
        ({"text": "<div>x</div>", "parse_mode": "HTML"}, "Bad Request: can't parse entities"),
    ]
    for params, description in refusals:
        status, body = await server.call("sendMessage", chat_id=USER, **params)
        assert status == 400, params
        assert body["description"].startswith(description), body
    # 64 bytes of callback data and balanced HTML pass.
    status, body = await server.call(
        "sendMessage",
        chat_id=USER,
        text="<b>ok</b>",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "x" * 64}]]},
    )
    assert status == 200 and body["result"]["text"] == "ok"


async def test_flood_beyond_the_limit_gets_429_with_retry_after(
    server: Server, flood_clock: list[float]
) -> None:
    await server.control("send", {"user_id": USER, "text": "/start"})
    statuses = [(await server.call("sendMessage", chat_id=USER, text="n"))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]  # a short burst is tolerated
    status, body = await server.call("sendMessage", chat_id=USER, text="n")
    assert status == 429
    assert body["parameters"]["retry_after"] >= 1
    assert body["description"].startswith("Too Many Requests: retry after")
    flood_clock[0] += body["parameters"]["retry_after"]
    assert (await server.call("sendMessage", chat_id=USER, text="n"))[0] == 200


async def test_bot_cannot_write_first_and_blocked_gets_403(server: Server) -> None:
    status, body = await server.call("sendMessage", chat_id=USER, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await server.control("send", {"user_id": USER, "text": "/start"})
    await server.control("block", {"user_id": USER})
    status, body = await server.call("sendMessage", chat_id=USER, text="hi")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    await server.control("unblock", {"user_id": USER})
    assert (await server.call("sendMessage", chat_id=USER, text="hi"))[0] == 200


async def test_get_updates_offset_semantics_and_long_poll(server: Server) -> None:
    first = (await server.control("send", {"user_id": USER, "text": "one"}))["update"]
    status, body = await server.call("getUpdates")
    assert [u["update_id"] for u in body["result"]] == [first["update_id"]]
    # Not confirmed yet: returned again.
    status, body = await server.call("getUpdates", offset=0)
    assert [u["update_id"] for u in body["result"]] == [first["update_id"]]
    # Confirmed by a later offset: gone. Then a long poll waits for the next update.
    poll = asyncio.create_task(server.call("getUpdates", offset=first["update_id"] + 1, timeout=30))
    second = (await server.control("send", {"user_id": USER, "text": "two"}))["update"]
    status, body = await poll
    assert status == 200
    assert [u["update_id"] for u in body["result"]] == [second["update_id"]]


async def test_json_and_multipart_bodies_and_files(server: Server) -> None:
    await server.control("send", {"user_id": USER, "text": "/start"})
    url = f"{server.base}/bot{TOKEN}/sendMessage"
    async with server.client.post(url, json={"chat_id": USER, "text": "json"}) as response:
        assert response.status == 200
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("document", b"a,b\n", filename="list.csv", content_type="text/csv")
    async with server.client.post(f"{server.base}/bot{TOKEN}/sendDocument", data=form) as response:
        sent = (await response.json())["result"]
    file_id = sent["document"]["file_id"]
    status, body = await server.call("getFile", file_id=file_id)
    assert status == 200
    path = body["result"]["file_path"]
    async with server.client.get(f"{server.base}/file/bot{TOKEN}/{path}") as response:
        assert await response.read() == b"a,b\n"
    async with server.client.get(f"{server.base}/control/file/{file_id}") as response:
        assert await response.read() == b"a,b\n"
        assert "attachment" in response.headers["Content-Disposition"]
    chat = await server.control(f"chat/{USER}")
    assert [m["kind"] for m in chat["messages"]] == ["text", "text", "document"]
    assert chat["messages"][-1]["file"]["file_name"] == "list.csv"


async def test_chat_shows_edits_and_current_keyboards(server: Server) -> None:
    await server.control("send", {"user_id": USER, "text": "/start"})
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    _, sent = await server.call("sendMessage", chat_id=USER, text="v1", reply_markup=markup)
    message_id = sent["result"]["message_id"]
    await server.call(
        "editMessageText", chat_id=USER, message_id=message_id, text="<i>v2</i>", parse_mode="HTML"
    )
    chat = await server.control(f"chat/{USER}")
    shown = chat["messages"][-1]
    assert shown["text"] == "v2" and shown["edited"] is True
    assert shown["entities"] == [{"type": "italic", "offset": 0, "length": 2}]
    assert shown["inline_keyboard"] is None  # an edit without markup removes the keyboard
    pressed = await server.control("press", {"user_id": USER, "message_id": 1, "data": "zz"})
    assert pressed["update"]["callback_query"]["data"] == "zz"
    query_id = pressed["update"]["callback_query"]["id"]
    assert (await server.control(f"callback/{query_id}"))["answer"] is None
    await server.call(
        "answerCallbackQuery", callback_query_id=query_id, text="stale", show_alert=True
    )
    answer = (await server.control(f"callback/{query_id}"))["answer"]
    assert (answer["text"], answer["show_alert"]) == ("stale", True)


async def test_control_refuses_bad_input(server: Server) -> None:
    assert (await server.control("send", {"user_id": 1, "text": "x"}))["ok"] is False
    assert (await server.control("send", {"user_id": USER, "text": ""}))["ok"] is False
    assert (await server.control("faults", {"method": "sendMessage", "error": "418"}))[
        "ok"
    ] is False
    async with server.client.get(f"{server.base}/control/chat/nope") as response:
        assert response.status == 400
    assert server.sandbox.telegram.pending_updates() == []


async def test_injected_fault_answers_once(server: Server) -> None:
    await server.control("send", {"user_id": USER, "text": "/start"})
    await server.control("faults", {"method": "sendMessage", "error": "500", "times": 1})
    assert (await server.call("sendMessage", chat_id=USER, text="x"))[0] == 500
    assert (await server.call("sendMessage", chat_id=USER, text="x"))[0] == 200


async def test_wait_returns_on_change(server: Server) -> None:
    version = (await server.control(f"chat/{USER}"))["version"]
    waiting = asyncio.create_task(server.control(f"wait?since={version}&timeout=30"))
    await server.control("send", {"user_id": USER, "text": "hello"})
    assert (await waiting)["version"] > version


async def test_page_and_static_files(server: Server) -> None:
    for path, needle in (
        ("/", "培训班助手"),
        ("/static/chat.js", "renderEntities"),
        ("/static/chat.css", ".msg"),
    ):
        async with server.client.get(server.base + path) as response:
            assert response.status == 200
            assert needle in await response.text()
    personas = (await server.control("personas"))["personas"]
    assert {p["user_id"] for p in personas} == {10000 + i for i in range(len(personas))}


async def test_a_persona_shares_a_location_and_the_chat_shows_it(server: Server) -> None:
    await server.control("send", {"user_id": USER, "text": "/start"})
    venue = (await server.control("personas"))["venue"]
    # Without coordinates, the share-location button of the page sends the venue.
    at_venue = await server.control("location", {"user_id": USER})
    assert at_venue["ok"] and at_venue["update"]["message"]["location"] == venue
    elsewhere = await server.control(
        "location", {"user_id": USER, "latitude": 31.2304, "longitude": 121.4737}
    )
    sent = elsewhere["update"]["message"]
    assert sent["from"]["id"] == USER and sent["chat"]["id"] == USER
    assert "forward_origin" not in sent  # shared by hand, not a forwarded one
    # The bot gets both over getUpdates, as from Telegram.
    _, body = await server.call("getUpdates")
    locations = [u["message"]["location"] for u in body["result"] if "location" in u["message"]]
    assert locations == [venue, {"latitude": 31.2304, "longitude": 121.4737}]
    chat = await server.control(f"chat/{USER}")
    shown = chat["messages"][-2:]
    assert [(m["kind"], m["from_bot"]) for m in shown] == [("location", False)] * 2
    assert [m["location"] for m in shown] == locations
    assert shown[-1]["message_id"] == sent["message_id"]


async def test_a_persona_sends_a_document_and_the_bot_can_fetch_it(server: Server) -> None:
    content = "姓名,请假事由\n王芳,病假\n".encode()
    sent = await server.control(
        "document",
        {
            "user_id": USER,
            "file_name": "病假条.csv",
            "content_base64": base64.b64encode(content).decode(),
            "mime_type": "text/csv",
        },
    )
    document = sent["update"]["message"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("病假条.csv", "text/csv")
    assert document["file_size"] == len(content)
    # As the bot would: the update, then getFile, then the download.
    _, body = await server.call("getUpdates")
    assert body["result"][-1]["message"]["document"] == document
    status, body = await server.call("getFile", file_id=document["file_id"])
    assert status == 200
    async with server.client.get(
        f"{server.base}/file/bot{TOKEN}/{body['result']['file_path']}"
    ) as response:
        assert await response.read() == content
    # The chat shows it as the persona's file, downloadable from the page.
    [shown] = (await server.control(f"chat/{USER}"))["messages"]
    assert (shown["kind"], shown["from_bot"]) == ("document", False)
    assert shown["file"] == {"file_id": document["file_id"], "file_name": "病假条.csv"}
    async with server.client.get(f"{server.base}/control/file/{document['file_id']}") as response:
        assert await response.read() == content
        assert response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
    # Without a name or a type, Telegram's defaults apply.
    plain = await server.control(
        "document", {"user_id": USER, "content_base64": base64.b64encode(b"\x00\x01").decode()}
    )
    document = plain["update"]["message"]["document"]
    assert (document["file_name"], document["mime_type"]) == (
        "file.bin",
        "application/octet-stream",
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("location", {"user_id": USER, "latitude": "north", "longitude": 121.0}),
        ("location", {"user_id": 1, "latitude": 31.0, "longitude": 121.0}),
        ("document", {"user_id": USER, "content_base64": "not base64!"}),
        ("document", {"user_id": USER, "content_base64": ""}),
        ("document", {"user_id": 1, "content_base64": "AAE="}),
    ],
)
async def test_location_and_document_refuse_bad_input(
    server: Server, path: str, body: dict[str, Any]
) -> None:
    async with server.client.post(f"{server.base}/control/{path}", json=body) as response:
        assert response.status == 400
        assert (await response.json())["ok"] is False
    assert server.sandbox.telegram.pending_updates() == []
    assert (await server.control(f"chat/{USER}"))["messages"] == []
