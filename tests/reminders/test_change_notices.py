"""Change notices after a re-import: they say how the timetable stands at the check, and each
is queued once per cause, however often the check looks at the same imports."""

from __future__ import annotations

from datetime import timedelta

from handlers.reminders.jobs import plan as plan_jobs
from storage.imports import apply_plan
from tests.harness import bind, session_id
from tests.reminders.support import another_process, edited, phone_of, texts

CANCELLED, RESTORED, CHANGED = "课程取消", "课程恢复", "课程变更"


async def keys(db, prefix: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT idempotency_key FROM outbox WHERE idempotency_key LIKE ? ORDER BY id",
        (prefix + "%",),
    )
    return [r[0] for r in rows]


async def test_cancelled_and_put_back_before_the_check_is_not_reported(
    bot, db, clock, example_class
):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    scheduler = bot.app.bot_data.scheduler
    assert await scheduler.check_changes() == 0
    clock.advance(timedelta(minutes=5))
    await apply_plan(db, edited(example_class, drop=("S04",)), clock.now())  # cancelled
    clock.advance(timedelta(minutes=5))
    await apply_plan(db, example_class, clock.now())  # and put back, before the bot looked

    assert await scheduler.check_changes() == 0
    await bot.deliver_outbox()
    assert texts(wang, CANCELLED) == [] and texts(wang, RESTORED) == []
    s04 = await session_id(db, "S04")
    assert f"session:{s04}:remind" in [j.name for j in await plan_jobs(db, clock.now())]


async def test_told_it_was_cancelled_then_told_it_is_back(
    bot, db, clock, example_class, config, telegram
):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    li = await bind(bot, phone_of(example_class, "李强"), language_code="en")
    scheduler = bot.app.bot_data.scheduler
    assert await scheduler.check_changes() == 0
    clock.advance(timedelta(minutes=5))
    await apply_plan(db, edited(example_class, drop=("S04",)), clock.now())
    assert await scheduler.check_changes() > 0
    await bot.deliver_outbox()
    assert len(texts(wang, CANCELLED)) == 1

    # Put back an hour later (15:30 local) in another room: the notice shows where and when.
    s04_plan = next(s for s in example_class.sessions if s.external_id == "S04")
    later = {
        "starts_at": s04_plan.starts_at + timedelta(hours=1),
        "ends_at": s04_plan.ends_at + timedelta(hours=1),
        "location": "第三会议室",
    }
    clock.advance(timedelta(minutes=5))
    await apply_plan(db, edited(example_class, S04=later), clock.now())
    assert await scheduler.check_changes() > 0
    assert await scheduler.check_changes() == 0
    await bot.deliver_outbox()
    [back] = texts(wang, RESTORED)
    assert "分组研讨" in back and "15:30" in back and "第三会议室" in back
    [english] = texts(li, "back on the timetable")
    assert "15:30" in english
    assert len(texts(wang, CANCELLED)) == 1  # the cancellation is not repeated

    # A restart within the look-back reads both imports again: nothing new.
    s04 = await session_id(db, "S04")
    before = await keys(db, f"restored:session:{s04}:")
    async with another_process(config, db, clock, telegram):
        pass
    assert await keys(db, f"restored:session:{s04}:") == before
    assert len(await keys(db, f"cancelled:session:{s04}:")) == len(before) == 2
    await bot.deliver_outbox()
    assert len(texts(wang, RESTORED)) == 1 and len(texts(wang, CANCELLED)) == 1


async def test_cancelled_again_after_being_back_is_told_again(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    scheduler = bot.app.bot_data.scheduler
    await scheduler.check_changes()
    for plan in (edited(example_class, drop=("S04",)), example_class) * 2:
        clock.advance(timedelta(minutes=5))
        await apply_plan(db, plan, clock.now())
        await scheduler.check_changes()
    await bot.deliver_outbox()
    notices = [t for t in texts(wang, "") if CANCELLED in t or RESTORED in t]
    assert [CANCELLED in t for t in notices] == [True, False, True, False]


async def test_a_title_only_reimport_does_not_make_an_old_change_notice_new(
    bot, db, clock, example_class, config, telegram
):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    teacher = await bind(bot, phone_of(example_class, "王建国"))  # teaches S02
    scheduler = bot.app.bot_data.scheduler
    assert await scheduler.check_changes() == 0
    s02_plan = next(s for s in example_class.sessions if s.external_id == "S02")
    moved_to = {
        "starts_at": s02_plan.starts_at + timedelta(hours=1),
        "ends_at": s02_plan.ends_at + timedelta(hours=1),
    }
    clock.advance(timedelta(minutes=5))
    moved = edited(example_class, S02=moved_to)
    await apply_plan(db, moved, clock.now())  # the time changes: people are told
    assert await scheduler.check_changes() > 0
    clock.advance(timedelta(minutes=5))
    retitled = edited(moved, S02={**moved_to, "title": "专题讲座：党的建设（调整）"})
    await apply_plan(db, retitled, clock.now())  # only the title: nobody is told
    assert await scheduler.check_changes() == 0

    s02 = await session_id(db, "S02")
    queued = await keys(db, f"changed:session:{s02}:")
    assert len(queued) == 2  # 王芳 and her instructor
    # A restart within the look-back runs the check over both imports again.
    async with another_process(config, db, clock, telegram) as app:
        assert app.bot_data.scheduler is not scheduler
    assert await keys(db, f"changed:session:{s02}:") == queued
    await bot.deliver_outbox()
    assert len(texts(wang, CHANGED)) == 1 and "15:30" in texts(wang, CHANGED)[0]
    assert len(texts(teacher, CHANGED)) == 1


async def test_two_moves_seen_at_once_make_one_notice_of_the_last(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    scheduler = bot.app.bot_data.scheduler
    await scheduler.check_changes()
    for room in ("第二报告厅", "第三报告厅"):
        clock.advance(timedelta(minutes=5))
        await apply_plan(db, edited(example_class, S03={"location": room}), clock.now())
    await scheduler.check_changes()
    await bot.deliver_outbox()
    [notice] = texts(wang, CHANGED)
    assert "第三报告厅" in notice
