"""/roll (live, refresh, marking by hand), the close summary, and /me."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.buttons import RollMark, RollRefresh
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules.attendance import Status
from storage.db import Database
from tests.checkin.support import (
    S01_END,
    S01_START,
    approve_leave,
    attendance_rows,
    manager,
    monitor,
    person_id_of,
    plain_trainees,
    trainee,
)
from tests.harness import BotHarness, session_id, set_settings


async def test_roll_shows_counts_and_refresh_updates_in_place(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    clock.set(S01_START)
    boss = await manager(bot, example_class)
    first = await trainee(bot, example_class, 0)
    await first.says("/checkin")
    [roll] = await boss.says("/roll")
    total = len([p for p in example_class.people if "trainee" in p.roles])
    assert f"应到 {total} 人，已到 1 人" in roll.text
    assert plain_trainees(example_class)[1].name in roll.text  # not checked in yet
    second = await trainee(bot, example_class, 1)
    clock.advance(timedelta(minutes=20))
    await second.says("/checkin")
    await boss.presses_button(roll, "🔄 刷新")
    updated = boss.last()
    assert updated.message_id == roll.message_id and updated.edited
    assert "已到 2 人" in updated.text and "迟到 1" in updated.text
    await boss.presses_button(updated, "🔄 刷新")  # nothing changed: still answered
    assert len(bot.telegram.calls_of("answerCallbackQuery")) == 2


async def test_monitor_sees_but_cannot_mark_and_trainee_cannot_see(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    watcher = await monitor(bot, example_class)
    [roll] = await watcher.says("/roll")
    assert "点名" in roll.text
    name = plain_trainees(example_class)[0].name
    [reply] = await watcher.says(f"/roll {name} 手机没电")
    assert "只能查看" in reply.text
    user = await trainee(bot, example_class)
    [reply] = await user.says("/roll")
    assert "只有班主任、纪律委员和管理员" in reply.text
    assert await attendance_rows(db) == []


async def test_manager_marks_by_hand_with_a_reason_in_the_audit_log(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START + timedelta(minutes=40))
    boss = await manager(bot, example_class)
    target = plain_trainees(example_class)[0]
    [usage] = await boss.says(f"/roll {target.name}")
    assert "原因" in usage.text
    [nobody] = await boss.says("/roll 不存在的人 手机没电")
    assert "没有找到" in nobody.text
    [ask] = await boss.says(f"/roll {target.name} 手机没电，随教师入场")
    assert target.name in ask.text
    await boss.presses_button(ask, "出勤")
    assert "已将" in boss.last().text and "出勤" in boss.last().text
    [row] = await attendance_rows(db)
    assert row[8:] == ("present", "手机没电，随教师入场")
    audit = await db.fetchone(
        "SELECT action, details FROM audit_log WHERE action = 'attendance.override'"
    )
    assert json.loads(audit[1])["reason"] == "手机没电，随教师入场"
    # The same button again: the pending mark is gone, so it is stale and changes nothing.
    await boss.presses(ask.message_id, RollMark(row[0], row[1], Status.ABSENT).pack())
    assert (await attendance_rows(db))[0][8] == "present"


async def test_forged_mark_buttons_change_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    boss = await manager(bot, example_class)
    watcher = await monitor(bot, example_class)
    target = plain_trainees(example_class)[0]
    [ask] = await boss.says(f"/roll {target.name} 手机没电")
    sid = await session_id(db)
    pid = (await db.fetchone("SELECT id FROM people WHERE name = ?", (target.name,)))[0]
    await boss.presses(ask.message_id, RollMark(sid, pid, Status.ON_LEAVE).pack())
    await boss.presses(ask.message_id, "1|rm|x|y|z")
    [seen] = await watcher.says("/help")
    await watcher.presses(seen.message_id, RollMark(sid, pid, Status.PRESENT).pack())
    await watcher.presses(seen.message_id, RollRefresh(424242).pack())
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert len(answers) == 4 and all(a.params.get("show_alert") for a in answers)
    assert await attendance_rows(db) == []
    assert await db.fetchone("SELECT 1 FROM audit_log WHERE action = 'attendance.override'") is None


async def test_close_summary_goes_to_managers_once(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    boss = await manager(bot, example_class)
    on_time, late, early, gone, away = [await trainee(bot, example_class, i) for i in range(5)]
    names = [p.name for p in plain_trainees(example_class)]
    sid = await session_id(db)
    await approve_leave(db, await person_id_of(db, away), sid)
    clock.set(S01_START)
    await on_time.says("/checkin")
    await early.says("/checkin")
    await gone.says("/checkin")
    clock.set(S01_START + timedelta(minutes=12))
    await late.says("/checkin")
    clock.set(S01_START + timedelta(hours=1))
    [ask] = await early.says("/checkout")
    await early.presses_button(ask, "确定早退签退")
    clock.set(S01_END)
    for user in (on_time, late):
        await user.says("/checkout")
    clock.set(S01_END + timedelta(minutes=30) - timedelta(seconds=1))
    assert f"session:{sid}:checkin-close" not in await bot.run_due_jobs()
    clock.set(S01_END + timedelta(minutes=30))
    assert f"session:{sid}:checkin-close" in await bot.run_due_jobs()
    await bot.run_due_jobs()  # again: nothing new
    await bot.deliver_outbox()
    summaries = [m for m in boss.chat() if "考勤汇总" in (m.text or "")]
    assert len(summaries) == 1
    text = summaries[0].text
    total = len([p for p in example_class.people if "trainee" in p.roles])
    assert f"出勤 4 / {total} 人" in text
    assert f"迟到（1）：{names[1]} (12)" in text
    assert f"早退（1）：{names[2]}" in text
    assert f"未签退（1）：{names[3]}" in text
    assert f"请假（1）：{names[4]}" in text
    assert names[5] in text.split("缺勤")[1]  # never checked in: absent
    assert names[4] not in text.split("缺勤")[1].split("请假")[0]


async def test_me_counts_and_rate(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    [reply] = await user.says("/me")
    assert "已上课 0 学时" in reply.text and "出勤率：—" in reply.text
    clock.set(S01_START + timedelta(minutes=8))
    await user.says("/checkin")
    clock.set(S01_END)
    await user.says("/checkout")
    clock.set(S01_END + timedelta(hours=8))  # the afternoon session is over, missed
    [reply] = await user.says("/me")
    assert "已上课 6 学时（全班总学时 29.5），出勤 3 学时，出勤率：50%" in reply.text
    assert "迟到 1 次（共 8 分钟）" in reply.text and "缺勤 3 学时" in reply.text
    boss = await manager(bot, example_class)
    [reply] = await boss.says("/me")
    assert "不是任何培训班的学员" in reply.text
