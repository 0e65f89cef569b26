"""Leave types (病假/事假/公假), leave after the fact (补假), and leave a class manager records
for a trainee who asked by phone (代请假)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.buttons import LeaveForm, LeaveKind, LeavePick, LeaveStep
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from storage.db import Database
from tests.harness import BotHarness, set_settings
from tests.harness import session_id as sid_of
from tests.leave.helpers import (
    alert,
    ask,
    card_of,
    cast,
    count,
    manager_of_another_class,
    said,
    snapshot,
    status_of,
)

S01_END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)  # 11:30 local
AFTERNOON = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 14:00 local: S01 is over, missed


async def test_the_type_is_chosen_shown_and_counted_as_the_class_says(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    await set_settings(db, leave_types="病假,事假,公假:否")
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await sid_of(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    kinds = people.trainee.last()
    assert kinds.button_texts == ["病假", "事假", "公假"]
    before = await snapshot(db)
    await people.trainee.presses(picker.message_id, LeaveKind(3).pack())  # forged: no 4th type
    assert alert(bot) == "本班没有这个请假类型，请重新选择。"
    assert await snapshot(db) == before
    await people.trainee.presses(picker.message_id, LeaveKind(2).pack())
    [attach] = await people.trainee.says("市里抽调参加防汛工作")
    await people.trainee.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    preview = people.trainee.last()
    assert "类型：公假（不计入请假上限）" in preview.text
    assert "批准后已用 0 学时" in preview.text  # official duty does not use the limit
    await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    request_id = (await db.fetchone("SELECT max(id) FROM leave_requests"))[0]
    assert tuple(await db.fetchone("SELECT leave_type FROM leave_requests")) == ("official",)
    await bot.deliver_outbox()
    card = card_of(people.manager, request_id)
    assert "类型：公假（不计入请假上限）" in card.text
    await people.manager.presses_button(card, "✅ 批准")
    await bot.deliver_outbox()
    assert said(people.trainee, "已批准（3 学时，公假（不计入请假上限））")
    assert count(people.trainee, "已超过上限") == 0  # 3 of 4.2 would be 71%: not counted

    # Sick leave counts: the card's meter shows the official leave apart, and it warns.
    sick = await ask(bot, people.trainee, "S04", kind=0)
    await bot.deliver_outbox()
    card = card_of(people.manager, sick)
    assert "类型：病假" in card.text and "另有 3 学时请假的类型不计入上限" in card.text
    await people.manager.presses_button(card, "✅ 批准")
    await bot.deliver_outbox()
    assert count(people.trainee, "已超过上限的 50%") == 1


async def test_a_type_the_class_no_longer_has_is_refused_at_send(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await sid_of(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(2).pack())  # 公假
    [attach] = await people.trainee.says("出差")
    await people.trainee.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    preview = people.trainee.last()
    await set_settings(db, leave_types="病假,事假")  # a re-import drops 公假 meanwhile
    before = await snapshot(db)
    await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    assert alert(bot) == "本班没有这个请假类型，请重新选择。"
    assert await snapshot(db) == before


async def test_leave_after_the_fact_is_marked_counted_once_and_needs_no_report_back(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    clock.set(AFTERNOON)  # fell ill in the morning: S01 was missed
    await bot.run_due_jobs()
    [picker] = await people.trainee.says("/leave")
    first = picker.button_texts[1]
    assert first.startswith("⬜ 补 08:30 开班式")
    assert "标“补”的课程已开始或已结束" in picker.text
    request_id = await ask(bot, people.trainee, "S01", reason="凌晨发烧就医", kind=0)
    row = await db.fetchone("SELECT retroactive, leave_type FROM leave_requests")
    assert tuple(row) == (1, "sick")
    entry = await db.fetchone("SELECT details FROM audit_log WHERE action = 'leave.request'")
    assert json.loads(entry[0])["after_the_fact"] is True and json.loads(entry[0])["type"] == "sick"
    await bot.deliver_outbox()
    card = card_of(people.manager, request_id)
    assert "类型：病假 · 补假（事后补请）" in card.text
    # S01 is counted once: as missed now, as leave once approved, never both.
    assert "缺勤 3" not in card.text and "批准后已用 3 学时" in card.text
    await people.manager.presses_button(card, "✅ 批准")
    await bot.deliver_outbox()
    assert await status_of(db, request_id) == "approved"
    approved = said(people.trainee, "您的请假申请已批准")
    assert "销假" not in approved.text and not approved.button_texts
    assert count(people.trainee, "已超过上限的 50%") == 1  # 3 of 4.2: counted in the limit
    back = await db.fetchone("SELECT reported_back_at FROM leave_requests")
    assert back[0] is not None  # nothing to come back from
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert count(people.trainee, "请销假") == 0
    # Undecided leave after the fact does not expire at once: it waits two days.
    other = await ask(bot, people.other, "S01", reason="家里急事")
    clock.advance(timedelta(days=1))
    await bot.run_due_jobs()
    assert await status_of(db, other) == "pending"
    clock.advance(timedelta(days=1))
    await bot.run_due_jobs()
    assert await status_of(db, other) == "expired"


async def test_after_the_fact_only_within_the_class_days_and_not_for_attended_sessions(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none", correction_days=1)
    people = await cast(bot)
    clock.set(S01_END - timedelta(hours=2))
    await people.other.says("/checkin")  # 李强 came to S01
    clock.set(S01_END + timedelta(hours=23))  # 10:30 the next day: within one day
    [picker] = await people.trainee.says("/leave")
    assert any("开班式" in label for label in picker.button_texts)
    [picker] = await people.other.says("/leave")
    assert not any("开班式" in label for label in picker.button_texts)  # attended
    before = await snapshot(db)
    await people.other.presses(picker.message_id, LeavePick(await sid_of(db, "S01")).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    clock.set(S01_END + timedelta(days=1, minutes=1))  # past the allowed day
    [picker] = await people.trainee.says("/leave")
    assert not any("开班式" in label for label in picker.button_texts)
    assert await snapshot(db) == {**before, "forms": (await snapshot(db))["forms"]}


async def test_a_manager_records_leave_for_a_trainee_who_called(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    clock.set(AFTERNOON)
    await bot.run_due_jobs()
    [picker] = await people.manager.says("/leave 王芳")
    assert "代 王芳 登记请假" in picker.text
    assert picker.button_texts[1].startswith("⬜ 补 08:30 开班式")
    for ext in ("S01", "S02"):
        await people.manager.presses(picker.message_id, LeavePick(await sid_of(db, ext)).pack())
    await people.manager.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.manager.presses(picker.message_id, LeaveKind(0).pack())
    [attach] = await people.manager.says("学员电话请假：急性肠胃炎，在医院输液")
    await people.manager.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    preview = people.manager.last()
    assert "代 王芳 登记的请假" in preview.text and "补假" in preview.text
    send = bot.telegram.press(
        people.manager.id, preview.message_id, LeaveForm(LeaveStep.SEND).pack()
    )
    await bot.feed(people.manager, send)
    assert "已为 王芳 登记请假（6 学时），已批准" in people.manager.last().text
    await bot.redeliver(people.manager, send)  # a double tap records nothing more
    [row] = await db.fetchall(
        "SELECT status, recorded_by, retroactive, leave_type FROM leave_requests"
    )
    manager_id = (await db.fetchone("SELECT id FROM people WHERE name = '李红梅'"))[0]
    assert tuple(row) == ("approved", manager_id, 1, "sick")
    audit = await db.fetchone(
        "SELECT actor_id, details FROM audit_log WHERE action = 'leave.record_for'"
    )
    assert audit[0] == manager_id
    assert json.loads(audit[1])["reason"] == "学员电话请假：急性肠胃炎，在医院输液"
    await bot.deliver_outbox()
    told = said(people.trainee, "班主任 李红梅 已为您登记请假")
    assert "6 学时，病假 · 补假" in told.text and "急性肠胃炎" in told.text
    # S01's absence had passed 50% at its close; the recorded leave takes it over the limit
    # (S01 counted once, as leave now), and the deciders hear of it.
    assert count(people.trainee, "您的请假已超过上限：已用 6 学时") == 1
    await bot.deliver_outbox()
    assert count(people.manager, "王芳（市财政局）的请假已超过上限（") == 1


async def test_recording_for_someone_refusals(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    stranger = await manager_of_another_class(bot)
    before = await snapshot(db)
    [reply] = await stranger.says("/leave 王芳")  # a manager of another class
    assert "没有找到学员「王芳」" in reply.text
    [reply] = await people.manager.says("/leave 不存在的人")
    assert "没有找到学员" in reply.text
    [reply] = await people.manager.says("/leave 0000")
    assert "没有找到学员" in reply.text
    [reply] = await people.admin.says("/leave 王芳")  # an admin records no leave
    assert "只有培训班的学员可以请假" in reply.text
    assert await snapshot(db) == before
    # A trainee's /leave with words after it is just their own form.
    [picker] = await people.trainee.says("/leave 王芳")
    assert "代" not in picker.text and "请选择要请假的课程" in picker.text
    # The manager's form for a trainee: an empty reason is refused, nothing is recorded.
    [picker] = await people.manager.says("/leave 0002")  # 王芳's phone ends 0002
    await people.manager.presses(picker.message_id, LeavePick(await sid_of(db, "S03")).pack())
    await people.manager.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.manager.presses(picker.message_id, LeaveKind(1).pack())
    [reply] = await people.manager.says("   ")
    assert "不能为空" in reply.text
    assert await db.fetchone("SELECT 1 FROM leave_requests") is None


async def test_recorded_leave_longer_than_a_day_still_goes_to_the_school(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.manager.says("/leave 王芳")
    for ext in ("S03", "S05"):
        await people.manager.presses(picker.message_id, LeavePick(await sid_of(db, ext)).pack())
    await people.manager.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.manager.presses(picker.message_id, LeaveKind(1).pack())
    [attach] = await people.manager.says("单位临时抽调")
    await people.manager.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    await people.manager.presses(people.manager.last().message_id, LeaveForm(LeaveStep.SEND).pack())
    assert "还需学校审批" in people.manager.last().text
    request_id = (await db.fetchone("SELECT id FROM leave_requests"))[0]
    assert await status_of(db, request_id) == "pending"
    await bot.deliver_outbox()
    card = next(m for m in people.admin.chat() if "由班主任 李红梅 代为登记" in (m.text or ""))
    await people.admin.presses_button(card, "✅ 批准")
    assert await status_of(db, request_id) == "approved"
