"""/checkin, /checkout and the reminder's button through the Application (mode none)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.buttons import CheckIn, CheckOutEarly
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.testing import Fault
from storage.db import Database, Tx
from storage.imports import apply_plan
from storage.times import to_db
from tests.checkin.support import (
    S01_END,
    S01_START,
    attendance_rows,
    manager,
    person_id_of,
    trainee,
)
from tests.harness import BotHarness, bind, session_id, set_settings


async def test_checkin_on_time_and_then_already(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_START + timedelta(minutes=5))  # exactly at the grace: on time
    [reply] = await user.says("/checkin")
    assert "已签到" in reply.text and "08:35" in reply.text and "准时" in reply.text
    [row] = await attendance_rows(db)
    assert row[2] == "2026-12-07T00:35:00+00:00" and row[3] == "none"
    clock.advance(timedelta(minutes=3))
    [again] = await user.says("/checkin")
    assert "已经签到过了" in again.text and "08:35" in again.text
    assert await attendance_rows(db) == [row]


async def test_late_checkin_says_the_minutes(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class, language_code="en")
    clock.set(S01_START + timedelta(minutes=5, seconds=1))
    [reply] = await user.says("/checkin")
    assert "late by 5 min" in reply.text and "08:35" in reply.text


async def test_too_early_and_no_session_and_closed(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_START - timedelta(minutes=30, seconds=1))
    [reply] = await user.says("/checkin")
    assert "还没有开始" in reply.text and "08:00" in reply.text
    clock.set(S01_END)  # check-in closes at the end; the afternoon's opens at 14:00
    [reply] = await user.says("/checkin")
    assert "专题讲座" in reply.text and "14:00" in reply.text
    clock.set(S01_START + timedelta(days=30))
    [reply] = await user.says("/checkin")
    assert "没有可以签到的课程" in reply.text
    assert await attendance_rows(db) == []


async def test_not_a_trainee_and_not_bound(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    clock.set(S01_START)
    boss = await manager(bot, example_class)
    [reply] = await boss.says("/checkin")
    assert "只有学员需要签到" in reply.text
    [reply] = await bot.person().says("/checkin")
    assert "绑定" in reply.text
    assert await attendance_rows(db) == []


async def test_same_update_twice_records_once(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    update = bot.telegram.send_text(user.id, "/checkin")
    [first] = await bot.feed(user, update)
    clock.advance(timedelta(minutes=2))
    [second] = await bot.redeliver(user, update)
    assert "已签到" in first.text and "已经签到过了" in second.text and "08:30" in second.text
    [row] = await attendance_rows(db)
    assert row[2] == "2026-12-07T00:30:00+00:00"


async def test_reminder_button_checks_in_for_that_session(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    sid = await session_id(db)
    clock.set(S01_START - timedelta(minutes=15))
    [reply] = await user.says("/help")  # any bot message can carry the reminder's button
    [answer] = await user.presses(reply.message_id, CheckIn(sid).pack())
    assert "已签到" in answer.text and "08:15" in answer.text
    assert bot.telegram.calls_of("answerCallbackQuery")


async def test_button_of_a_session_that_is_over_changes_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    sid = await session_id(db)
    clock.set(S01_END + timedelta(hours=2))
    [reply] = await user.says("/help")
    [answer] = await user.presses(reply.message_id, CheckIn(sid).pack())
    assert "已经结束" in answer.text
    assert await attendance_rows(db) == []


async def test_forged_button_data_and_someone_elses_class(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    clock.set(S01_START)
    user = await trainee(bot, example_class)
    [reply] = await user.says("/help")
    assert await user.presses(reply.message_id, "1|ci|abc") == []
    assert await user.presses(reply.message_id, CheckIn(99999).pack()) == []
    boss = await manager(bot, example_class)
    [reply] = await boss.says("/help")
    await boss.presses(reply.message_id, CheckIn(await session_id(db)).pack())
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert len(answers) == 3 and all(a.params.get("show_alert") for a in answers)
    assert await attendance_rows(db) == []


async def test_checkout_in_window_and_early_with_confirmation(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    first = await trainee(bot, example_class, 0)
    second = await trainee(bot, example_class, 1)
    clock.set(S01_START)
    await first.says("/checkin")
    await second.says("/checkin")
    clock.set(S01_END - timedelta(minutes=10))  # the window opens: not early
    [reply] = await first.says("/checkout")
    assert "已签退" in reply.text and "11:20" in reply.text and "早退" not in reply.text
    [reply] = await first.says("/checkout")
    assert "已经签退过了" in reply.text

    clock.set(S01_END - timedelta(minutes=10, seconds=1))
    [ask] = await second.says("/checkout")
    assert "早退" in ask.text
    rows = await attendance_rows(db)
    assert rows[1][4] is None  # nothing recorded before the confirmation
    assert ask.button_texts == ["确定早退签退", "取消，继续上课"]
    # Cancel: nothing recorded, the prompt says so and loses its buttons.
    await second.presses_button(ask, "取消，继续上课")
    kept = second.last()
    assert kept.message_id == ask.message_id and "没有签退" in kept.text
    assert kept.button_texts == [] and (await attendance_rows(db))[1][4] is None
    [ask] = await second.says("/checkout")
    [done] = await second.presses_button(ask, "确定早退签退")
    assert "早退" in done.text
    rows = await attendance_rows(db)
    assert rows[1][4] == "2026-12-07T03:19:59+00:00" and rows[1][5] == "early"


async def test_checkout_refusals(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_END)
    [reply] = await user.says("/checkout")
    assert "还没有签到" in reply.text
    clock.set(S01_END + timedelta(minutes=30))
    [reply] = await user.says("/checkout")
    assert "没有可以签到的课程" in reply.text
    await set_settings(db, double_checkin=False)
    clock.set(S01_END)
    [reply] = await user.says("/checkout")
    assert "不需要签退" in reply.text
    assert await attendance_rows(db) == []


async def test_person_in_two_classes_is_asked_which(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    other = dataclasses.replace(example_class, name=example_class.name + "（二）")
    await apply_plan(db, other, clock.now())
    await set_settings(db, checkin_mode="none")
    rows = await db.fetchall("SELECT id FROM classes")
    assert len(rows) == 2
    user = await bind(bot, "15000150002")
    clock.set(S01_START)
    [ask] = await user.says("/checkin")
    assert "请选择" in ask.text
    buttons = [b for row in ask.reply_markup["inline_keyboard"] for b in row]
    assert len(buttons) == 2
    await user.presses(ask.message_id, buttons[1]["callback_data"])
    rows = await attendance_rows(db)
    assert len(rows) == 1 and rows[0][1] == await person_id_of(db, user)


async def test_a_session_moved_after_it_was_cached_uses_the_new_times(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    first = await trainee(bot, example_class, 0)
    second = await trainee(bot, example_class, 1)
    third = await trainee(bot, example_class, 2)
    clock.set(S01_START)
    await first.says("/checkin")  # the class's sessions are now cached
    sid = await session_id(db)

    async def move(tx: Tx) -> None:  # as a re-import in another process would
        await tx.execute(
            "UPDATE sessions SET starts_at = ?, ends_at = ? WHERE id = ?",
            (
                to_db(S01_START + timedelta(minutes=30)),
                to_db(S01_END + timedelta(minutes=30)),
                sid,
            ),
        )

    await db.write(move)
    clock.set(S01_START + timedelta(minutes=10))
    [reply] = await second.says("/checkin")
    assert "准时" in reply.text  # late by the old times, on time by the new ones

    async def cancel(tx: Tx) -> None:
        await tx.execute("UPDATE sessions SET cancelled_at = ? WHERE id = ?", (to_db(S01_END), sid))

    await db.write(cancel)
    [reply] = await third.says("/checkin")
    assert "已签到" not in reply.text
    assert len(await attendance_rows(db)) == 2


async def test_an_early_checkout_confirmed_twice_or_redelivered_records_once(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says("/checkin")
    clock.set(S01_END - timedelta(minutes=40))
    [ask] = await user.says("/checkout")
    data = CheckOutEarly(await session_id(db)).pack()
    # Telegram fails the edit that takes the button away: the check-out stands all the same.
    bot.telegram.fail_next("editMessageReplyMarkup", Fault.server_error(500))
    update = bot.telegram.press(user.id, ask.message_id, data)
    await bot.feed(user, update)
    first = (await attendance_rows(db))[0]
    assert first[4] == "2026-12-07T02:50:00+00:00" and first[5] == "early"
    clock.advance(timedelta(minutes=1))
    [again] = await user.presses(ask.message_id, data)  # a double tap, a minute later
    await bot.redeliver(user, update)  # and Telegram delivering the first press again
    assert (await attendance_rows(db))[0] == first  # the first check-out, once
    assert "已经签退过了" in again.text
    # Both presses were answered (a redelivered one cannot be answered twice: Telegram refuses).
    answered = {
        c.params["callback_query_id"] for c in bot.telegram.calls_of("answerCallbackQuery") if c.ok
    }
    assert len(answered) >= 2
