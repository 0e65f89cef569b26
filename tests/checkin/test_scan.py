"""扫码签到: the QR code of /code holds a deep link; scanning it checks in like a typed code."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import segno

from bot.buttons import CodeShow
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules import checkin_code
from handlers.checkin.jobs import refresh_displays
from storage.db import Database
from storage.imports import apply_plan
from tests.checkin.support import (
    RECORD_TABLES,
    S01_END,
    S01_START,
    attendance_rows,
    manager,
    monitor,
    plain_trainees,
    secret_of,
    session_ids,
    table_rows,
    trainee,
)
from tests.harness import BotHarness, session_id


def scan_of(sid: int, secret: str, clock: ManualClock, *, minutes_ago: int = 0) -> str:
    """What Telegram sends when the QR code shown ``minutes_ago`` is scanned and Start pressed."""
    code = checkin_code.code_at(secret, clock.now() - timedelta(minutes=minutes_ago))
    return f"/start {checkin_code.link_payload(sid, code)}"


def qr_png(link: str) -> bytes:
    """The PNG the bot draws for a link (segno writes the same bytes for the same link)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=12, border=4)
    return out.getvalue()


async def test_the_code_message_is_a_qr_code_of_the_deep_link_renewed_each_minute(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START - timedelta(minutes=10))
    sid = await session_id(db)
    secret = await secret_of(db, sid)
    boss = await manager(bot, example_class)
    [shown] = await boss.says("/code")
    assert shown.kind == "photo" and shown.protect_content
    code = checkin_code.code_at(secret, clock.now())
    link = f"https://t.me/trainee_test_bot?start=ci_{sid}_{code}"
    assert bot.telegram.file(shown.raw["photo"][-1]["file_id"]).content == qr_png(link)
    assert code in shown.text and "扫码签到" in shown.text

    clock.advance(timedelta(minutes=1))
    await refresh_displays(bot.app.bot_data, clock.now())
    await bot.deliver_outbox()
    renewed = boss.last()
    assert renewed.message_id == shown.message_id and renewed.edited
    code = checkin_code.code_at(secret, clock.now())
    link = f"https://t.me/trainee_test_bot?start=ci_{sid}_{code}"
    assert bot.telegram.file(renewed.raw["photo"][-1]["file_id"]).content == qr_png(link)
    assert code in renewed.text

    # The same session shown again: the older message stops and says where the code went.
    [again] = await boss.says("/code")
    await bot.deliver_outbox()
    old = next(m for m in boss.chat() if m.message_id == shown.message_id)
    assert "新消息中显示" in old.text
    clock.advance(timedelta(minutes=1))
    assert await refresh_displays(bot.app.bot_data, clock.now()) == 1  # only the new one
    await bot.deliver_outbox()
    clock.set(S01_END)  # check-in is over: the caption says so, the display is forgotten
    assert await refresh_displays(bot.app.bot_data, clock.now()) == 1
    await bot.deliver_outbox()
    closed = next(m for m in boss.chat() if m.message_id == again.message_id)
    assert "签到已结束" in closed.text
    assert await refresh_displays(bot.app.bot_data, clock.now()) == 0


async def test_scanning_checks_in_and_a_redelivery_records_once(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    sid = await session_id(db)
    secret = await secret_of(db, sid)
    user = await trainee(bot, example_class)
    clock.set(S01_START + timedelta(minutes=12))
    update = bot.telegram.send_text(user.id, scan_of(sid, secret, clock))
    [reply] = await bot.feed(user, update)
    assert "已签到" in reply.text and "迟到 12 分钟" in reply.text
    [row] = await attendance_rows(db)
    assert row[0] == sid and row[3] == "code"
    clock.advance(timedelta(minutes=3))
    [again] = await bot.redeliver(user, update)
    assert "已经签到过了" in again.text
    assert await attendance_rows(db) == [row]


async def test_a_stale_qr_code_counts_as_a_wrong_code_toward_the_lock_out(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    sid = await session_id(db)
    secret = await secret_of(db, sid)
    user = await trainee(bot, example_class, language_code="en")
    clock.set(S01_START)
    # A photo of the screen taken two minutes ago: past the code's one-minute grace.
    [reply] = await user.says(scan_of(sid, secret, clock, minutes_ago=2))
    assert "wrong or expired" in reply.text and "4 more" in reply.text
    [row] = await attendance_rows(db)
    assert row[2] is None and row[6] == 1
    for _ in range(3):
        await user.says(scan_of(sid, secret, clock, minutes_ago=2))
    wrong = "000000" if checkin_code.code_at(secret, clock.now()) != "000000" else "111111"
    [locked] = await user.says(f"/checkin {wrong}")
    assert "locked" in locked.text
    [still] = await user.says(scan_of(sid, secret, clock))  # even the good QR code now
    assert "locked" in still.text
    assert (await attendance_rows(db))[0][2] is None


async def test_scans_that_change_nothing(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    other = dataclasses.replace(example_class, name=example_class.name + "（二）")
    await apply_plan(db, other, clock.now())
    mine, theirs = await session_ids(db)
    # A trainee of the first class only: the copied class has the same people, so use a
    # person and then drop them from the second class.
    user = await trainee(bot, example_class)
    name = plain_trainees(example_class)[0].name
    await db.write(
        lambda tx: tx.execute(
            "UPDATE memberships SET active = 0 WHERE class_id = (SELECT class_id FROM sessions"
            " WHERE id = ?) AND person_id = (SELECT id FROM people WHERE name = ?)",
            (theirs, name),
        )
    )
    clock.set(S01_START)
    boss = await manager(bot, example_class)
    before = await table_rows(db, *RECORD_TABLES)
    [reply] = await user.says(scan_of(theirs, await secret_of(db, theirs), clock))
    assert "不属于您所在培训班" in reply.text
    [reply] = await user.says("/start ci_12x_123456")
    assert "无法识别" in reply.text
    [reply] = await user.says(f"/start ci_{mine}_12345")
    assert "无法识别" in reply.text
    stranger = bot.person()
    [reply] = await stranger.says(scan_of(mine, await secret_of(db, mine), clock))
    assert "绑定" in reply.text
    [reply] = await boss.says(scan_of(mine, await secret_of(db, mine), clock))
    assert "不属于您所在培训班" in reply.text  # a manager has no check-in
    clock.set(S01_END)
    [reply] = await user.says(scan_of(mine, await secret_of(db, mine), clock))
    assert "已经结束" in reply.text
    clock.set(S01_START - timedelta(hours=1))
    [reply] = await user.says(scan_of(mine, await secret_of(db, mine), clock))
    assert "还没有开始" in reply.text
    assert await table_rows(db, *RECORD_TABLES) == before


async def test_an_invite_link_still_binds(
    bot: BotHarness, db: Database, example_class: ClassPlan
) -> None:
    """Only the check-in link's prefix is taken by the scan; invite codes never hold "_"."""
    name = plain_trainees(example_class)[1].name
    code = (await db.fetchone("SELECT invite_code FROM people WHERE name = ?", (name,)))[0]
    [reply] = await bot.person().says(f"/start {code}")
    assert name in reply.text and "绑定" in reply.text


async def test_a_redelivered_code_command_shows_nothing_more(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    boss = await manager(bot, example_class)
    update = bot.telegram.send_text(boss.id, "/code")
    [shown] = await bot.feed(boss, update)
    before = await table_rows(db, *RECORD_TABLES, "forms")
    [again] = await bot.redeliver(boss, update)
    assert "签到码已在上方显示" in again.text
    assert await table_rows(db, *RECORD_TABLES, "forms") == before
    await bot.restart()  # the live message is kept in the database
    clock.advance(timedelta(minutes=1))
    assert await refresh_displays(bot.app.bot_data, clock.now()) == 1
    await bot.deliver_outbox()
    assert next(m for m in boss.chat() if m.message_id == shown.message_id).edited


async def test_code_picker_refusals(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    sid = await session_id(db)
    clock.set(S01_START)
    watcher = await monitor(bot, example_class)
    boss = await manager(bot, example_class)
    [seen] = await watcher.says("/help")
    before = await table_rows(db, *RECORD_TABLES, "forms")
    assert await watcher.presses(seen.message_id, CodeShow(sid).pack()) == []
    assert await watcher.presses(seen.message_id, "1|cs|x") == []
    [seen] = await boss.says("/help")
    clock.set(S01_END)
    assert await boss.presses(seen.message_id, CodeShow(sid).pack()) == []
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert len(answers) == 3 and all(a.params.get("show_alert") for a in answers)
    assert "签到已结束" in answers[-1].params["text"]
    assert await table_rows(db, *RECORD_TABLES, "forms") == before
