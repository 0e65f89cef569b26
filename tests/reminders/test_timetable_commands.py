"""/today, /week, /next through the bot."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.importer.model import SessionPlan
from storage.imports import apply_plan
from storage.times import to_db
from tests.harness import bind, session_id
from tests.reminders.support import phone_of


async def test_today_lists_sessions_with_own_status(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
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
    # The class named once at the top (one class), the day with its weekday.
    assert lines[0] == "2026年秋季处级干部进修班" and reply.text.count("处级干部进修班") == 1
    assert lines[2] == "12月7日（周一）"
    first = next(line for line in lines if "开班式暨入学教育" in line)
    second = next(line for line in lines if "新时代党的建设" in line)
    assert first.startswith("08:30–11:30") and "已签到" in first
    assert second.startswith("14:30–17:30") and "已请假" in second
    assert "第一报告厅" in reply.text and "陈志远" in reply.text
    assert "专题讲座：推动高质量发展的实践路径" not in reply.text  # tomorrow


async def test_week_next_and_english(bot, db, clock, example_class):
    li = await bind(bot, phone_of(example_class, "李强"), language_code="en")
    [week] = await li.says("/week")
    for day in ("Mon 7 Dec", "Tue 8 Dec", "Fri 11 Dec"):
        assert day in week.text
    clock.set(datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # noon: S01 is over
    [nxt] = await li.says("/next")
    assert "新时代党的建设" in nxt.text and "第一报告厅 · 王建国" in nxt.text
    assert "开班式" not in nxt.text


async def test_no_sessions_and_not_bound(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    clock.set(datetime(2027, 6, 1, tzinfo=UTC))  # the class is long over
    assert (await wang.says("/today"))[0].text == "今天没有课程。"
    assert (await wang.says("/week"))[0].text == "未来七天没有课程。"
    assert (await wang.says("/next"))[0].text == "没有即将开始的课程。"
    stranger = bot.person()
    [reply] = await stranger.says("/today")
    assert "/start" in reply.text


NEW_YORK = ZoneInfo("America/New_York")  # 13 hours behind Shanghai in December


async def evening_class(db, example_class, clock) -> None:
    """王芳 also follows an evening class in New York (sessions in its local time)."""

    def session(n: int, day: int, start: tuple[int, int], end: tuple[int, int]) -> SessionPlan:
        return SessionPlan(
            row=n + 2,
            external_id=f"N{n:02d}",
            title=f"Evening seminar {n}",
            instructor_phones=(),
            starts_at=datetime(2026, 12, day, *start, tzinfo=NEW_YORK).astimezone(UTC),
            ends_at=datetime(2026, 12, day, *end, tzinfo=NEW_YORK).astimezone(UTC),
            location="Room 5",
            hours=1,
        )

    plan = dataclasses.replace(
        example_class,
        name="New York evening class",
        timezone="America/New_York",
        start_date=date(2026, 12, 7),
        end_date=date(2026, 12, 8),
        people=tuple(p for p in example_class.people if p.name == "王芳"),
        sessions=(
            session(0, 7, (10, 0), (11, 0)),  # 12-07 local: 23:00 on 12-07 in Shanghai
            session(1, 7, (19, 0), (19, 45)),  # 12-07 local, running at the moment
            session(2, 7, (20, 0), (21, 0)),  # 12-07 local: 09:00 on 12-08 in Shanghai
            session(3, 8, (7, 0), (8, 0)),  # 12-08 local: tomorrow there, today in Shanghai
        ),
    )
    await apply_plan(db, plan, clock.now())


async def test_today_and_week_across_two_time_zones(bot, db, clock, example_class):
    await evening_class(db, example_class, clock)
    wang = await bind(bot, phone_of(example_class, "王芳"))
    # 08:15 on 12-08 in Shanghai, 19:15 on 12-07 in New York.
    clock.set(datetime(2026, 12, 8, 0, 15, tzinfo=UTC))
    [today] = await wang.says("/today")
    lines = today.text.splitlines()
    headings = [line for line in lines if line.startswith("12月")]
    # Each class's own today, each day once, in order; times are each class's local time.
    assert headings == ["12月7日（周一）", "12月8日（周二）"]
    first_day = lines[: lines.index("12月8日（周二）")]
    second_day = lines[lines.index("12月8日（周二）") :]
    assert [line[:11] for line in first_day if "Evening seminar" in line] == [
        "10:00–11:00",
        "19:00–19:45",
        "20:00–21:00",
    ]
    assert [line[:11] for line in second_day if "–" in line] == [
        "08:30–11:30",
        "14:30–17:30",
    ]
    assert "Evening seminar 3" not in today.text  # tomorrow in New York
    assert "America/New_York 当地时间" in today.text and "Asia/Shanghai 当地时间" in today.text

    [week] = await wang.says("/week")
    headings = [line for line in week.text.splitlines() if line.startswith("12月")]
    # No day twice, in order.
    assert headings == [
        f"12月{d}日（周{w}）" for d, w in zip(range(7, 12), "一二三四五", strict=True)
    ]
    day = week.text.split("12月8日（周二）")[1].split("12月9日（周三）")[0]
    # Within a day, in the order they happen: 08:30 and 14:30 Shanghai, then 07:00 New York.
    order = [day.index(t) for t in ("推动高质量发展", "分组研讨", "Evening seminar 3")]
    assert order == sorted(order)


async def test_one_zone_needs_no_zone_names(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    [today] = await wang.says("/today")
    assert "当地时间" not in today.text


async def test_a_session_running_past_midnight_is_in_today(bot, db, clock, example_class):
    wang = await bind(bot, phone_of(example_class, "王芳"))
    s01 = await db.fetchone("SELECT id FROM sessions WHERE external_id = 'S01'")

    async def overnight(tx):
        # 23:00 on 12-06 to 01:00 on 12-07, Shanghai time.
        await tx.execute(
            "UPDATE sessions SET starts_at = '2026-12-06T15:00:00+00:00',"
            " ends_at = '2026-12-06T17:00:00+00:00' WHERE id = ?",
            (s01[0],),
        )

    await db.write(overnight)
    clock.set(datetime(2026, 12, 6, 16, 30, tzinfo=UTC))  # 00:30 on 12-07 in Shanghai
    [today] = await wang.says("/today")
    assert "开班式暨入学教育" in today.text and "23:00–01:00" in today.text
