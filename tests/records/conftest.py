"""The records tests run as if the bot had been up since before the test began (as the
at-risk tests do): the scheduler is planned once when the class is imported."""

from __future__ import annotations

import pytest

from bot.importer.model import ClassPlan
from tests.harness import BotHarness


@pytest.fixture
async def bot(bot: BotHarness, example_class: ClassPlan) -> BotHarness:
    """The shared bot, with the example class, its scheduler planned once at the start."""
    await bot.app.bot_data.scheduler.replan()
    return bot
