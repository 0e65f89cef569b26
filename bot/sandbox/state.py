"""What the sandbox's HTTP handlers share: the fake Telegram, the personas, change tracking."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.sandbox.demo import Demo
from bot.testing import FakeTelegram

if TYPE_CHECKING:
    from telegram.ext import Application

# Recorded calls are kept for the control API; a long sandbox session must not grow forever.
KEEP_CALLS = 2000


class Sandbox:
    """What the HTTP handlers share: the fake Telegram, the demo personas, change tracking."""

    def __init__(self, telegram: FakeTelegram, demo: Demo, clock: Clock | None = None) -> None:
        self.telegram = telegram
        self.demo = demo
        self.clock = clock or SystemClock()
        self.app: Application | None = None  # the running bot, once started
        self.started = asyncio.Event()
        self.personas = {p.user_id: p for p in demo.personas}
        self.version = 0
        self._changed = asyncio.Event()
        self.closing = asyncio.Event()
        self.first_poll = asyncio.Event()
        for persona in demo.personas:
            telegram.add_user(persona.user_id, persona.name, language_code="zh-hans")

    def bot_started(self, app: Application) -> None:
        """The bot is up (polling, jobs planned): the clock can move from now on."""
        self.app = app
        self.started.set()
        self.changed()

    def changed(self) -> None:
        """Something a chat page may show changed: wake everyone waiting for a change."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()
        if len(self.telegram.calls) > KEEP_CALLS:
            del self.telegram.calls[: -KEEP_CALLS // 2]

    async def wait_for_change(self, since: int, seconds: float) -> int:
        """Wait until the version moves past ``since`` (or timeout, or shutdown)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while self.version <= since and not self.closing.is_set():
                    changed = asyncio.ensure_future(self._changed.wait())
                    closing = asyncio.ensure_future(self.closing.wait())
                    try:
                        await asyncio.wait((changed, closing), return_when="FIRST_COMPLETED")
                    finally:
                        changed.cancel()
                        closing.cancel()
        return self.version


SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def json_response(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))
