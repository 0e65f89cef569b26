"""The graduation tests run at the end of the example class, as if the bot had been up
since before: its scheduler planned once when the class is imported, the clock after the
last session has closed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from tests.harness import BotHarness

# 2026-12-12 08:00 in Shanghai: the example class ended the day before, every session closed.
AFTER_CLASS = datetime(2026, 12, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def bot(bot: BotHarness, example_class: ClassPlan, clock: ManualClock) -> BotHarness:
    """The shared bot, with the example class (its assessment and scores), after its end."""
    await bot.app.bot_data.scheduler.replan()
    clock.set(AFTER_CLASS)
    await bot.app.bot_data.scheduler.replan()
    return bot
