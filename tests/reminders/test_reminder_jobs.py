"""Digest, session reminder and instructor reminder, planned and run through the bot."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.buttons import CheckIn
from storage.imports import apply_plan
from storage.times import to_db
from tests.harness import bind, session_id
from tests.reminders.support import make_class, phone_of, started, texts

# The example class: S01 08:30-11:30 and S02 14:30-17:30 on 2026-12-07, Shanghai time.
S01_START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)


async def rows(db, prefix: str) -> list[tuple]:
    found = await db.fetchall(
        "SELECT idempotency_key, person_id, created_at FROM outbox"
        " WHERE idempotency_key LIKE ? ORDER BY id",
        (prefix + "%",),
    )
    return [tuple(r) for r in found]


async def test_digest_and_reminders_reach_the_right_people_once(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    li = await bind(bot, phone_of(example_class, "李强"), language_code="en")
    chen = await bind(bot, phone_of(example_class, "陈志远"))  # teaches S01
    s01 = await session_id(db, "S01")

    # 08:00 local: the 07:30 digest is late but useful until noon; the instructor's
    # reminder (07:30) too; the trainees' reminder (08:15) is not due.
    ran = await bot.run_due_jobs()
    assert f"session:{s01}:remind" not in ran
    assert f"session:{s01}:remind-instructor" in ran
    await bot.deliver_outbox()
    digest = wang.last()
    assert "开班式暨入学教育" in digest.text and "专题讲座：新时代党的建设总要求" in digest.text
    assert "Today's sessions" in li.last().text
    assert "授课提醒" in chen.last().text
    assert not [m for m in chen.chat() if "今日课程" in (m.text or "")]  # not a trainee

    clock.set(S01_START - timedelta(minutes=15))
    assert f"session:{s01}:remind" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    reminder = wang.last()
    assert "上课提醒" in reminder.text and "08:30" in reminder.text
    button = reminder.reply_markup["inline_keyboard"][0][0]
    assert button["callback_data"] == CheckIn(s01).pack()
    assert "Reminder" in li.last().text

    # Running every job again queues nothing new.
    before = len(await rows(db, ""))
    await bot.run_due_jobs()
    assert len(await rows(db, "")) == before
    assert len(await rows(db, f"remind:session:{s01}:")) == 2
    assert len(await rows(db, "digest:")) == 2


async def test_managers_summary_names_who_cannot_be_reached(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    liu = await bind(bot, phone_of(example_class, "刘洋"))
    bot.telegram.block(liu.id)
    await bot.run_due_jobs()
    await bot.deliver_outbox()  # 刘洋's digest: 403, marked unreachable
    summary = next(m for m in manager.chat() if "班级日报" in (m.text or ""))
    assert "今日 2 节课" in summary.text and "无法送达" not in summary.text
    clock.advance(timedelta(days=1))  # the next morning's summary says who
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    summary = [m for m in manager.chat() if "班级日报" in (m.text or "")][-1]
    assert "无法送达通知" in summary.text and "刘洋" in summary.text


async def test_no_reminder_for_a_trainee_on_approved_leave(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    await bind(bot, phone_of(example_class, "李强"))
    s01 = await session_id(db, "S01")
    pid = (await db.fetchone("SELECT id FROM people WHERE name = '王芳'"))[0]
    class_id = (await db.fetchone("SELECT id FROM classes"))[0]
    now = to_db(clock.now())

    async def leave(tx):
        rid = await tx.insert(
            "INSERT INTO leave_requests (class_id, person_id, status, reason, hours,"
            " created_at, updated_at) VALUES (?, ?, 'approved', 'ill', 3, ?, ?)",
            (class_id, pid, now, now),
        )
        await tx.execute("INSERT INTO leave_sessions VALUES (?, ?)", (rid, s01))

    await db.write(leave)
    clock.set(S01_START - timedelta(minutes=10))
    await bot.run_due_jobs()
    keys = [r[0] for r in await rows(db, f"remind:session:{s01}:")]
    assert len(keys) == 1 and not keys[0].endswith(f":person:{pid}")
    await bot.deliver_outbox()
    assert not [m for m in wang.chat() if "上课提醒" in (m.text or "")]
    assert "（已请假）" in next(m for m in wang.chat() if "今日课程" in (m.text or "")).text


async def test_a_reminder_whose_session_started_is_dropped(bot, db, clock, example_class):
    await bind(bot, phone_of(example_class, "王芳"))
    s01 = await session_id(db, "S01")
    clock.set(S01_START + timedelta(minutes=1))  # the bot was down at 08:15
    ran = await bot.run_due_jobs()
    assert f"session:{s01}:remind" not in ran
    assert len(await rows(db, "digest:")) == 1  # 08:31 is before noon: still useful
    assert await rows(db, "remind:") == []


async def test_a_digest_after_noon_is_dropped(bot, db, clock, example_class):
    await bind(bot, phone_of(example_class, "王芳"))
    clock.set(datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # noon local
    assert not [n for n in await bot.run_due_jobs() if "digest" in n]
    assert await rows(db, "digest:") == []


async def test_berlin_reminders_across_both_dst_changes(bot, db, clock):
    berlin = ZoneInfo("Europe/Berlin")
    days = [
        (2027, 3, 27),
        (2027, 3, 28),
        (2027, 3, 29),
        (2027, 10, 30),
        (2027, 10, 31),
        (2027, 11, 1),
    ]
    sessions = [
        (
            datetime(*d, 9, 0, tzinfo=berlin).astimezone(UTC),
            datetime(*d, 10, 30, tzinfo=berlin).astimezone(UTC),
        )
        for d in days
    ]
    clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    _, ids, people = await make_class(
        db,
        name="Berlin",
        timezone="Europe/Berlin",
        sessions=sessions,
        trainees=3,
        now=clock.now(),
        telegram=bot.telegram,
    )
    for (year, month, day), sid in zip(days, ids, strict=True):
        digest = datetime(year, month, day, 7, 30, tzinfo=berlin).astimezone(UTC)
        day_key = f":{year}-{month:02d}-{day:02d}:"
        clock.set(digest - timedelta(minutes=1))
        await bot.run_due_jobs()
        assert not [r for r in await rows(db, "digest:class:") if day_key in r[0]]
        clock.set(digest)
        await bot.run_due_jobs()
        due = datetime(year, month, day, 8, 45, tzinfo=berlin).astimezone(UTC)
        clock.set(due - timedelta(minutes=1))
        await bot.run_due_jobs()
        assert await rows(db, f"remind:session:{sid}:") == []
        for step in (0, 1, 7, 14):
            clock.set(due + timedelta(minutes=step))
            await bot.run_due_jobs()
        found = await rows(db, f"remind:session:{sid}:")
        assert len(found) == 3, (day, found)
        assert {r[2] for r in found} == {to_db(due)}
        digests = [r for r in await rows(db, "digest:class:") if day_key in r[0]]
        assert len(digests) == 3 and {r[2] for r in digests} == {to_db(digest)}
    # Summer time is UTC+2, winter UTC+1: the reminder moved by an hour in UTC, not locally.
    assert sessions[0][0].hour == 8 and sessions[1][0].hour == 7
    assert sessions[3][0].hour == 7 and sessions[4][0].hour == 8
    await bot.deliver_outbox()
    uid = people[0][1]
    texts = [m.text for m in bot.telegram.chat(uid) if "上课提醒" in (m.text or "")]
    assert len(texts) == 6 and all("09:00" in t for t in texts)


async def test_a_class_with_its_own_times(bot, db, clock, example_plan):
    """digest_time 06:45, remind_before_min 30, instructor_remind_before_min 90."""
    settings = dataclasses.replace(
        example_plan.settings,
        digest_time=time(6, 45),
        remind_before_min=30,
        instructor_remind_before_min=90,
    )
    plan = dataclasses.replace(example_plan, settings=settings)
    clock.set(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    await apply_plan(db, plan, clock.now())
    wang = await bind(bot, phone_of(plan, "王芳"))
    chen = await bind(bot, phone_of(plan, "陈志远"))  # teaches S01, 08:30 local
    s01 = await session_id(db, "S01")
    digest, teacher, trainees = (
        "class:1:digest:2026-12-07",
        f"session:{s01}:remind-instructor",
        f"session:{s01}:remind",
    )
    moments = {
        digest: datetime(2026, 12, 6, 22, 45, tzinfo=UTC),  # 06:45 local
        teacher: datetime(2026, 12, 6, 23, 0, tzinfo=UTC),  # 07:00 local: 90 min before
        trainees: datetime(2026, 12, 7, 0, 0, tzinfo=UTC),  # 08:00 local: 30 min before
    }
    async with started(bot.app) as queue:  # the JobQueue has them at those times
        for name, at in moments.items():
            assert queue.scheduler.get_job(name).next_run_time == at, name

    for name, at in moments.items():  # and the harness clock runs them then, not before
        clock.set(at - timedelta(minutes=1))
        assert name not in await bot.run_due_jobs()
        clock.set(at)
        assert name in await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert len(texts(wang, "今日课程")) == 1
    [reminder] = texts(wang, "上课提醒")
    assert "30 分钟后开始" in reminder
    [lecture] = texts(chen, "授课提醒")
    assert "90 分钟后开始" in lecture
    rows = await db.fetchall("SELECT idempotency_key, created_at FROM outbox ORDER BY id")
    created = {key.split(":person:")[0]: at for key, at in rows}
    assert created[f"remind:session:{s01}:20261207T0030"] == to_db(moments[trainees])


async def test_a_late_reminder_says_the_time_actually_left(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    chen = await bind(bot, phone_of(example_class, "陈志远"))  # teaches S01
    # The bot was down at 08:15; it comes back at 08:27: three minutes are left, not fifteen.
    clock.set(S01_START - timedelta(minutes=3))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert "3 分钟后开始" in wang.last().text and "15 分钟" not in wang.last().text
    assert "3 分钟后开始" in chen.last().text
    li = await bind(bot, phone_of(example_class, "李强"), language_code="en")
    clock.set(S01_START + timedelta(hours=6, seconds=-30))  # back half a minute before S02
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    [zh] = [m.text for m in wang.chat() if m.from_bot and "上课提醒" in (m.text or "")][-1:]
    [en] = [m.text for m in li.chat() if m.from_bot and "Reminder" in (m.text or "")]
    assert "马上开始" in zh and "starting now" in en
