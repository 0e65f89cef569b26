"""Keeping a running bot's database bounded and backed up.

Every hour, while the bot runs (bot/app.py schedules it): outbox rows done with for longer
than TRAINEE_BOT_OUTBOX_KEEP_DAYS are deleted (storage/outbox.py says which few are kept
longer), and so are processed updates older than two days (Telegram redelivers an update
for 24 hours at most); the pages freed go back to the file system. Sent rows keep no
payload from the moment they are sent, so what stays is small: a three-month class of 900
trainees stays within tens of megabytes (benchmarks/bench_growth.py measures it).

Once a day, when TRAINEE_BOT_BACKUP_DIR is set: a backup named for the day, taken with
SQLite's online backup while the bot runs, and only the last TRAINEE_BOT_BACKUP_KEEP kept.
Which day was backed up is read from the folder, so a restart never makes a second one.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Config
from storage import backup, outbox, updates
from storage.db import Database

_LOGGER = logging.getLogger(__name__)

EVERY_SECONDS = 3600.0
JOB_NAME = "upkeep:hourly"
PRUNE_BATCH = 5000  # rows per write: the writer is never held for long
UPDATES_KEPT = timedelta(days=2)
_BACKUP = re.compile(r"^trainee-bot-(\d{8})\.sqlite3$")


@dataclass(frozen=True)
class Tidied:
    """What one round of upkeep did."""

    outbox_rows: int
    updates: int
    pages: int
    backup: Path | None


async def tidy(db: Database, config: Config, now: datetime) -> Tidied:
    """Prune what is no longer needed, give the space back, and back up once a day."""
    before = now - timedelta(days=config.outbox_keep_days)
    pruned = 0
    while batch := await db.write(lambda tx: outbox.prune(tx, before, at_most=PRUNE_BATCH)):
        pruned += batch
    forgotten = await db.write(lambda tx: updates.forget_older_than(tx, now, UPDATES_KEPT))
    pages = await db.reclaim()
    made = None
    if config.backup_dir is not None:
        today = now.astimezone(ZoneInfo(config.timezone)).date()
        made = await backup_day(db.path, config.backup_dir, config.backup_keep, today)
    return Tidied(pruned, forgotten, pages, made)


def backup_name(day: date) -> str:
    """The file name of a day's backup."""
    return f"trainee-bot-{day:%Y%m%d}.sqlite3"


async def backup_day(db_path: Path, folder: Path, keep: int, day: date) -> Path | None:
    """The day's backup, unless the folder has it already; then only the last ``keep``."""
    target = folder / backup_name(day)
    made = None
    if not await asyncio.to_thread(target.exists):
        await backup.copy(db_path, target)
        made = target
    await asyncio.to_thread(_keep_last, folder, keep)
    return made


def _keep_last(folder: Path, keep: int) -> None:
    days = sorted(p for p in folder.iterdir() if _BACKUP.match(p.name))
    for old in days[:-keep]:
        old.unlink(missing_ok=True)


async def hourly(context: Any) -> None:
    """The JobQueue's callback: one round of upkeep; a failure is logged, the bot goes on."""
    data = context.bot_data
    try:
        done = await tidy(data.db, data.config, data.clock.now())
    except Exception:
        _LOGGER.exception("upkeep failed; it runs again in an hour")
        return
    _LOGGER.info(
        "upkeep: %d outbox rows and %d updates pruned, %d pages freed%s",
        done.outbox_rows,
        done.updates,
        done.pages,
        f", backup {done.backup}" if done.backup else "",
    )
