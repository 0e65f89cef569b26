"""Proof of presence: the rotating code (/code, lock-out) and the venue location."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules import checkin_code
from handlers.checkin.jobs import refresh_displays
from storage.db import Database
from tests.checkin.support import (
    S01_END,
    S01_START,
    VENUE,
    attendance_rows,
    manager,
    secret_of,
    trainee,
)
from tests.harness import BotHarness, session_id, set_settings


async def test_code_shown_protected_and_typed_checks_in(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START - timedelta(minutes=10))
    boss = await manager(bot, example_class)
    [shown] = await boss.says("/code")
    code = checkin_code.code_at(await secret_of(db, await session_id(db)), clock.now())
    assert code in shown.text and shown.protect_content
    user = await trainee(bot, example_class)
    [ask] = await user.says("/checkin")
    assert "6 位签到码" in ask.text
    assert await attendance_rows(db) == []
    clock.advance(timedelta(seconds=70))  # the previous minute's code is still good
    [reply] = await user.says(code)
    assert "已签到" in reply.text
    [row] = await attendance_rows(db)
    assert row[3] == "code"


async def test_code_message_is_kept_current_by_edits_through_the_outbox(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START - timedelta(minutes=10))
    boss = await manager(bot, example_class)
    [shown] = await boss.says("/code")
    secret = await secret_of(db, await session_id(db))
    data = bot.app.bot_data
    assert await refresh_displays(data, clock.now()) == 0  # same minute: nothing to edit
    clock.advance(timedelta(minutes=1))
    assert await refresh_displays(data, clock.now()) == 1
    assert await refresh_displays(data, clock.now()) == 0  # once per minute
    await bot.deliver_outbox()
    edited = boss.last()
    assert edited.message_id == shown.message_id and edited.edited
    assert checkin_code.code_at(secret, clock.now()) in edited.text
    clock.set(S01_END)
    assert await refresh_displays(data, clock.now()) == 1
    await bot.deliver_outbox()
    assert "签到已结束" in boss.last().text
    assert await refresh_displays(data, clock.now()) == 0  # the display is forgotten


async def test_code_refusals(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    user = await trainee(bot, example_class)
    [reply] = await user.says("/code")
    assert "只有班主任" in reply.text
    boss = await manager(bot, example_class)
    clock.set(S01_START - timedelta(minutes=31))
    [reply] = await boss.says("/code")
    assert "没有正在签到的课程" in reply.text
    await set_settings(db, checkin_mode="none")
    clock.set(S01_START)
    [reply] = await boss.says("/code")
    assert "不使用签到码" in reply.text


async def test_wrong_expired_and_malformed_codes(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    await user.says("/checkin")
    old = checkin_code.code_at(secret, clock.now() - timedelta(minutes=2))
    [reply] = await user.says(old)
    assert "不正确或已过期" in reply.text and "再错 4 次" in reply.text
    [reply] = await user.says("/checkin 12345")
    assert "6 位数字" in reply.text
    [row] = await attendance_rows(db)
    assert row[2] is None and row[6] == 1


async def test_five_wrong_codes_lock_and_tell_the_managers(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    secret = await secret_of(db, await session_id(db))
    boss = await manager(bot, example_class)
    user = await trainee(bot, example_class)
    good = checkin_code.code_at(secret, clock.now())
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(4):
        await user.says(wrong)
    update = bot.telegram.send_text(user.id, wrong)
    [reply] = await bot.feed(user, update)
    assert "已被锁定" in reply.text
    await bot.redeliver(user, update)  # the same update again counts nothing
    [row] = await attendance_rows(db)
    assert row[6] == 5 and row[7] is not None
    [reply] = await user.says(good)  # even the right code no longer works
    assert "已被锁定" in reply.text
    assert (await attendance_rows(db))[0][2] is None
    await bot.deliver_outbox()
    assert "签到已锁定" in boss.last().text
    await bot.deliver_outbox()
    assert len([m for m in boss.chat() if "签到已锁定" in (m.text or "")]) == 1


async def test_location_inside_the_venue_checks_in_and_removes_the_keyboard(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="location", venue_lat=VENUE[0], venue_lon=VENUE[1])
    clock.set(S01_START)
    user = await trainee(bot, example_class)
    [ask] = await user.says("/checkin")
    assert "分享您当前的位置" in ask.text
    assert bot.telegram.keyboard(user.id) is not None
    north_200m = VENUE[0] + 200 / 111_195
    [reply] = await bot.feed(user, bot.telegram.send_location(user.id, north_200m, VENUE[1]))
    assert "已签到" in reply.text
    assert bot.telegram.keyboard(user.id) is None
    [row] = await attendance_rows(db)
    assert row[3] == "location"


async def test_forwarded_or_distant_locations_are_refused(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="location", venue_lat=VENUE[0], venue_lon=VENUE[1])
    clock.set(S01_START)
    user = await trainee(bot, example_class, language_code="en")
    await user.says("/checkin")
    forwarded = bot.telegram.send_location(user.id, *VENUE, forwarded=True)
    [reply] = await bot.feed(user, forwarded)
    assert "forwarded location" in reply.text
    north_1km = VENUE[0] + 1000 / 111_195
    [reply] = await bot.feed(user, bot.telegram.send_location(user.id, north_1km, VENUE[1]))
    assert "about 1000 m" in reply.text and "300 m" in reply.text
    assert await attendance_rows(db) == []


async def test_code_and_location_need_both(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="code+location", venue_lat=VENUE[0], venue_lon=VENUE[1])
    clock.set(S01_START)
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    await user.says("/checkin")
    [ask] = await user.says(checkin_code.code_at(secret, clock.now()))
    assert "分享您当前的位置" in ask.text
    assert (await attendance_rows(db)) == []
    [reply] = await bot.feed(user, bot.telegram.send_location(user.id, *VENUE))
    assert "已签到" in reply.text
    [row] = await attendance_rows(db)
    assert row[3] == "code+location"


async def test_location_when_no_session_needs_one(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    user = await trainee(bot, example_class)
    [reply] = await bot.feed(user, bot.telegram.send_location(user.id, *VENUE))
    assert "没有需要定位签到" in reply.text
    assert await attendance_rows(db) == []
