"""The at-risk tests run as if the bot had been up since before the test began.

Handlers replan the scheduler after each change, and a replan runs every job whose
moment has passed and that this scheduler has not run yet. A bot that has been running ran
those (the 07:30 digest, say) long ago; planning once when the class is imported makes the
test bot the same, so a press does not also deliver the morning's other work.
"""

from __future__ import annotations

import pytest

from bot.importer.model import ClassPlan
from tests.harness import BotHarness


@pytest.fixture
async def bot(bot: BotHarness, example_class: ClassPlan) -> BotHarness:
    """The shared bot, with the example class, its scheduler planned once at the start."""
    await bot.app.bot_data.scheduler.replan()
    return bot
