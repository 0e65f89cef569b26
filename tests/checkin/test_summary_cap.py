"""A class of 900: the close summary and /roll list a capped number of names per status."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from handlers.checkin.views import MAX_NAMES
from storage.db import Database
from tests.checkin.support import S01_END, S01_START, big_class
from tests.harness import BotHarness

TRAINEES = 900


async def test_summary_of_900_absent_trainees_fits_one_message(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    sid = await big_class(
        db,
        trainees=TRAINEES,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    await boss.says("/help")  # opens the chat with the bot
    clock.set(S01_END + timedelta(minutes=30))
    assert f"session:{sid}:checkin-close" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    [summary] = [m for m in boss.chat() if "attendance summary" in (m.text or "")]
    assert "Present 0 of 900" in summary.text
    assert "Absent (900): Trainee with a long name 0000, " in summary.text
    assert f"Trainee with a long name {MAX_NAMES - 1:04d} and {TRAINEES - MAX_NAMES} more" in (
        summary.text
    )
    assert f"Trainee with a long name {MAX_NAMES:04d}" not in summary.text
    refused = [c for c in bot.telegram.calls_of("sendMessage") if not c.ok]
    assert refused == []


async def test_roll_of_900_is_capped_the_same_way(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    await big_class(
        db,
        trainees=TRAINEES,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    clock.set(S01_START + timedelta(minutes=10))
    [roll] = await boss.says("/roll")
    assert "Expected 900, here 0" in roll.text
    assert "Not checked in 900: " in roll.text and f"and {TRAINEES - MAX_NAMES} more" in roll.text
