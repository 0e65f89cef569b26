"""Scheduler.start over the real Application's JobQueue (PTB's, on APScheduler): the jobs it
registers, a job fired by APScheduler itself, the watch tick and the replan after a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler import REPLAN_EVERY, WATCH_EVERY
from storage.imports import apply_plan
from tests.harness import bind, session_id
from tests.reminders.support import edited, fire, phone_of, started, texts

# The day before the example class: every job of its first two days lies ahead.
EVE = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
S01_START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # 08:30 Shanghai


async def test_start_registers_each_job_once_at_its_time_with_its_grace(
    bot, db, clock, example_class
):
    clock.set(EVE)
    s01, s02 = await session_id(db, "S01"), await session_id(db, "S02")
    s05 = await session_id(db, "S05")
    async with started(bot.app) as queue:
        scheduler = bot.app.bot_data.scheduler
        await scheduler.start()  # a second start changes nothing
        aps = {j.id: j for j in queue.scheduler.get_jobs()}
        names = [j.name for j in queue.jobs()]
        assert len(names) == len(set(names)) == len(aps)  # one job per name
        ours = {*scheduler.scheduled, "scheduler:watch", "scheduler:replan"}
        assert ours <= set(aps)  # the scheduler's names are APScheduler's ids

        for name, every in (("scheduler:watch", WATCH_EVERY), ("scheduler:replan", REPLAN_EVERY)):
            trigger = aps[name].trigger
            assert isinstance(trigger, IntervalTrigger)
            assert trigger.interval == timedelta(seconds=every)

        expected = {
            f"session:{s01}:remind": (S01_START - timedelta(minutes=15), 15 * 60),
            f"session:{s01}:remind-instructor": (S01_START - timedelta(minutes=60), 60 * 60),
            f"session:{s02}:remind": (datetime(2026, 12, 7, 6, 15, tzinfo=UTC), 15 * 60),
            # 07:30 local, useful until noon: 4.5 hours of grace.
            "class:1:digest:2026-12-07": (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), 16_200),
            "class:1:digest:2026-12-08": (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), 16_200),
        }
        for name, (at, grace) in expected.items():
            assert aps[name].next_run_time == at, name
            assert aps[name].misfire_grace_time == grace, name
            assert name in scheduler.scheduled
        assert f"session:{s05}:remind" not in aps  # beyond the 48-hour horizon

        # The replan job, run as the JobQueue runs it, a day later: S05 comes into view.
        clock.advance(timedelta(days=1))
        [replan] = queue.get_jobs_by_name("scheduler:replan")
        await replan.run(bot.app)
        aps = {j.id: j for j in queue.scheduler.get_jobs()}
        assert aps[f"session:{s05}:remind"].next_run_time == datetime(
            2026, 12, 9, 0, 15, tzinfo=UTC
        )
        assert f"session:{s01}:remind-instructor" not in aps  # no longer useful: dropped


async def test_apscheduler_fires_a_reminder_and_the_outbox_gets_its_rows(
    bot, db, clock, example_class
):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    li = await bind(bot, phone_of(example_class, "李强"), language_code="en")
    clock.set(EVE)
    s01 = await session_id(db, "S01")
    name = f"session:{s01}:remind"
    async with started(bot.app) as queue:
        scheduler = bot.app.bot_data.scheduler
        assert name in scheduler.scheduled
        clock.set(S01_START - timedelta(minutes=15))  # the bot's time of the reminder
        event = await fire(queue, name)
        assert event.code == EVENT_JOB_EXECUTED
        assert name not in scheduler.scheduled
        assert queue.scheduler.get_job(name) is None  # ran once: gone from the queue
    rows = await db.fetchall(
        "SELECT person_id FROM outbox WHERE idempotency_key LIKE ?", (f"remind:session:{s01}:%",)
    )
    assert len(rows) == 2
    await bot.deliver_outbox()
    assert len(texts(wang, "上课提醒")) == 1 and len(texts(li, "Reminder")) == 1


async def test_the_watch_tick_announces_an_import_and_the_jobs_follow(
    bot, db, clock, example_class
):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    clock.set(EVE)
    s01, s04 = await session_id(db, "S01"), await session_id(db, "S04")
    s01_plan = next(s for s in example_class.sessions if s.external_id == "S01")
    async with started(bot.app) as queue:
        assert queue.scheduler.get_job(f"session:{s04}:remind") is not None
        # Another process (the command line) imports: S01 an hour later, S04 dropped.
        clock.advance(timedelta(minutes=1))
        plan = edited(
            example_class,
            drop=("S04",),
            S01={
                "starts_at": s01_plan.starts_at + timedelta(hours=1),
                "ends_at": s01_plan.ends_at + timedelta(hours=1),
            },
        )
        await apply_plan(db, plan, clock.now())
        [watch] = queue.get_jobs_by_name("scheduler:watch")
        await watch.run(bot.app)  # as the JobQueue runs it every WATCH_EVERY seconds

        aps = {j.id: j for j in queue.scheduler.get_jobs()}
        moved = S01_START + timedelta(hours=1)
        assert aps[f"session:{s01}:remind"].next_run_time == moved - timedelta(minutes=15)
        assert aps[f"session:{s01}:remind-instructor"].next_run_time == moved - timedelta(hours=1)
        assert not [n for n in aps if n.startswith(f"session:{s04}:")]
        assert not [n for n in bot.app.bot_data.scheduler.scheduled if f":{s04}:" in n]
        await watch.run(bot.app)  # seen: nothing twice
    await bot.deliver_outbox()
    assert len(texts(wang, "课程变更")) == 1 and "09:30" in texts(wang, "课程变更")[0]
    assert len(texts(wang, "课程取消")) == 1


async def test_a_replan_that_finds_the_same_moments_queues_nothing_again(
    bot, db, clock, example_class
):
    """APScheduler's add_job was most of a replan's time with thousands of jobs in the
    horizon: a job whose moments did not change stays queued as it was."""
    clock.set(EVE)
    s01 = await session_id(db, "S01")
    name = f"session:{s01}:remind"
    async with started(bot.app) as queue:
        scheduler = bot.app.bot_data.scheduler
        queued = queue.scheduler.get_job(name)
        others = {j.id: j for j in queue.scheduler.get_jobs()}
        await scheduler.replan()
        assert queue.scheduler.get_job(name) is queued  # not queued again
        assert {j.id: j for j in queue.scheduler.get_jobs()} == others
        assert name in scheduler.scheduled
        # Moved, it is queued again at its new moment.
        s01_plan = next(s for s in example_class.sessions if s.external_id == "S01")
        moved = s01_plan.starts_at + timedelta(hours=1)
        plan = edited(
            example_class,
            S01={"starts_at": moved, "ends_at": s01_plan.ends_at + timedelta(hours=1)},
        )
        await apply_plan(db, plan, clock.now())
        await scheduler.replan()
        again = queue.scheduler.get_job(name)
        assert again is not queued
        assert again.next_run_time == moved - timedelta(minutes=15)
