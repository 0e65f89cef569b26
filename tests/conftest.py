"""Shared fixtures: a real database file, a manual clock, the Bot API double, the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Config, Secret
from bot.importer import load_class_plan
from bot.importer.model import ClassPlan
from bot.testing import FakeTelegram
from storage.db import Database
from storage.imports import apply_plan
from tests.harness import BotHarness

TOKEN = "123456:TEST-token_for_tests_only"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "demo-class"


@pytest.fixture
def clock() -> ManualClock:
    """A clock at 08:00 in Shanghai on the example class's first day."""
    return ManualClock(datetime(2026, 12, 7, 0, 0, tzinfo=UTC))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The configuration a test bot runs with."""
    return Config(
        token=Secret(TOKEN),
        api_url="http://127.0.0.1:8081",
        db_path=tmp_path / "bot.sqlite3",
        timezone="Asia/Shanghai",
        locale="zh",
    )


@pytest.fixture
async def db(config: Config) -> AsyncIterator[Database]:
    """A fresh database in a real file."""
    database = await Database.open(config.db_path)
    yield database
    await database.close()


@pytest.fixture
def telegram() -> FakeTelegram:
    """The Bot API double."""
    return FakeTelegram(token=TOKEN, bot_username="trainee_test_bot")


@pytest.fixture
async def bot(
    config: Config, db: Database, clock: ManualClock, telegram: FakeTelegram
) -> AsyncIterator[BotHarness]:
    """The real Application, started against the double (not live: the test drives it)."""
    harness = await BotHarness.start(config, db, clock, telegram)
    yield harness
    await harness.stop()


@pytest.fixture
def example_plan() -> ClassPlan:
    """The bundled example class, validated."""
    return load_class_plan(EXAMPLE)


@pytest.fixture
async def example_class(db: Database, clock: ManualClock, example_plan: ClassPlan) -> ClassPlan:
    """The example class imported into the test database."""
    await apply_plan(db, example_plan, clock.now())
    return example_plan
