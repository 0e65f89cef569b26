"""Two sessions open at once (back to back, check-in opening 30 minutes early), end to end:
the code shown per session, check-in to the session chosen, the roll call, check-out."""

from __future__ import annotations

from datetime import timedelta

from bot.buttons import CheckIn, CheckOut, CodeShow, RollShow
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules import checkin_code
from handlers.checkin.jobs import refresh_displays
from storage.db import Database
from tests.checkin.support import (
    RECORD_TABLES,
    S01_START,
    S01B_END,
    S01B_START,
    add_session,
    admin,
    attendance_rows,
    manager,
    monitor,
    person_id_of,
    plain_trainees,
    secret_of,
    table_rows,
    trainee,
)
from tests.harness import BotHarness, session_id

DURING_BOTH = S01B_START - timedelta(minutes=20)  # 11:10: S01 runs, S01B's check-in is open


def buttons_of(message: object) -> list[dict]:
    rows = getattr(message, "reply_markup", None) or {}
    return [b for row in rows.get("inline_keyboard", []) for b in row]


async def test_checking_in_to_the_session_chosen_with_its_code(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    s01, s01b = await session_id(db), await add_session(db)
    first_code = checkin_code.code_at(await secret_of(db, s01), DURING_BOTH)
    second_code = checkin_code.code_at(await secret_of(db, s01b), DURING_BOTH)
    clock.set(DURING_BOTH)
    boss = await manager(bot, example_class)
    user = await trainee(bot, example_class, language_code="en")

    # The manager picks which session's code to show: one live message per session.
    [ask] = await boss.says("/code")
    assert "请选择" in ask.text
    assert [b["callback_data"] for b in buttons_of(ask)] == [
        CodeShow(s01).pack(),
        CodeShow(s01b).pack(),
    ]
    [shown_second] = await boss.presses(ask.message_id, CodeShow(s01b).pack())
    [shown_first] = await boss.presses(ask.message_id, CodeShow(s01).pack())
    assert shown_second.kind == "photo" and shown_second.protect_content
    assert second_code in shown_second.text and "分组讨论" in shown_second.text
    assert first_code in shown_first.text and "开班式" in shown_first.text

    # The trainee chooses the second session, then types the first session's code (the one
    # on the screen of the other room): nothing is recorded, and they are told why.
    [which] = await user.says("/checkin")
    assert [b["callback_data"] for b in buttons_of(which)] == [
        CheckIn(s01).pack(),
        CheckIn(s01b).pack(),
    ]
    [ask_code] = await user.presses(which.message_id, CheckIn(s01b).pack())
    assert "6-digit code" in ask_code.text and "分组讨论" in ask_code.text
    before = await table_rows(db, *RECORD_TABLES)
    [refused] = await user.says(first_code)
    assert "This is the code of “开班式暨入学教育”" in refused.text
    assert "nothing was recorded" in refused.text
    assert await table_rows(db, *RECORD_TABLES) == before  # not even a wrong attempt
    [done] = await user.says(second_code)
    assert "Checked in" in done.text and "分组讨论" in done.text and "on time" in done.text
    [row] = await attendance_rows(db)
    assert row[0] == s01b and row[3] == "code"

    # Both code messages are renewed every minute, each with its own session's code.
    clock.advance(timedelta(minutes=1))
    assert await refresh_displays(bot.app.bot_data, clock.now()) == 2
    await bot.deliver_outbox()
    for shown, sid in ((shown_first, s01), (shown_second, s01b)):
        now_shown = next(m for m in boss.chat() if m.message_id == shown.message_id)
        assert now_shown.edited and now_shown.kind == "photo"
        assert checkin_code.code_at(await secret_of(db, sid), clock.now()) in now_shown.text


async def test_roll_shows_the_running_session_and_switches_to_the_other(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    s01, s01b = await session_id(db), await add_session(db)
    early, late = await trainee(bot, example_class, 0), await trainee(bot, example_class, 1)
    clock.set(S01_START)
    await early.says("/checkin")
    await early.says(checkin_code.code_at(await secret_of(db, s01), clock.now()))
    clock.set(DURING_BOTH)
    [which] = await late.says("/checkin")
    await late.presses(which.message_id, CheckIn(s01b).pack())
    await late.says(checkin_code.code_at(await secret_of(db, s01b), clock.now()))

    boss = await manager(bot, example_class)
    [roll] = await boss.says("/roll")
    # The session under way, not the one whose check-in opened last (0 present).
    assert "「开班式暨入学教育」" in roll.text and "已到 1 人" in roll.text
    labels = [b["text"] for b in buttons_of(roll)]
    assert labels[:2] == ["🔄 刷新", "✏️ 更正考勤"] and "📅 其他日期" in labels
    switch = next(b for b in buttons_of(roll) if b["callback_data"] == RollShow(s01b).pack())
    assert switch["text"] == "11:30 分组讨论：学习体会交流"
    await boss.presses(roll.message_id, switch["callback_data"])
    shown = boss.last()
    assert shown.message_id == roll.message_id and shown.edited
    assert "「分组讨论：学习体会交流」" in shown.text and "已到 1 人" in shown.text
    assert "出勤 1" in shown.text
    assert plain_trainees(example_class)[1].name not in shown.text.split("未签到")[1]
    assert plain_trainees(example_class)[0].name in shown.text.split("未签到")[1]

    # An admin of the class sees the roll call too, without the correction button.
    school = await admin(bot, example_class)
    [seen] = await school.says("/roll")
    assert "「开班式暨入学教育」" in seen.text
    assert "✏️ 更正考勤" not in [b["text"] for b in buttons_of(seen)]
    # A monitor neither.
    watcher = await monitor(bot, example_class)
    [seen] = await watcher.says("/roll")
    assert "✏️ 更正考勤" not in [b["text"] for b in buttons_of(seen)]


async def test_checkout_records_the_session_chosen(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    s01, s01b = await session_id(db), await add_session(db)
    user = await trainee(bot, example_class)
    clock.set(S01_START)
    await user.says("/checkin")
    await user.says(checkin_code.code_at(await secret_of(db, s01), clock.now()))
    clock.set(DURING_BOTH)
    [which] = await user.says("/checkin")
    await user.presses(which.message_id, CheckIn(s01b).pack())
    await user.says(checkin_code.code_at(await secret_of(db, s01b), clock.now()))
    assert [r[0] for r in await attendance_rows(db) if r[2]] == [s01, s01b]

    clock.set(S01B_START - timedelta(minutes=5))  # 11:25: S01's check-out window is open
    [which] = await user.says("/checkout")
    assert [b["callback_data"] for b in buttons_of(which)] == [
        CheckOut(s01).pack(),
        CheckOut(s01b).pack(),
    ]
    [done] = await user.presses(which.message_id, CheckOut(s01).pack())
    assert "已签退" in done.text and "开班式" in done.text and "11:25" in done.text
    rows = {r[0]: r for r in await attendance_rows(db)}
    assert rows[s01][4] is not None and rows[s01b][4] is None

    clock.set(S01B_END - timedelta(minutes=5))  # only the second one is left
    [done] = await user.says("/checkout")
    assert "分组讨论" in done.text and "12:25" in done.text
    assert all(r[4] is not None for r in await attendance_rows(db))
    pid = await person_id_of(db, user)
    assert {r[1] for r in await attendance_rows(db)} == {pid}
