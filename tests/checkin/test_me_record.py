"""/me: every count is over the sessions that are over; a running one is shown apart."""

from __future__ import annotations

from datetime import timedelta

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
    assert "已结束课程 0 节，出勤 0 节" in reply.text
    assert "迟到 0 次，早退 0 次，未签退 0 次" in reply.text
    assert "缺勤 0 节，请假 0 节" in reply.text and "出勤率：—" in reply.text
    assert "进行中（尚未计入）：「开班式暨入学教育」已签到，迟到 8 分钟" in reply.text


async def test_me_counts_every_status_over_the_sessions_that_are_over(
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
    # S02: on approved leave. S03 (the next morning): on time, then left early.
    clock.set(S01_START + DAY)
    await user.says("/checkin")
    clock.set(S01_START + DAY + timedelta(hours=1))
    [ask] = await user.says("/checkout")
    [done] = await user.presses_button(ask, "确定早退签退")
    assert "早退" in done.text
    # S04: checked in, never signed out. S05 (the day after): never came.
    clock.set(S01_START + DAY + AFTERNOON)
    await user.says("/checkin")
    # S06 (two days later): checked in on time, still running at /me.
    clock.set(S01_START + 3 * DAY)
    await user.says("/checkin")
    clock.advance(timedelta(minutes=10))
    [reply] = await user.says("/me")
    assert "已结束课程 5 节，出勤 3 节" in reply.text
    assert "迟到 1 次（共 8 分钟），早退 1 次，未签退 1 次" in reply.text
    assert "缺勤 1 节，请假 1 节" in reply.text
    assert "出勤率：75%" in reply.text  # 3 of the 4 expected (leave is excused)
    assert "进行中（尚未计入）：「专题讲座：依法行政与法治政府建设」已签到" in reply.text

    clock.set(S01_END + 3 * DAY + timedelta(minutes=30))  # S06 is over: now it counts
    [reply] = await user.says("/me")
    assert "已结束课程 6 节，出勤 4 节" in reply.text  # no check-out still attended
    assert "未签退 2 次" in reply.text and "出勤率：80%" in reply.text
    assert "进行中" not in reply.text


async def test_me_in_english_shows_the_running_session(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    await set_settings(db, checkin_mode="none")
    user = await trainee(bot, example_class, language_code="en")
    clock.set(S01_START - timedelta(minutes=10))  # check-in is open before the start
    [reply] = await user.says("/me")
    assert "Sessions held 0, attended 0" in reply.text
    assert "Under way (not counted yet): “开班式暨入学教育”, not checked in" in reply.text
