"""The one place that wires the Application: build_application(config, db, clock)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot.clock import Clock
from bot.config import Config
from bot.context import BotData, Context
from bot.logs import install_record_redaction
from bot.menus import publish_default_commands
from bot.ordering import PerUserUpdateProcessor
from bot.outbox import Outbox, Pacer, outbox_connection
from bot.scheduler import Scheduler
from bot.texts import Texts
from storage.db import Database, Topic

_LOGGER = logging.getLogger(__name__)

# Updates handled at once. Each waits mostly on SQLite or Telegram, so more than the cores.
MAX_CONCURRENT_UPDATES = 64

BotApplication = Application  # the concrete generic type is long; handlers see Context


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
    install_record_redaction([token])
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(config.timezone)))
        .context_types(ContextTypes(context=Context, bot_data=BotData))
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(on_startup)
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


async def on_startup(app: Application) -> None:
    """Optional set-up once connected: failures are logged, never fatal."""
    try:
        await publish_default_commands(app.bot, app.bot_data.texts)
    except Exception:
        _LOGGER.warning("could not publish the command menu", exc_info=True)
