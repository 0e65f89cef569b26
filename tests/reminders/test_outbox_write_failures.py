"""The outbox never sends a row twice because the database would not take its result.

Two ways a bad day refuses writes: another process holds SQLite's write lock (a backup tool,
an import, an operator's sqlite3 shell), and the disk is full. Telegram accepts the send;
the write of its result fails. The row must not go out again: not in the same flush, not in
the next, not after the write finally succeeds.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.testing import FakeTelegram
from storage.db import Database
from tests.harness import BotHarness
from tests.reminders.support import add_people, broadcast, status_counts

PEOPLE = 40


@pytest.fixture
async def db(config: Config) -> AsyncIterator[Database]:
    """The bot's database, giving up on another process's lock after 50 ms (not 5 s)."""
    database = await Database.open(config.db_path, busy_timeout_ms=50)
    yield database
    await database.close()


def copies(telegram: FakeTelegram, user_ids: list[int]) -> Counter[int]:
    """How many bot messages each user has."""
    return Counter({uid: sum(1 for m in telegram.chat(uid) if m.from_bot) for uid in user_ids})


async def test_another_process_holding_the_lock_doubles_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, config: Config
) -> None:
    people = await add_people(db, bot.telegram, PEOPLE, clock.now())
    await broadcast(db, people, clock.now())
    users = [uid for _, uid in people]
    other = sqlite3.connect(config.db_path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a backup tool, say, holding the write lock
    try:
        sent = await bot.deliver_outbox()
        sender = bot.app.bot_data.outbox
        assert sent >= 1 and sender.unrecorded == sent  # Telegram took them; the db did not
        assert await bot.deliver_outbox() == 0  # still locked: nothing new, nothing again
        assert await bot.deliver_outbox() == 0
        assert sum(copies(bot.telegram, users).values()) == sent
        assert await status_counts(db) == {"pending": PEOPLE}  # what the database knows
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The lock is gone: the results are written first, then the rest is sent.
    await bot.deliver_outbox()
    assert bot.app.bot_data.outbox.unrecorded == 0
    assert copies(bot.telegram, users) == Counter(dict.fromkeys(users, 1))
    assert await status_counts(db) == {"sent": PEOPLE}


class FullDisk:
    """The storage door refusing every write as SQLite does when the disk is full."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = False
        self.refused = 0
        write: Callable[..., Any] = db.write

        async def refusing(op: Any) -> Any:
            if self.full:
                self.refused += 1
                raise sqlite3.OperationalError("database or disk is full")
            return await write(op)

        monkeypatch.setattr(db, "write", refusing)


async def test_a_full_disk_doubles_nothing_and_loses_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await add_people(db, bot.telegram, PEOPLE, clock.now())
    await broadcast(db, people, clock.now())
    users = [uid for _, uid in people]
    disk = FullDisk(db, monkeypatch)
    disk.full = True
    first = await bot.deliver_outbox()
    for _ in range(5):  # the sender keeps trying while the disk stays full
        assert await bot.deliver_outbox() == 0
    assert disk.refused >= 6 and sum(copies(bot.telegram, users).values()) == first
    disk.full = False  # space freed
    await bot.deliver_outbox()
    assert copies(bot.telegram, users) == Counter(dict.fromkeys(users, 1))
    assert await status_counts(db) == {"sent": PEOPLE}


async def test_stopping_waits_for_the_sends_in_flight_and_writes_them(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await add_people(db, bot.telegram, PEOPLE, clock.now())
    await broadcast(db, people, clock.now())
    sender = bot.app.bot_data.outbox
    some_sent = asyncio.Event()
    original = bot.telegram.call

    def call(method: str, params: Any = None, files: Any = None) -> Any:
        if method == "sendMessage" and len(bot.telegram.calls_of("sendMessage")) >= 5:
            some_sent.set()
        return original(method, params, files)

    bot.telegram.call = call  # type: ignore[method-assign]
    sender.start()
    await some_sent.wait()
    await sender.stop()  # whatever it had started has ended, and is written down
    sent = sum(copies(bot.telegram, [uid for _, uid in people]).values())
    counts = await status_counts(db)
    assert sent >= 5 and counts.get("sent", 0) == sent and sender.unrecorded == 0
    assert counts.get("sent", 0) + counts.get("pending", 0) == PEOPLE
