"""Two classes at check-out, redelivered check-outs, /roll between sessions, old reminders."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.buttons import CheckIn, CheckOut
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.testing import Fault
from storage.db import Database
from storage.imports import apply_plan
from tests.checkin.support import (
    S01_END,
    S01_START,
    attendance_rows,
    manager,
    plain_trainees,
    session_ids,
    trainee,
)
from tests.harness import BotHarness, bind, session_id, set_settings


async def test_checkout_asks_which_class_when_two_are_in_session(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    other = dataclasses.replace(example_class, name=example_class.name + "（二）")
    await apply_plan(db, other, clock.now())
    await set_settings(db, checkin_mode="none")
    user = await bind(bot, plain_trainees(example_class)[0].phone)
    sids = await session_ids(db)
    clock.set(S01_START)
    for sid in sids:  # checked in to both, through the which-session buttons
        [ask] = await user.says("/checkin")
        await user.presses(ask.message_id, CheckIn(sid).pack())
    assert [r[0] for r in await attendance_rows(db) if r[2]] == sids

    clock.set(S01_END)
    [ask] = await user.says("/checkout")
    assert "请选择" in ask.text
    buttons = [b for row in ask.reply_markup["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons] == [CheckOut(s).pack() for s in sids]
    assert other.name in buttons[1]["text"]
    [done] = await user.presses(ask.message_id, buttons[1]["callback_data"])
    assert "已签退" in done.text and "11:30" in done.text
    rows = await attendance_rows(db)
    assert [(r[0], r[4]) for r in rows] == [(sids[0], None), (sids[1], "2026-12-07T03:30:00+00:00")]

    clock.advance(timedelta(minutes=5))  # only one left open: no question this time
    [done] = await user.says("/checkout")
    assert "已签退" in done.text and "11:35" in done.text
    assert all(r[4] is not None for r in await attendance_rows(db))


async def test_the_same_checkout_update_twice_records_once(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says("/checkin")
    clock.set(S01_END)
    update = bot.telegram.send_text(user.id, "/checkout")
    [first] = await bot.feed(user, update)
    clock.advance(timedelta(minutes=3))
    [second] = await bot.redeliver(user, update)
    assert "已签退" in first.text and "11:30" in first.text
    assert "已经签退过了" in second.text and "11:30" in second.text
    [row] = await attendance_rows(db)
    assert row[4] == "2026-12-07T03:30:00+00:00" and row[5] == "normal"


async def test_roll_between_sessions_shows_the_last_one(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    boss = await manager(bot, example_class)
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says("/checkin")
    clock.set(S01_END + timedelta(hours=1))  # 12:30: S01 is over, S02's check-in opens 14:00
    [roll] = await boss.says("/roll")
    assert "「开班式暨入学教育」12月7日（周一）08:30–11:30（已结束）" in roll.text
    absent = len([p for p in example_class.people if "trainee" in p.roles]) - 1
    assert "已到 1 人" in roll.text and f"缺勤 {absent}" in roll.text
    clock.set(S01_START + timedelta(days=1) - timedelta(hours=2))  # the next morning, 06:30
    [roll] = await boss.says("/roll")
    assert "「专题讲座：新时代党的建设总要求」12月7日（周一）14:30–17:30（已结束）" in roll.text


async def test_roll_before_any_session_names_the_class(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    boss = await manager(bot, example_class)
    clock.set(S01_START - timedelta(minutes=31))  # before S01's check-in opens
    [reply] = await boss.says("/roll")
    assert f"{example_class.name} 现在还没有开始签到的课程" in reply.text
    name = plain_trainees(example_class)[0].name
    [reply] = await boss.says(f"/roll {name} 手机没电")
    assert f"{example_class.name} 现在还没有开始签到的课程" in reply.text
    assert await attendance_rows(db) == []


async def test_an_old_reminders_button_after_the_session_is_over(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    early, late = await trainee(bot, example_class, 0), await trainee(bot, example_class, 1)
    sid = await session_id(db)
    clock.set(S01_START - timedelta(minutes=15))
    assert f"session:{sid}:remind" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    reminders = []
    for user in (early, late):
        reminder = user.last()
        assert "上课提醒" in reminder.text
        [[button]] = reminder.reply_markup["inline_keyboard"]
        assert button["callback_data"] == CheckIn(sid).pack()
        reminders.append((reminder, button["text"]))

    # While the session is on, the button checks in.
    clock.set(S01_START + timedelta(minutes=1))
    [reply] = await early.presses_button(*reminders[0])
    assert "已签到" in reply.text and "08:31" in reply.text
    [row] = await attendance_rows(db)

    # Once it is over, the same button (anyone's) records nothing and says so.
    clock.set(S01_END + timedelta(hours=1))
    [reply] = await late.presses_button(*reminders[1])
    assert "这个按钮所属的课程「开班式暨入学教育」已经结束" in reply.text
    [reply] = await early.presses_button(*reminders[0])
    assert "已经结束" in reply.text
    assert await attendance_rows(db) == [row]
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert len(answers) == 3


async def test_a_failed_button_answer_still_checks_in(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    """The answer only stops the spinner: Telegram failing it must not undo or hide the check-in."""
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class, 0)
    sid = await session_id(db)
    clock.set(S01_START - timedelta(minutes=15))
    assert f"session:{sid}:remind" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    reminder = user.last()
    [[button]] = reminder.reply_markup["inline_keyboard"]
    clock.set(S01_START + timedelta(minutes=1))
    bot.telegram.fail_next("answerCallbackQuery", Fault.server_error(500))
    [reply] = await user.presses_button(reminder, button["text"])
    assert "已签到" in reply.text
    assert len(await attendance_rows(db)) == 1
