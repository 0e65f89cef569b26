"""Start-up over real HTTP: the real runner against the sandbox's server, with faults planned.

bot/app.py's serve() is what `trainee-bot run` and `trainee-bot sandbox` run: it opens the
database, connects, publishes the command menu (optional), then polls. Here it runs in the
test's event loop against the sandbox server on 127.0.0.1, so every call is real HTTP.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import serve
from bot.clock import ManualClock
from bot.config import Config, Secret
from bot.sandbox.demo import build_demo
from bot.sandbox.main import prepare_database
from bot.sandbox.server import start_server
from bot.sandbox.state import Sandbox
from bot.testing import FakeTelegram, Fault

TOKEN = "100000:SANDBOX-startup-test"
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
USER = 10009  # a trainee persona of the demo class
WAIT_AT_MOST = 30.0  # a safety net: a healthy run answers at once


class Running:
    """The sandbox server with the real bot polling it, and an HTTP client for its control API."""

    def __init__(self, sandbox: Sandbox, base: str, client: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.base = base
        self.client = client

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """A control API call; GET without a body."""
        method = self.client.get if body is None else self.client.post
        async with method(f"{self.base}/control/{path}", json=body) as response:
            return await response.json()

    async def wait_until(self, check: Callable[[], Any]) -> Any:
        """Long-poll the change feed until the awaited check is truthy; return it."""
        version = -1
        async with asyncio.timeout(WAIT_AT_MOST):
            while not (result := await check()):
                version = (await self.control(f"wait?since={version}&timeout=10"))["version"]
        return result

    async def says(self, user_id: int, text: str) -> dict[str, Any]:
        """Send a text as the persona; the bot's next message to them."""

        async def bot_messages() -> list[dict[str, Any]]:
            chat = await self.control(f"chat/{user_id}")
            return [m for m in chat["messages"] if m["from_bot"]]

        before = len(await bot_messages())
        await self.control("send", {"user_id": user_id, "text": text})
        return (await self.wait_until(lambda: _after(bot_messages, before)))[-1]


async def _after(messages: Callable[[], Any], before: int) -> list[dict[str, Any]]:
    return (await messages())[before:]


@pytest.fixture
async def sandbox(tmp_path: Path) -> Sandbox:
    """The sandbox server's state, before anything connects (so faults can be planned)."""
    demo = build_demo(NOW)
    await prepare_database(tmp_path / "s.sqlite3", demo, ManualClock(NOW), keep=False)
    return Sandbox(FakeTelegram(token=TOKEN, bot_username="trainee_sandbox_bot"), demo)


@pytest.fixture
async def running(
    tmp_path: Path, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Running]:
    """Serve the sandbox on a free port and run the real bot against it until the test ends."""
    caplog.set_level(logging.WARNING, logger="bot.app")
    runner = await start_server(sandbox, 0)
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    config = Config(
        token=Secret(TOKEN),
        api_url=base,
        db_path=tmp_path / "s.sqlite3",
        timezone="Asia/Shanghai",
        locale="zh",
    )
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(config, clock=ManualClock(NOW), stop_when=stop))
    try:
        polling = asyncio.ensure_future(sandbox.first_poll.wait())
        async with asyncio.timeout(WAIT_AT_MOST):
            await asyncio.wait((polling, bot), return_when="FIRST_COMPLETED")
        polling.cancel()
        assert not bot.done(), "the bot stopped during start-up"
        async with aiohttp.ClientSession() as client:
            yield Running(sandbox, base, client)
        assert not bot.done(), "the bot stopped while the test ran"
    finally:
        stop.set()
        await bot  # re-raises whatever stopped the bot
        await runner.cleanup()


@pytest.fixture(params=["500", "403", "400"])
def menu_fault(request: pytest.FixtureRequest, sandbox: Sandbox) -> str:
    """Telegram refuses the first setMyCommands of the start-up, with this status."""
    fault = {
        "500": Fault.server_error(),
        "403": Fault.forbidden("Forbidden: bot was kicked"),
        "400": Fault.bad_request("BOT_COMMAND_INVALID"),
    }[request.param]
    sandbox.telegram.fail_next("setMyCommands", fault)
    return request.param


async def test_a_refused_command_menu_at_start_up_is_logged_and_the_bot_polls_on(
    menu_fault: str,  # named before running: the fault is planned before the bot starts
    running: Running,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = (await running.control("calls?method=setMyCommands"))["calls"]
    assert calls[0]["fault"] and calls[0]["status"] == int(menu_fault)
    # The start-up ran while the fixtures were set up: its log lines are the setup's.
    [record] = [
        r
        for r in caplog.get_records("setup")
        if "could not publish the command menu" in r.getMessage()
    ]
    assert record.exc_info is not None
    reply = await running.says(USER, "/start")
    assert "培训班助手" in reply["text"]
