"""Running the bot: open the database, connect, poll until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update

from bot.app import build_application, on_startup
from bot.clock import Clock, SystemClock
from bot.config import Config
from storage.db import Database

_LOGGER = logging.getLogger(__name__)


async def serve(
    config: Config, *, clock: Clock | None = None, stop: asyncio.Event | None = None
) -> None:
    """Poll the Bot API at config.api_url and handle updates until ``stop`` is set.

    PTB's run_polling() would own the event loop; we need the database opened in the same
    loop first, so the lifecycle is driven by hand (initialize, start polling, start, and
    the reverse on the way out).
    """
    stop = stop or _stop_on_signals()
    db = await Database.open(config.db_path)
    try:
        app = build_application(config, db, clock or SystemClock())
        async with app:
            await on_startup(app)
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            await app.start()
            app.bot_data.outbox.start()
            await app.bot_data.scheduler.start()  # needs the running JobQueue
            _LOGGER.info("bot @%s is polling %s", app.bot.username, config.api_url)
            await stop.wait()
            _LOGGER.info("stopping")
            app.bot_data.scheduler.stop()
            await app.bot_data.outbox.stop()
            await app.updater.stop()
            await app.stop()
    finally:
        await db.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
    return stop
