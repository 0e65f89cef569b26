"""SIGKILL in the middle of a broadcast, then a restart: no one misses the message.

The bot runs as a real process (benchmarks/outbox_process.py) against the sandbox's
Bot API server, which runs here around a FakeTelegram so we can count what every user got.
The server kills the process from inside its 300th sendMessage, before answering it, so
the kill lands while up to ``concurrency`` (32) sends are in flight and their results not
yet committed. Those rows are still 'pending' after the restart and are sent again: the
duplicates are exactly the calls Telegram accepted whose result never reached the
database, so at most 32 (in flight) of 1,000.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.testing import FakeTelegram
from storage.db import Database
from tests.conftest import TOKEN
from tests.reminders.support import add_people, broadcast, serve_fake

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 1000
KILL_AT = 300
IN_FLIGHT = 32  # Outbox(concurrency=32)
# Safety net only, so a broken build fails instead of hanging; a healthy run takes ~1 s.
AT_MOST_SECONDS = 120


async def finished(process: asyncio.subprocess.Process) -> int:
    """The process's exit code; kill it if it outlives the safety net."""
    try:
        return await asyncio.wait_for(process.wait(), AT_MOST_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the bot process never finished") from None


async def run_bot(db_path: Path, url: str, log: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.outbox_process",
        str(db_path),
        url,
        "--no-pace",
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


async def test_sigkill_mid_broadcast_then_restart(tmp_path: Path):
    now = datetime(2026, 1, 1, tzinfo=UTC)  # in the past for the real clock of the process
    telegram = FakeTelegram(token=TOKEN)
    db_path = tmp_path / "bot.sqlite3"
    db = await Database.open(db_path)
    people = await add_people(db, telegram, PEOPLE, now)
    await broadcast(db, people, now, text="broadcast")
    await db.close()

    process: asyncio.subprocess.Process | None = None
    sends = 0
    original = telegram.call

    def call(method, params=None, files=None):  # type: ignore[no-untyped-def]
        nonlocal sends
        if method == "sendMessage":
            sends += 1
            if sends == KILL_AT and process is not None:
                os.kill(process.pid, signal.SIGKILL)  # Telegram took it; the bot never hears
        return original(method, params, files)

    telegram.call = call  # type: ignore[method-assign]
    runner, url = await serve_fake(telegram)
    log = tmp_path / "bot.log"
    try:
        process = await run_bot(db_path, url, log)
        assert await finished(process) == -signal.SIGKILL
        first_run = sends
        assert KILL_AT <= first_run < PEOPLE
        process = None
        restarted = await run_bot(db_path, url, log)
        assert await finished(restarted) == 0, log.read_text()
    finally:
        await runner.cleanup()

    got = Counter({uid: sum(1 for m in telegram.chat(uid) if m.from_bot) for _, uid in people})
    assert min(got.values()) == 1, "someone missed the broadcast"
    doubled = sum(n - 1 for n in got.values())
    assert doubled <= IN_FLIGHT, doubled
    db = await Database.open(db_path)
    try:
        pending = await db.fetchone("SELECT count(*) FROM outbox WHERE status != 'sent'")
        assert pending[0] == 0
    finally:
        await db.close()
    print(f"kill-and-restart: {doubled} of {PEOPLE} sent twice ({first_run} calls before kill)")
