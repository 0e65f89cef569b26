"""The one place that wires the Application, and its one lifecycle.

``build_application(config, db, clock)`` builds the bot: Telegram connection, shared
services, every handler. ``start`` and ``stop`` bring it up and down; ``serve`` is the whole
life of a bot process (open the database and apply its migrations, build, start, wait for
the signal, stop). ``trainee-bot run``, the sandbox and the tests all go through these, so
what a test exercises is what production runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot import upkeep
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import BotData, Context
from bot.logs import install_record_redaction
from bot.menus import publish_default_commands
from bot.ordering import PerUserUpdateProcessor
from bot.outbox import Outbox, Pacer, outbox_connection
from bot.scheduler import Scheduler
from bot.texts import Texts
from storage.db import Database, Topic
from storage.lock import exclusive

_LOGGER = logging.getLogger(__name__)

# Updates handled at once. Each waits mostly on SQLite or Telegram, so more than the cores.
MAX_CONCURRENT_UPDATES = 64


def build_application(
    config: Config,
    db: Database,
    clock: Clock,
    *,
    texts: Texts | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: bool = True,
) -> Application:
    """Build the bot: Telegram connection, shared services, every handler, the error handler.

    Tests pass their own ``request`` (the Bot API double) and switch the rate limiter off;
    production passes neither.
    """
    if config.token is None:
        raise ValueError("build_application needs a token")
    token = config.token.reveal()
    install_record_redaction([s.reveal() for s in (config.token, config.cert_secret) if s])
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(config.timezone)))
        .context_types(ContextTypes(context=Context, bot_data=BotData))
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    if rate_limiter:
        # Direct replies only; the outbox paces its own sends.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    data: BotData = app.bot_data
    data.db = db
    data.texts = texts or Texts()
    data.clock = clock
    data.config = config
    # Production: the outbox has its own lean connection (bot/outbox_http.py) and paces
    # itself under Telegram's limits. Tests pass a request and drive flush() without pacing.
    outbox_bot = app.bot if request is not None else outbox_connection(config)
    data.outbox = Outbox(outbox_bot, db, clock, pacer=Pacer() if rate_limiter else None)
    data.planners = handlers.PLANNERS
    data.import_watchers = handlers.IMPORT_WATCHERS
    data.scheduler = Scheduler(app)
    # What follows a committed change, in one place instead of after every write.
    db.on_commit(Topic.OUTBOX, data.outbox.wake)
    db.on_commit(Topic.PLANS, data.scheduler.refresh)
    handlers.register(app)
    return app


async def start(app: Application, *, live: bool = True) -> None:
    """Connect to the Bot API and publish the command menu; ``live`` also takes updates,
    sends the outbox and runs the timed jobs.

    Tests start without ``live``: they feed updates, flush the outbox and run due jobs
    themselves, on their own clock.
    """
    await app.initialize()  # asks getMe: a bad token or an unreachable server fails here
    try:
        await publish_default_commands(app.bot, app.bot_data.texts)
    except Exception:  # optional: the bot works without its menu
        _LOGGER.warning("could not publish the command menu", exc_info=True)
    if not live:
        return
    await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    await app.start()
    app.bot_data.outbox.start()
    await app.bot_data.scheduler.start()  # needs the running JobQueue
    if app.job_queue is not None:
        # Bounded growth and the daily backup; first a minute after start-up.
        app.job_queue.run_repeating(
            upkeep.hourly, upkeep.EVERY_SECONDS, first=60.0, name=upkeep.JOB_NAME
        )


async def stop(app: Application) -> None:
    """Stop what ``start`` started, in reverse order; the outbox keeps what it did not send."""
    data: BotData = app.bot_data
    data.scheduler.stop()
    await data.outbox.stop()
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    data.db.off_commit(Topic.OUTBOX, data.outbox.wake)
    data.db.off_commit(Topic.PLANS, data.scheduler.refresh)


async def serve(
    config: Config,
    *,
    clock: Clock | None = None,
    stop_when: asyncio.Event | None = None,
    locked: bool = False,
    on_started: Callable[[Application], None] | None = None,
) -> None:
    """Run a bot process: poll the Bot API at config.api_url until ``stop_when`` is set
    (by default: SIGINT or SIGTERM).

    The process holds its database exclusively (storage/lock.py): a second bot on the same
    file raises AlreadyRunning before touching anything. ``locked``: the caller holds it
    already (the sandbox, which prepares the file first). PTB's run_polling() would own
    the event loop; the database must be opened in the same loop first, so the lifecycle is
    driven here by hand. ``on_started`` is given the running Application (the sandbox moves
    its clock through the scheduler).
    """
    with contextlib.ExitStack() as hold:
        if not locked:
            hold.enter_context(exclusive(config.db_path))
        await _serve(config, clock or SystemClock(), stop_when or _stop_on_signals(), on_started)


async def _serve(
    config: Config,
    clock: Clock,
    stop_when: asyncio.Event,
    on_started: Callable[[Application], None] | None = None,
) -> None:
    db = await Database.open(config.db_path)  # applies pending migrations
    try:
        app = build_application(config, db, clock)
        try:
            await start(app)
            _LOGGER.info("bot @%s is polling %s", app.bot.username, config.api_url)
            if on_started is not None:
                on_started(app)
            await stop_when.wait()
            _LOGGER.info("stopping")
        finally:
            await stop(app)  # safe on an Application that only got half-way up
    finally:
        await db.close()


def _stop_on_signals() -> asyncio.Event:
    stop_when = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop_when.set)
    return stop_when
