"""Proof at check-out (checkout_proof) and live locations only (live_location_only)."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules import checkin_code
from storage.db import Database
from tests.checkin.support import (
    RECORD_TABLES,
    S01_END,
    S01_START,
    VENUE,
    attendance_rows,
    secret_of,
    table_rows,
    trainee,
)
from tests.harness import BotHarness, session_id, set_settings

NORTH_1KM = VENUE[0] + 1000 / 111_195


async def test_checkout_asks_for_the_code_and_records_once_it_is_given(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="code", checkout_proof="yes")
    sid = await session_id(db)
    secret = await secret_of(db, sid)
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says("/checkin")
    await user.says(checkin_code.code_at(secret, clock.now()))
    clock.set(S01_END)
    [ask] = await user.says("/checkout")
    assert "签退也需要签到码" in ask.text
    await bot.restart()  # the check-out's form waits in the database
    before = await table_rows(db, *RECORD_TABLES)
    [wrong] = await user.says(
        "000000" if checkin_code.code_at(secret, clock.now()) != "000000" else "111111"
    )
    assert "不正确或已过期" in wrong.text and "再错 4 次" in wrong.text
    [malformed] = await user.says("12345")
    assert "6 位数字" in malformed.text
    assert await table_rows(db, *RECORD_TABLES) == before  # a check-out's wrong code is its own
    update = bot.telegram.send_text(user.id, checkin_code.code_at(secret, clock.now()))
    [done] = await bot.feed(user, update)
    assert "已签退" in done.text and "11:30" in done.text
    [row] = await attendance_rows(db)
    assert row[4] == "2026-12-07T03:30:00+00:00"
    clock.advance(timedelta(minutes=2))
    before = await table_rows(db, *RECORD_TABLES, "forms")
    await bot.redeliver(user, update)  # the same code message again: nothing new
    assert await table_rows(db, *RECORD_TABLES, "forms") == before


async def test_checkout_by_location_needs_the_venue_and_a_live_location(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(
        db,
        checkin_mode="location",
        venue_lat=VENUE[0],
        venue_lon=VENUE[1],
        checkout_proof="yes",
        live_location_only="yes",
    )
    user = await trainee(bot, example_class, language_code="en")
    clock.set(S01_START)
    [ask] = await user.says("/checkin")
    assert "live location" in ask.text
    assert bot.telegram.keyboard(user.id) is None  # the button sends a point: not offered
    before = await table_rows(db, *RECORD_TABLES)
    [refused] = await bot.feed(user, bot.telegram.send_location(user.id, *VENUE))
    assert "only a <b>live location</b>" in refused.html or "only a live location" in refused.text
    assert await table_rows(db, *RECORD_TABLES) == before
    live = bot.telegram.send_location(user.id, *VENUE, live_period=900)
    [done] = await bot.feed(user, live)
    assert "Checked in" in done.text
    [row] = await attendance_rows(db)
    assert row[3] == "location"

    clock.set(S01_END)
    [ask] = await user.says("/checkout")
    assert "Check-out needs your location too" in ask.text
    before = await table_rows(db, *RECORD_TABLES)
    [refused] = await bot.feed(user, bot.telegram.send_location(user.id, *VENUE))
    assert "live location" in refused.text
    far = bot.telegram.send_location(user.id, NORTH_1KM, VENUE[1], live_period=900)
    [refused] = await bot.feed(user, far)  # from the hotel
    assert "about 1000 m" in refused.text
    assert await table_rows(db, *RECORD_TABLES) == before
    [done] = await bot.feed(user, bot.telegram.send_location(user.id, *VENUE, live_period=900))
    assert "Checked out" in done.text
    assert (await attendance_rows(db))[0][4] is not None


async def test_leaving_early_proves_first_then_confirms(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="code", checkout_proof="yes")
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says(checkin_code.code_at(secret, clock.now()))
    clock.set(S01_START + timedelta(hours=1))
    [ask] = await user.says("/checkout")
    assert "签退也需要签到码" in ask.text
    [confirm] = await user.says(checkin_code.code_at(secret, clock.now()))
    assert "早退" in confirm.text and confirm.reply_markup
    [done] = await user.presses_button(confirm, "确定早退签退")
    assert "早退" in done.text
    assert (await attendance_rows(db))[0][5] == "early"


async def test_without_the_setting_checkout_asks_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says(checkin_code.code_at(secret, clock.now()))
    clock.set(S01_END)
    [done] = await user.says("/checkout")
    assert "已签退" in done.text


async def test_five_wrong_codes_stop_a_checkout_by_code(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="code", checkout_proof="yes")
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says(checkin_code.code_at(secret, clock.now()))
    clock.set(S01_END)
    await user.says("/checkout")
    wrong = "000000" if checkin_code.code_at(secret, clock.now()) != "000000" else "111111"
    for _ in range(4):
        await user.says(wrong)
    [locked] = await user.says(wrong)
    assert "不能再用签到码签退" in locked.text
    [still] = await user.says(checkin_code.code_at(secret, clock.now()))
    assert "不能再用签到码签退" in still.text
    [again] = await user.says("/checkout")
    assert "不能再用签到码签退" in again.text
    assert (await attendance_rows(db))[0][4] is None


async def test_a_static_point_is_refused_for_check_in_when_live_only(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(
        db,
        checkin_mode="location",
        venue_lat=VENUE[0],
        venue_lon=VENUE[1],
        live_location_only="是",
    )
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says("/checkin")
    before = await table_rows(db, *RECORD_TABLES, "forms")
    [refused] = await bot.feed(user, bot.telegram.send_location(user.id, *VENUE))
    assert "实时位置" in refused.text
    assert await table_rows(db, *RECORD_TABLES, "forms") == before


async def test_a_checkout_that_is_over_asks_for_no_proof(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="code", checkout_proof="yes")
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says(checkin_code.code_at(secret, clock.now()))
    clock.set(S01_END + timedelta(minutes=30))  # the check-out window is closed
    before = await table_rows(db, *RECORD_TABLES, "forms")
    [reply] = await user.says("/checkout")
    assert "没有可以签到的课程" in reply.text or "签退时间已过" in reply.text
    assert await table_rows(db, *RECORD_TABLES, "forms") == before
