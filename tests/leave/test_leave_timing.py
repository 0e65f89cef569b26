"""When leave's timed work comes: the class's settings, a running session, and replanning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from storage.db import Database
from tests.harness import BotHarness, set_settings
from tests.leave.helpers import approve, ask, card_of, cast, count, said, status_of

S01_START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)


async def test_a_request_for_a_session_already_running_expires_only_at_its_end(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    clock.set(S01_START + timedelta(minutes=10))  # S01 is under way
    request_id = await ask(bot, people.trainee, "S01")
    ran = await bot.run_due_jobs()
    assert f"leave:{request_id}:expire" not in ran
    assert await status_of(db, request_id) == "pending"
    clock.set(S01_END - timedelta(seconds=1))
    await bot.run_due_jobs()
    assert await status_of(db, request_id) == "pending"
    clock.set(S01_END)
    assert f"leave:{request_id}:expire" in await bot.run_due_jobs()
    assert await status_of(db, request_id) == "expired"
    await bot.deliver_outbox()
    assert count(people.trainee, "已过期") == 1


async def test_a_request_for_a_running_session_can_still_be_approved(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    clock.set(S01_START + timedelta(minutes=10))
    request_id = await ask(bot, people.trainee, "S01")
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    clock.set(S01_START + timedelta(minutes=40))
    await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    assert await status_of(db, request_id) == "approved"


async def test_the_nudge_comes_after_leave_remind_after_min(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, leave_remind_after_min=30)
    people = await cast(bot)
    start = clock.now()
    request_id = await ask(bot, people.trainee, "S03")
    clock.set(start + timedelta(minutes=29))
    assert f"leave:{request_id}:nudge:after" not in await bot.run_due_jobs()
    clock.set(start + timedelta(minutes=30))
    assert f"leave:{request_id}:nudge:after" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "还在等待审批") == 1


async def test_the_overdue_notice_comes_after_report_back_overdue_min(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, report_back_overdue_min=45)
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S01")
    clock.set(S01_END + timedelta(minutes=44))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "尚未销假") == 0
    clock.set(S01_END + timedelta(minutes=45))
    await bot.run_due_jobs()
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "尚未销假") == 1


async def test_leave_jobs_are_replanned_at_once_after_each_change(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    scheduler = bot.app.bot_data.scheduler

    def planned(request_id: int) -> set[str]:
        prefix = f"leave:{request_id}:"
        names = scheduler.scheduled
        return {name.removeprefix(prefix) for name in names if name.startswith(prefix)}

    first = await ask(bot, people.trainee, "S03")  # sent: nudges and expiry
    assert planned(first) == {"nudge:after", "nudge:before", "expire"}
    await bot.deliver_outbox()
    await people.manager.presses_button(card_of(people.manager, first), "✅ 批准")
    assert planned(first) == {"ended", "overdue"}  # decided: the report-back instead
    await bot.deliver_outbox()
    told = said(people.trainee, "您的请假申请已批准")
    await people.trainee.presses_button(told, "撤销请假")
    assert planned(first) == set()  # withdrawn

    second = await ask(bot, people.trainee, "S04")
    assert planned(second) == {"nudge:after", "nudge:before", "expire"}
    await people.trainee.presses_button(people.trainee.last(), "取消申请")
    assert planned(second) == set()  # cancelled

    third = await ask(bot, people.trainee, "S04")
    await bot.deliver_outbox()
    await people.manager.presses_button(card_of(people.manager, third), "❌ 不批准")
    assert planned(third) == {"nudge:after", "nudge:before", "expire"}  # only asked why
    await people.manager.says("本周课程重要")
    assert planned(third) == set()  # rejected
