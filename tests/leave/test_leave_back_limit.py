"""Reporting back (销假), a check-in during leave, and the one-seventh warnings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from bot.buttons import LeaveCancel, LeaveForm, LeaveKind, LeavePick, LeaveStep
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules import class_settings
from handlers.leave import figures, limit
from handlers.leave.info import class_info
from storage import leave
from storage.db import Database, Tx
from storage.times import to_db
from tests.harness import BotHarness, Person, session_id
from tests.leave.helpers import ask, audit_actions, card_of, cast, said


async def approved(bot: BotHarness, trainee: Person, manager: Person, *sessions: str) -> int:
    request_id = await ask(bot, trainee, *sessions)
    await bot.deliver_outbox()
    await manager.presses_button(card_of(manager, request_id), "✅ 批准")
    await bot.deliver_outbox()
    return request_id


def count(person: Person, fragment: str) -> int:
    return sum(1 for m in person.chat() if m.from_bot and fragment in (m.text or ""))


async def test_asked_to_report_back_when_leave_ends_and_the_button_does_it(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await approved(bot, people.trainee, people.manager, "S01")
    clock.set(datetime(2026, 12, 7, 3, 30, tzinfo=UTC))  # S01 ends at 11:30 local
    assert f"leave:{request_id}:ended" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    asked = said(people.trainee, "请销假")
    assert asked.button_texts == ["销假"]
    await people.trainee.presses_button(asked, "销假")
    assert people.trainee.last().text == "已销假，欢迎回来。"
    request = await leave.get_request(db, request_id)
    assert request.reported_back_at is not None and request.hours == 3
    assert "leave.report_back" in await audit_actions(db, request_id)
    # Reported back in time: no overdue notice to the managers.
    clock.advance(timedelta(hours=3))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "尚未销假") == 0
    [reply] = await people.trainee.says("/back")
    assert reply.text == "您现在没有需要销假的请假。"


async def test_overdue_report_back_is_told_to_managers_once(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    await approved(bot, people.trainee, people.manager, "S01")
    clock.set(datetime(2026, 12, 7, 5, 29, tzinfo=UTC))  # 1 h 59 min after the end
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "尚未销假") == 0
    clock.set(datetime(2026, 12, 7, 5, 30, tzinfo=UTC))
    await bot.run_due_jobs()
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "王芳（市财政局）的请假已于 12月7日（周一）11:30 结束") == 1
    assert count(people.manager2, "尚未销假") == 1
    clock.advance(timedelta(hours=5))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.manager, "尚未销假") == 1


async def test_back_during_leave_ends_it_early_and_gives_hours_back(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await approved(bot, people.trainee, people.manager, "S01", "S02")
    clock.set(datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # after S01, before S02 (14:30 local)
    [reply] = await people.trainee.says("/back")
    assert reply.text == "已销假，欢迎回来。未用的 3 学时已退回。"
    request = await leave.get_request(db, request_id)
    assert request.hours == 3 and request.ended_early_at is not None
    assert await leave.on_leave_session_ids(db, request.person_id, request.class_id) == {
        await session_id(db, "S01")
    }


async def checkin(
    bot: BotHarness, person_id: int, class_id: int, session: int, at: datetime
) -> list[int]:
    data = bot.app.bot_data

    async def op(tx: Tx) -> list[int]:
        await tx.execute(
            "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method, updated_at)"
            " VALUES (?, ?, ?, 'code', ?)",
            (session, person_id, to_db(at), to_db(at)),
        )
        return await limit.after_checkin(
            tx, data, class_id=class_id, person_id=person_id, session_id=session, now=at
        )

    return await bot.db.write(op)


async def test_a_checkin_during_leave_ends_it_early(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await approved(bot, people.trainee, people.manager, "S01", "S02")
    request = await leave.get_request(db, request_id)
    at = datetime(2026, 12, 7, 6, 35, tzinfo=UTC)  # five minutes into S02
    clock.set(at)
    s02 = await session_id(db, "S02")
    assert await checkin(bot, request.person_id, request.class_id, s02, at) == [request_id]
    after = await leave.get_request(db, request_id)
    assert after.hours == 3 and after.ended_early_at == at and after.reported_back_at == at
    assert await leave.on_leave_session_ids(db, request.person_id, request.class_id) == {
        await session_id(db, "S01")
    }
    assert "leave.end_early" in await audit_actions(db, request_id)
    await bot.deliver_outbox()
    assert said(people.trainee, "请假提前结束").text.endswith("未用的 3 学时已退回。")
    # A second check-in changes nothing more.
    s03 = await session_id(db, "S03")
    assert (
        await checkin(bot, request.person_id, request.class_id, s03, at + timedelta(days=1)) == []
    )


async def test_a_checkin_after_the_leave_counts_as_reporting_back(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await approved(bot, people.trainee, people.manager, "S01")
    request = await leave.get_request(db, request_id)
    at = datetime(2026, 12, 7, 6, 20, tzinfo=UTC)
    clock.set(at)
    assert await checkin(
        bot, request.person_id, request.class_id, await session_id(db, "S02"), at
    ) == [request_id]
    after = await leave.get_request(db, request_id)
    assert after.reported_back_at == at and after.ended_early_at is None and after.hours == 3


async def test_missed_sessions_count_toward_the_limit_once_closed(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await approved(bot, people.trainee, people.manager, "S02")
    request = await leave.get_request(db, request_id)

    async def hours(now: datetime) -> Fraction:
        info = await class_info(db, request.class_id)  # check-out closes 30 min after the end
        return await figures.missed_hours(db, info, request.person_id, now)

    assert await hours(datetime(2026, 12, 7, 3, 59, tzinfo=UTC)) == 0  # S01 not closed yet
    assert await hours(datetime(2026, 12, 7, 4, 0, tzinfo=UTC)) == 3  # closed: absent
    # S02 is covered by approved leave: never counted as missed.
    assert await hours(datetime(2026, 12, 8, 0, 0, tzinfo=UTC)) == 3

    # A manager's mark wins: "present" on S01 takes it off, "absent" on S03 puts it on.
    async def mark(tx: Tx) -> None:
        for ext, status in (("S01", "present"), ("S03", "absent")):
            await tx.execute(
                "INSERT INTO attendance (session_id, person_id, override_status, updated_at)"
                " VALUES (?, ?, ?, '2026-12-08T00:00:00+00:00')",
                (await session_id(db, ext), request.person_id, status),
            )

    await db.write(mark)
    assert await hours(datetime(2026, 12, 8, 4, 0, tzinfo=UTC)) == 3  # S03 only


async def test_limit_warnings_50_80_100_each_exactly_once(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)

    async def half(tx: Tx) -> None:
        row = await tx.fetchone("SELECT id, settings FROM classes")
        settings = replace(class_settings.from_json(row[1]), leave_limit_ratio=Fraction(1, 2))
        await tx.execute(
            "UPDATE classes SET settings = ? WHERE id = ?",
            (class_settings.to_json(settings), row[0]),
        )

    await db.write(half)  # limit: 29.5 / 2 = 14.75 class hours
    for sessions in ("S01", "S02"):  # 3 then 6 hours: under 50%
        await approved(bot, people.trainee, people.manager, sessions)
    assert count(people.trainee, "提醒") == 0
    await approved(bot, people.trainee, people.manager, "S03")  # 9: 61%
    assert count(people.trainee, "已超过上限的 50%") == 1
    assert count(people.manager, "王芳（市财政局）的请假已超过上限的 50%") == 1
    assert count(people.manager2, "已超过上限的 50%") == 1
    await approved(bot, people.trainee, people.manager, "S04")  # 12: 81%
    assert count(people.trainee, "已超过上限的 80%") == 1
    # The next one would take her past the limit: the preview and the card say so first.
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S07")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())
    [attach] = await people.trainee.says("出差")
    await people.trainee.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    preview = people.trainee.last()
    assert "批准后将超过请假上限" in preview.text
    await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    request_id = (await db.fetchone("SELECT max(id) FROM leave_requests"))[0]
    await bot.deliver_outbox()
    assert "批准后将超过请假上限" in card_of(people.manager, request_id).text
    await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    await bot.deliver_outbox()  # 15: 102%
    assert count(people.trainee, "您的请假已超过上限：") == 1
    assert count(people.manager, "这将导致责令退学") == 1
    assert count(people.admin, "这将导致责令退学") == 1
    assert count(people.admin, "已超过上限的 50%") == 0  # admins hear only of the limit
    await approved(bot, people.trainee, people.manager, "S08")  # 18: nothing new
    for fragment in ("已超过上限的 50%", "已超过上限的 80%", "您的请假已超过上限："):
        assert count(people.trainee, fragment) == 1
    rows = await db.fetchall(
        "SELECT json_extract(details, '$.threshold') FROM audit_log"
        " WHERE action = 'leave.limit_warning' ORDER BY id"
    )
    assert [r[0] for r in rows] == [50, 80, 100]


async def test_withdrawn_leave_is_not_counted_and_warnings_are_not_repeated(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await approved(bot, people.trainee, people.manager, "S03")  # 3 of 4.2: 71%
    assert count(people.trainee, "已超过上限的 50%") == 1
    await people.trainee.presses(1, LeaveCancel(request_id).pack())
    request = await leave.get_request(db, request_id)
    assert request.status == "withdrawn"
    assert await leave.approved_hours(db, request.class_id, request.person_id) == {}
    await approved(bot, people.trainee, people.manager, "S04")
    assert count(people.trainee, "已超过上限的 50%") == 1
