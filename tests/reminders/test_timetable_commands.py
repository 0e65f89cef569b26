"""/today, /week, /next through the bot."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.times import to_db
from tests.reminders.support import bind, phone_of, session_id


async def test_today_lists_sessions_with_own_status(bot, db, clock, example_class):
    wang = await bind(bot, example_class, phone_of(example_class, "王芳"))
    s01, s02 = await session_id(db, "S01"), await session_id(db, "S02")
    pid = (await db.fetchone("SELECT id FROM people WHERE name = '王芳'"))[0]
    now = to_db(clock.now())

    async def marks(tx):
        await tx.execute(
            "INSERT INTO attendance (session_id, person_id, checkin_at, updated_at)"
            " VALUES (?, ?, ?, ?)",
            (s01, pid, now, now),
        )
        rid = await tx.insert(
            "INSERT INTO leave_requests (class_id, person_id, status, reason, hours,"
            " created_at, updated_at) VALUES (1, ?, 'approved', 'x', 3, ?, ?)",
            (pid, now, now),
        )
        await tx.execute("INSERT INTO leave_sessions VALUES (?, ?)", (rid, s02))

    await db.write(marks)
    [reply] = await wang.says("/today")
    lines = reply.text.splitlines()
    assert "2026-12-07" in lines[0]
    first = next(line for line in lines if "开班式暨入学教育" in line)
    second = next(line for line in lines if "新时代党的建设" in line)
    assert first.startswith("08:30–11:30") and "已签到" in first
    assert second.startswith("14:30–17:30") and "已请假" in second
    assert "第一报告厅" in reply.text and "陈志远" in reply.text
    assert "专题讲座：推动高质量发展的实践路径" not in reply.text  # tomorrow


async def test_week_next_and_english(bot, db, clock, example_class):
    li = await bind(bot, example_class, phone_of(example_class, "李强"), language_code="en")
    [week] = await li.says("/week")
    for day in ("2026-12-07", "2026-12-08", "2026-12-11"):
        assert day in week.text
    clock.set(datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # noon: S01 is over
    [nxt] = await li.says("/next")
    assert "新时代党的建设" in nxt.text and "Place" in nxt.text
    assert "开班式" not in nxt.text


async def test_no_sessions_and_not_bound(bot, db, clock, example_class):
    wang = await bind(bot, example_class, phone_of(example_class, "王芳"))
    clock.set(datetime(2027, 6, 1, tzinfo=UTC))  # the class is long over
    assert (await wang.says("/today"))[0].text == "今天没有课程。"
    assert (await wang.says("/week"))[0].text == "未来七天没有课程。"
    assert (await wang.says("/next"))[0].text == "没有即将开始的课程。"
    stranger = bot.person()
    [reply] = await stranger.says("/today")
    assert "/start" in reply.text
