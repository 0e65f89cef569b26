"""One bot process per database: the second refuses at once, naming the first."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Config
from bot.sandbox.demo import build_demo
from bot.sandbox.main import run_sandbox
from bot.sandbox.server import start_server
from bot.sandbox.state import Sandbox
from bot.testing import FakeTelegram
from storage.lock import AlreadyRunning, exclusive, lock_path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "100000:LOCK-test-token"
WAIT_AT_MOST = 60.0  # a safety net: a healthy run takes a second or two


def test_the_lock_is_exclusive_and_freed_when_released(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    with exclusive(db):
        assert lock_path(db).read_text() == str(os.getpid())
        with pytest.raises(AlreadyRunning) as refused, exclusive(db):
            pass
        assert refused.value.pid == os.getpid() and refused.value.path == db
    with exclusive(db):  # released: the next one takes it
        pass
    assert os.stat(lock_path(db)).st_mode & 0o077 == 0  # readable by its owner only


async def _bot(db: Path, url: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "TRAINEE_BOT_TOKEN": TOKEN, "TRAINEE_BOT_API_URL": url}
    env["TRAINEE_BOT_DB"] = str(db)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_second_bot_on_the_same_database_refuses_and_the_first_goes_on(
    tmp_path: Path,
) -> None:
    telegram = FakeTelegram(token=TOKEN, bot_username="trainee_lock_bot")
    sandbox = Sandbox(telegram, build_demo(datetime(2026, 12, 7, tzinfo=UTC)))
    runner = await start_server(sandbox, 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    db = tmp_path / "bot.sqlite3"
    first = await _bot(db, url)
    try:
        async with asyncio.timeout(WAIT_AT_MOST):
            await sandbox.first_poll.wait()  # the first bot is up and polling
            second = await _bot(db, url)
            _, err = await second.communicate()
        assert second.returncode == 2
        assert str(first.pid) in err.decode() and str(db) in err.decode()
        assert TOKEN not in err.decode()
        assert first.returncode is None  # the first one was not disturbed
        first.send_signal(signal.SIGTERM)
        async with asyncio.timeout(WAIT_AT_MOST):
            await first.wait()
        assert first.returncode == 0
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
        await runner.cleanup()


async def test_a_second_sandbox_refuses_before_it_wipes_the_first_ones_database(
    tmp_path: Path, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    db.write_bytes(b"the running sandbox's database")
    with exclusive(db):  # a sandbox running on it
        assert await run_sandbox(config, port=0, db_path=db) == 2
    assert db.read_bytes() == b"the running sandbox's database"
    assert "in use by another process" in capsys.readouterr().err
