"""The sandbox's movable clock: moving it runs the jobs due in between, in order, each at its
own moment; it never moves back; production's clock cannot be moved at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock, MovableClock
from tests.harness import BotHarness, bind, session_id
from tests.reminders.support import phone_of

S01_START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)


async def test_moving_runs_the_jobs_in_between_in_order(
    config, db, telegram, example_class
) -> None:
    wall = ManualClock(datetime(2026, 12, 7, 0, 0, tzinfo=UTC))  # the real time, standing still
    clock = MovableClock(wall)
    bot = await BotHarness.start(config, db, clock, telegram)
    try:
        wang = await bind(bot, phone_of(example_class, "王芳"))
        s01 = await session_id(db, "S01")
        scheduler = bot.app.bot_data.scheduler
        ran = await scheduler.advance_to(S01_END + timedelta(minutes=1))
        remind, prompt = f"session:{s01}:remind", f"rating:session:{s01}:prompt"
        assert remind in ran and prompt in ran and ran.index(remind) < ran.index(prompt)
        assert clock.now() == S01_END + timedelta(minutes=1) and clock.offset > timedelta(0)
        await bot.deliver_outbox()
        # The reminder ran at its own moment, 15 minutes before the start, and says so.
        reminder = next(m for m in wang.chat() if m.text and "上课提醒" in m.text)
        assert "15 分钟后开始" in reminder.text
        # Backwards is refused and changes nothing.
        with pytest.raises(ValueError):
            await scheduler.advance_to(S01_START)
        assert clock.now() == S01_END + timedelta(minutes=1)
        # Moving again runs nothing twice.
        again = await scheduler.advance_to(S01_END + timedelta(minutes=2))
        assert remind not in again and prompt not in again
    finally:
        await bot.stop()


async def test_production_clock_cannot_be_moved(bot: BotHarness, example_class) -> None:
    with pytest.raises(TypeError):
        await bot.app.bot_data.scheduler.advance_to(S01_END)


def test_a_movable_clock_only_goes_forward() -> None:
    wall = ManualClock(datetime(2026, 12, 7, tzinfo=UTC))
    clock = MovableClock(wall)
    clock.move_to(datetime(2026, 12, 8, tzinfo=UTC))
    wall.advance(timedelta(minutes=5))  # real time keeps passing on top of the offset
    assert clock.now() == datetime(2026, 12, 8, 0, 5, tzinfo=UTC)
    # A timer on the real clock fires when this one shows the moment: a day earlier.
    assert clock.to_real(datetime(2026, 12, 8, 1, 0, tzinfo=UTC)) == datetime(
        2026, 12, 7, 1, 0, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        clock.move_to(datetime(2026, 12, 7, 12, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.move_to(datetime(2026, 12, 9))  # naive: its zone would be a guess
