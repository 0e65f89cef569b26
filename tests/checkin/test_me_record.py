"""/me in class hours: counts over the sessions held so far; leave is not attendance; a
session both late and left early shows both; one not begun is never "in progress"."""

from __future__ import annotations

from datetime import timedelta

from bot.buttons import FixOpen, MePage, MeSessions
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from storage.db import Database
from tests.checkin.support import S01_END, S01_START, approve_leave, person_id_of, trainee
from tests.harness import BotHarness, session_id, set_settings

DAY = timedelta(days=1)
AFTERNOON = timedelta(hours=6)  # S02, S04: 14:30-17:30, six hours after the morning's


async def test_me_during_a_session_counts_nothing_yet(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    clock.set(S01_START + timedelta(minutes=8))
    await user.says("/checkin")
    clock.advance(timedelta(minutes=2))
    [reply] = await user.says("/me")
    assert "已上课 0 学时（全班总学时 29.5），出勤 0 学时，出勤率：—" in reply.text
    assert "迟到 0 次，早退 0 次，未签退 0 次" in reply.text
    assert "缺勤 0 学时，请假 0 学时" in reply.text
    assert "请假上限 4.2 学时（总学时的七分之一）：已用 0 学时，还可请 4.2 学时" in reply.text
    assert "进行中（尚未计入）：「开班式暨入学教育」已签到，迟到 8 分钟" in reply.text
    assert reply.button_texts == [
        "📋 各节课考勤：2026年秋季处级干部进修班",
        "📝 补卡（申请更正考勤）",
    ]


async def test_me_counts_every_status_in_class_hours(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class)
    await approve_leave(db, await person_id_of(db, user), await session_id(db, "S02"))
    # S01: late by 8 minutes, signed out in the window.
    clock.set(S01_START + timedelta(minutes=8))
    await user.says("/checkin")
    clock.set(S01_END)
    await user.says("/checkout")
    # S02: on approved leave. S03 (the next morning): late by 10 minutes AND left early.
    clock.set(S01_START + DAY + timedelta(minutes=10))
    await user.says("/checkin")
    clock.set(S01_START + DAY + timedelta(hours=1))
    [ask] = await user.says("/checkout")
    [done] = await user.presses_button(ask, "确定早退签退")
    assert "早退" in done.text
    # S04: checked in, never signed out. S05 (the day after, 6 h): never came.
    clock.set(S01_START + DAY + AFTERNOON)
    await user.says("/checkin")
    # S06 (two days later): checked in on time, still running at /me.
    clock.set(S01_START + 3 * DAY)
    await user.says("/checkin")
    clock.advance(timedelta(minutes=10))
    [reply] = await user.says("/me")
    # Held: S01-S05, 18 class hours; attended S01, S03, S04: 9; leave is not attendance.
    assert "已上课 18 学时（全班总学时 29.5），出勤 9 学时，出勤率：50%" in reply.text
    # S03 counts as late and as left early, each with its own minutes.
    assert "迟到 2 次（共 18 分钟），早退 1 次（共 120 分钟），未签退 1 次" in reply.text
    assert "缺勤 6 学时，请假 3 学时（事假 3）" in reply.text
    assert "请假上限 4.2 学时（总学时的七分之一）：已用 9 学时，已超过上限" in reply.text
    assert "进行中（尚未计入）：「专题讲座：依法行政与法治政府建设」已签到" in reply.text

    # The list of sessions, each with its status; S03 both late and early.
    [listed] = await user.presses(reply.message_id, MeSessions(1).pack())
    lines = listed.text.splitlines()
    assert "12月10日（周四）08:30 专题讲座：依法行政与法治政府建设：已签到（进行中）" in lines
    assert (
        "12月8日（周二）08:30 专题讲座：推动高质量发展的实践路径：早退，迟到 10 分钟，早退 120 分钟"
        in lines
    )
    assert "12月7日（周一）14:30 专题讲座：新时代党的建设总要求：事假" in lines
    assert "12月9日（周三）08:30 现场教学：乡村振兴示范村建设：缺勤" in lines
    assert "12月8日（周二）14:30 分组研讨：提升领导干部履职能力：未签退" in lines
    assert not any("结业" in line for line in lines)  # not begun: not listed at all

    clock.set(S01_END + 3 * DAY + timedelta(minutes=30))  # S06 is over: now it counts
    [reply] = await user.says("/me")
    assert "已上课 21 学时（全班总学时 29.5），出勤 12 学时，出勤率：57%" in reply.text
    assert "未签退 2 次" in reply.text and "进行中" not in reply.text


async def test_me_in_english_a_session_not_begun_is_coming(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class, language_code="en")
    clock.set(S01_START - timedelta(minutes=10))  # check-in is open before the start
    [reply] = await user.says("/me")
    assert "Held so far 0 h (class total 29.5), attended 0 h" in reply.text
    assert "Coming: “开班式暨入学教育” at 08:30, not checked in" in reply.text
    assert "Under way" not in reply.text
    await user.says("/checkin")
    [reply] = await user.says("/me")
    assert "Coming: “开班式暨入学教育” at 08:30, checked in" in reply.text


async def test_the_session_list_pages_and_refuses_forged_pages(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    user = await trainee(bot, example_class)
    clock.set(S01_END + 5 * DAY)  # every session of the class is over
    [reply] = await user.says("/me")
    [listed] = await user.presses(reply.message_id, MeSessions(1).pack())
    assert "各节课考勤" in listed.text and listed.button_texts == []  # ten sessions, one page
    before = [tuple(r) for r in await db.fetchall("SELECT * FROM forms")]
    await user.presses(listed.message_id, MePage(1, 5).pack())
    await user.presses(listed.message_id, MeSessions(99).pack())
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert all(a.params.get("show_alert") for a in answers[-2:])
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM forms")] == before
    # The correction button opens /fix.
    await user.presses(reply.message_id, FixOpen().pack())
    assert "补卡" in user.last().text
