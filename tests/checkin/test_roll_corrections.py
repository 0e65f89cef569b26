"""Corrections by class managers: /roll of any past session, who and why, audit, notice."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.buttons import RollDay, RollDays, RollEdit, RollMark, RollShow
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules.attendance import Status
from storage.db import Database
from tests.checkin.support import (
    RECORD_TABLES,
    S01_END,
    S01_START,
    attendance_rows,
    big_class,
    manager,
    monitor,
    person_id_of,
    plain_trainees,
    table_rows,
    trainee,
)
from tests.harness import BotHarness, session_id, set_settings
from tests.leave.helpers import manager_of_another_class

DAY = timedelta(days=1)


def buttons_of(message: object) -> dict[str, str]:
    rows = getattr(message, "reply_markup", None) or {}
    return {b["text"]: b["callback_data"] for row in rows.get("inline_keyboard", []) for b in row}


async def test_a_past_session_corrected_with_before_after_who_and_why(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    s01 = await session_id(db)
    user = await trainee(bot, example_class)  # never checked in to S01: absent
    target = plain_trainees(example_class)[0]
    boss = await manager(bot, example_class)
    clock.set(S01_START + DAY)  # the next morning, 08:30: S03 is running

    [roll] = await boss.says("/roll")
    assert "推动高质量发展" in roll.text
    await boss.presses(roll.message_id, buttons_of(roll)["📅 其他日期"])
    days = boss.last()
    assert buttons_of(days) == {
        "12月8日": RollDay(1, "2026-12-08").pack(),
        "12月7日": RollDay(1, "2026-12-07").pack(),
    }
    await boss.presses(days.message_id, RollDay(1, "2026-12-07").pack())
    picked = boss.last()
    assert "12月7日（周一）的课程" in picked.text
    await boss.presses(picked.message_id, buttons_of(picked)["08:30 开班式暨入学教育"])
    past = boss.last()
    assert "「开班式暨入学教育」12月7日（周一）08:30–11:30（已结束）" in past.text
    assert target.name in past.text.split("缺勤")[1]

    [ask] = await boss.presses(past.message_id, RollEdit(s01).pack())
    assert "姓名或手机号" in ask.text
    await bot.restart()  # the form waits in the database
    [choose] = await boss.says(f"{target.name} 手机没电，随教师入场，已核实")
    assert target.name in choose.text and "开班式" in choose.text
    await boss.presses_button(choose, "出勤")
    assert "已将" in boss.last().text and "出勤" in boss.last().text

    [row] = await attendance_rows(db)
    assert row[:2] == (s01, await person_id_of(db, user))
    assert row[8:] == ("present", "手机没电，随教师入场，已核实")
    entry = await db.fetchone(
        "SELECT actor_id, actor, details FROM audit_log WHERE action = 'attendance.override'"
    )
    details = json.loads(entry[2])
    assert (details["before"], details["after"]) == ("absent", "present")
    assert details["reason"] == "手机没电，随教师入场，已核实"
    manager_id = await person_id_of(db, boss)
    assert entry[0] == manager_id and entry[1] == f"telegram:{boss.id}"
    await bot.deliver_outbox()
    told = user.last()
    assert "考勤已由 李红梅 更正：缺勤 → 出勤" in told.text and "已核实" in told.text

    # The roll of the past session shows it now.
    await boss.presses(past.message_id, RollShow(s01).pack())
    assert target.name not in boss.last().text.split("出勤")[-1].split("（更新于")[0]


async def test_roll_of_a_day_by_date(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    boss = await manager(bot, example_class)
    clock.set(S01_START + 2 * DAY)
    [listed] = await boss.says("/roll 12-07")
    assert "12月7日（周一）的课程" in listed.text
    assert set(buttons_of(listed)) >= {
        "08:30 开班式暨入学教育",
        "14:30 专题讲座：新时代党的建设总要求",
    }
    [listed] = await boss.says("/roll 2026年12月8日")
    assert "12月8日（周二）的课程" in listed.text
    [none] = await boss.says("/roll 12-12")
    assert "没有课程" in none.text
    [usage] = await boss.says("/roll 13-45")  # no day: read as a name without a reason
    assert "/roll 姓名或手机号 原因" in usage.text


async def test_corrections_that_change_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    s01, s02 = await session_id(db), await session_id(db, "S02")
    target = plain_trainees(example_class)[0]
    boss = await manager(bot, example_class)
    watcher = await monitor(bot, example_class)
    user = await trainee(bot, example_class)
    stranger = await manager_of_another_class(bot)
    clock.set(S01_END + timedelta(minutes=45))  # 12:15: S01 is over, S02 not begun
    pid = await person_id_of(db, user)
    before = await table_rows(db, *RECORD_TABLES, "forms")

    # A session still to come has nothing to correct.
    [seen] = await boss.says("/help")
    await boss.presses(seen.message_id, RollEdit(s02).pack())
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert "还没有开始签到" in answers[-1].params["text"]
    # Someone who may not correct, or not in this class, or forged data: a stale button.
    for person in (watcher, stranger, user):
        [seen] = await person.says("/help")
        await person.presses(seen.message_id, RollEdit(s01).pack())
        await person.presses(seen.message_id, RollMark(s01, pid, Status.PRESENT).pack())
    await stranger.presses(seen.message_id, RollDays(1).pack())
    await stranger.presses(seen.message_id, RollShow(s01).pack())
    await boss.presses(seen.message_id, RollDay(1, "2026-13-45").pack())
    await boss.presses(seen.message_id, "1|re|x")
    stale = bot.telegram.calls_of("answerCallbackQuery")[1:]
    assert len(stale) == 10
    assert all(a.params.get("text") == "这个按钮已失效，请重新发送命令。" for a in stale)
    assert await table_rows(db, *RECORD_TABLES, "forms") == before

    # Who and why typed wrong: nobody found, nobody named, no reason.
    [ask] = await boss.presses(seen.message_id, RollEdit(s01).pack())
    assert "开班式" in ask.text
    before = await table_rows(db, *RECORD_TABLES, "forms")
    [reply] = await boss.says("不存在的人 手机没电")
    assert "没有找到" in reply.text
    [reply] = await boss.says(target.name)
    assert "请写明原因" in reply.text
    [reply] = await boss.says(f"{target.name}   ")
    assert "请写明原因" in reply.text
    assert await table_rows(db, *RECORD_TABLES, "forms") == before
    # The same message twice: the second changes nothing.
    update = bot.telegram.send_text(boss.id, f"{target.name} 手机没电")
    [choose] = await bot.feed(boss, update)
    assert "原因：手机没电" in choose.text
    after_first = await table_rows(db, *RECORD_TABLES, "forms")
    [again] = await bot.redeliver(boss, update)
    assert "已经处理过了" in again.text
    assert await table_rows(db, *RECORD_TABLES, "forms") == after_first
    # The status button pressed twice (a double tap): written once.
    mark = bot.telegram.press(boss.id, choose.message_id, RollMark(s01, pid, Status.LATE).pack())
    await bot.feed(boss, mark)
    await bot.redeliver(boss, mark)
    assert [r[8] for r in await attendance_rows(db)] == ["late"]
    rows = await db.fetchall("SELECT 1 FROM audit_log WHERE action = 'attendance.override'")
    assert len(rows) == 1


async def test_a_long_name_with_spaces_in_a_class_of_900(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    sid = await big_class(
        db,
        trainees=900,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    clock.set(S01_END + timedelta(hours=2))
    [roll] = await boss.says("/roll")
    assert "Expected 900, here 0" in roll.text and "(over)" in roll.text
    [ask] = await boss.presses(roll.message_id, RollEdit(sid).pack())
    assert "name or phone" in ask.text
    [choose] = await boss.says("Trainee with a long name 0042 came in late, phone flat")
    assert "Trainee with a long name 0042" in choose.text
    assert "Reason: came in late, phone flat" in choose.text
    await boss.presses_button(choose, "Late")
    [row] = await attendance_rows(db)
    assert row[8:] == ("late", "came in late, phone flat")
    [roll] = await boss.says("/roll")
    assert "Expected 900, here 1" in roll.text
