"""The scheduler: jobs from the planners in the JobQueue, and re-import change notices."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from storage.imports import apply_plan
from tests.harness import bind, session_id
from tests.reminders.support import make_class, phone_of


async def test_replan_puts_each_job_once_with_its_grace(bot, db, clock, example_class):
    queue = bot.app.job_queue
    await queue.start()
    try:
        clock.set(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
        scheduler = bot.app.bot_data.scheduler
        await scheduler.replan()
        await scheduler.replan()  # twice: still one job per name
        s01, s05 = await session_id(db, "S01"), await session_id(db, "S05")
        jobs = {j.id: j for j in queue.scheduler.get_jobs()}
        ids = [j.id for j in queue.scheduler.get_jobs()]
        assert len(ids) == len(set(ids))
        remind = jobs[f"session:{s01}:remind"]
        assert remind.next_run_time == datetime(2026, 12, 7, 0, 15, tzinfo=UTC)
        assert remind.misfire_grace_time == 15 * 60
        digest = jobs["class:1:digest:2026-12-07"]
        assert digest.misfire_grace_time == int(4.5 * 3600)  # 07:30 until noon
        # Beyond the 48-hour horizon: planned at a later replan, not now.
        assert f"session:{s05}:remind" not in jobs
        assert scheduler.scheduled <= frozenset(jobs)  # other features add their own jobs
    finally:
        await queue.stop(wait=False)


async def test_start_up_runs_what_is_late_but_useful(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    clock.set(datetime(2026, 12, 7, 0, 20, tzinfo=UTC))  # 08:20: down at 07:30 and 08:15
    await bot.app.bot_data.scheduler.replan()
    await bot.deliver_outbox()
    texts = [m.text for m in wang.chat() if m.from_bot]
    assert any("今日课程" in t for t in texts) and any("上课提醒" in t for t in texts)
    await bot.app.bot_data.scheduler.replan()  # a second start-up sends nothing again
    assert await bot.deliver_outbox() == 0


async def test_reimport_tells_people_at_once_and_reminders_follow(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    wang_ins = await bind(bot, phone_of(example_class, "王建国"))  # teaches S02
    scheduler = bot.app.bot_data.scheduler
    assert await scheduler.check_changes() == 0
    s02, s04 = await session_id(db, "S02"), await session_id(db, "S04")
    moved = []
    for s in example_class.sessions:
        if s.external_id == "S02":  # 14:30 -> 15:30 local, another room
            s = dataclasses.replace(
                s,
                starts_at=s.starts_at + timedelta(hours=1),
                ends_at=s.ends_at + timedelta(hours=1),
                location="第二报告厅",
            )
        if s.external_id != "S04":  # S04 is dropped: cancelled
            moved.append(s)
    clock.advance(timedelta(minutes=5))
    await apply_plan(db, dataclasses.replace(example_class, sessions=tuple(moved)), clock.now())

    queued = await scheduler.check_changes()
    assert queued > 0
    assert await scheduler.check_changes() == 0  # seen: nothing twice
    await bot.deliver_outbox()
    changed = [m.text for m in wang.chat() if "课程变更" in (m.text or "")]
    assert len(changed) == 1 and "15:30" in changed[0] and "第二报告厅" in changed[0]
    cancelled = [m.text for m in wang.chat() if "课程取消" in (m.text or "")]
    assert len(cancelled) == 1 and "分组研讨" in cancelled[0]
    assert [m for m in wang_ins.chat() if "课程变更" in (m.text or "")]

    # The reminder follows the new time: nothing at 14:15 local, one at 15:15 local.
    clock.set(datetime(2026, 12, 7, 6, 15, tzinfo=UTC))
    assert f"session:{s02}:remind" not in await bot.run_due_jobs()
    clock.set(datetime(2026, 12, 7, 7, 15, tzinfo=UTC))
    assert f"session:{s02}:remind" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert "15:30" in wang.last().text
    from handlers.reminders.jobs import plan as plan_jobs

    names = [j.name for j in await plan_jobs(db, clock.now())]
    assert f"session:{s04 - 1}:remind" in names  # S03, the next morning, is planned
    assert not [n for n in names if n.startswith(f"session:{s04}:")]  # cancelled: none


async def test_a_restarted_bot_announces_an_import_made_while_down(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    plan = dataclasses.replace(
        example_class,
        sessions=tuple(
            dataclasses.replace(s, location="礼堂") if s.external_id == "S03" else s
            for s in example_class.sessions
        ),
    )
    await apply_plan(db, plan, clock.now())  # the bot's scheduler has not looked yet
    assert await bot.app.bot_data.scheduler.check_changes() > 0
    await bot.deliver_outbox()
    assert "礼堂" in wang.last().text


async def test_planning_10000_sessions_queues_only_the_horizon(bot, db, clock):
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    sessions = [
        (start + timedelta(hours=6 * n), start + timedelta(hours=6 * n + 2)) for n in range(10_000)
    ]
    clock.set(start - timedelta(hours=1))
    await make_class(
        db,
        name="Big",
        timezone="Asia/Shanghai",
        sessions=sessions,
        trainees=10,
        now=clock.now(),
        telegram=bot.telegram,
    )
    # How fast: benchmarks/bench_outbox.py measures start-up with a school this size.
    await bot.app.bot_data.scheduler.replan()
    # 48 h of 6-hourly sessions: 8 sessions x 2 reminders + 3 days of digests.
    mine = [
        n
        for n in bot.app.bot_data.scheduler.scheduled
        if n.endswith((":remind", ":remind-instructor")) or ":digest:" in n
    ]
    assert 16 <= len(mine) <= 24
