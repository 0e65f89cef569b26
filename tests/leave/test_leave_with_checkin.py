"""Leave and check-in together, through the Application: /checkin during and after leave, and
the absences a session's close makes final counting toward the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from handlers.leave import limit
from storage import leave
from storage.db import Database, Tx
from tests.harness import BotHarness, person_id, session_id, set_settings
from tests.leave.helpers import approve, audit_actions, cast, class_id, count, said, with_buttons

S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai
S02_START = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # 14:30
S02_END = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # 17:30
CLOSES_AFTER = timedelta(minutes=30)  # checkout_closes_min: statuses are final then


async def test_checking_in_during_leave_ends_it_early(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    request_id = await approve(bot, people.trainee, people.manager, "S01", "S02")
    at = S02_START + timedelta(minutes=5)
    clock.set(at)
    [reply] = await people.trainee.says("/checkin")
    assert "已签到" in reply.text
    request = await leave.get_request(db, request_id)
    assert (request.hours, request.ended_early_at, request.reported_back_at) == (3, at, at)
    assert await leave.on_leave_session_ids(db, request.person_id, request.class_id) == {
        await session_id(db, "S01")
    }
    assert "leave.end_early" in await audit_actions(db, request_id)
    await bot.deliver_outbox()
    assert said(people.trainee, "请假提前结束").text.endswith("未用的 3 学时已退回。")
    # Ended and reported back: no request to report back, no overdue notice, ever.
    clock.set(S02_END + timedelta(hours=3))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.trainee, "请销假") == 0
    assert count(people.manager, "尚未销假") == 0


async def test_checking_in_after_leave_counts_as_reporting_back(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none", report_back_overdue_min=240)
    people = await cast(bot)
    request_id = await approve(bot, people.trainee, people.manager, "S01")
    clock.set(S01_END)
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.trainee, "请销假") == 1  # asked, but does not answer
    at = S02_START + timedelta(minutes=5)
    clock.set(at)
    [reply] = await people.trainee.says("/checkin")
    assert "已签到" in reply.text
    request = await leave.get_request(db, request_id)
    assert (request.reported_back_at, request.ended_early_at, request.hours) == (at, None, 3)
    assert "leave.report_back" in await audit_actions(db, request_id)
    [reply] = await people.trainee.says("/back")
    assert reply.text == "您现在没有需要销假的请假。"
    # Four hours after the leave ended (report_back_overdue_min): nothing to tell managers.
    clock.set(S01_END + timedelta(minutes=240))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "尚未销假") == 0


async def test_absences_made_final_by_the_close_warn_once_each(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    # Nobody checks in: 王芳 misses S01 (3 of the 4.2 class hours allowed) and S02 (6).
    people = await cast(bot)
    s01, s02 = await session_id(db, "S01"), await session_id(db, "S02")
    clock.set(S01_END + CLOSES_AFTER - timedelta(seconds=1))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.trainee, "已超过上限") == 0
    clock.set(S01_END + CLOSES_AFTER)
    assert f"session:{s01}:checkin-close" in await bot.run_due_jobs()
    await bot.run_due_jobs()  # twice: still one warning
    await bot.deliver_outbox()
    assert count(people.trainee, "您的请假已超过上限的 50%") == 1
    assert count(people.manager, "王芳（市财政局）的请假已超过上限的 50%") == 1
    assert count(people.admin, "已超过上限") == 0  # admins hear only of the limit

    clock.set(S02_END + CLOSES_AFTER)
    assert f"session:{s02}:checkin-close" in await bot.run_due_jobs()
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.trainee, "您的请假已超过上限：已用 6 学时") == 1
    # Every absent trainee is flagged; 王芳 once, with the buttons to record the decision.
    trainee_id = await person_id(db, people.trainee)
    for decider in (people.manager, people.manager2, people.admin):
        flagged = with_buttons(decider, f"1|ll|{await class_id(db)}|{trainee_id}|")
        assert flagged.text.startswith("⚠️ 王芳（市财政局）的请假已超过上限")
        assert "（请假 0，缺勤 6）" in flagged.text
        assert count(decider, "王芳（市财政局）的请假已超过上限（") == 1
    rows = await db.fetchall(
        "SELECT json_extract(details, '$.threshold') FROM audit_log"
        " WHERE action = 'leave.limit_warning' AND subject = ? ORDER BY id",
        (f"person:{trainee_id}",),
    )
    assert [r[0] for r in rows] == [50, 80, 100]


async def test_the_close_warns_nobody_when_the_class_does_not_count_absences(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, absence_counts_toward_limit="no")
    people = await cast(bot)
    clock.set(S02_END + CLOSES_AFTER)
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.trainee, "已超过上限") == 0
    assert await db.fetchone("SELECT 1 FROM audit_log WHERE action = 'leave.limit_warning'") is None


async def test_after_close_warns_only_the_absent_and_only_once(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    clock.set(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    await people.other.says("/checkin")  # 李强 comes to S01; 王芳 does not
    s01 = await session_id(db, "S01")

    async def close(at: datetime) -> list[int]:
        async def op(tx: Tx) -> list[int]:
            return await limit.after_close(tx, bot.app.bot_data, session_id=s01, now=at)

        return await db.write(op)

    assert await close(S01_END) == []  # not closed yet: nobody is absent
    warned = await close(S01_END + CLOSES_AFTER)
    assert await person_id(db, people.trainee) in warned
    assert await person_id(db, people.other) not in warned
    assert await close(S01_END + CLOSES_AFTER) == []
