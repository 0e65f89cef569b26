"""Every refusal of the leave feature: a clear answer and nothing changed in the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.buttons import (
    LeaveApprove,
    LeaveCancel,
    LeaveDay,
    LeaveForm,
    LeaveKind,
    LeavePick,
    LeaveReject,
    LeaveStep,
)
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from storage.db import Database
from tests.harness import BotHarness, session_id
from tests.leave.helpers import (
    alert,
    ask,
    card_of,
    cast,
    manager_of_another_class,
    snapshot,
    status_of,
)


async def test_a_trainee_cannot_decide(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    before = await snapshot(db)
    await people.other.presses(1, LeaveApprove(request_id, 1).pack())
    assert alert(bot) == "只有本班班主任可以审批这份请假申请。"
    await people.other.presses(1, LeaveReject(request_id, 1).pack())
    assert alert(bot) == "只有本班班主任可以审批这份请假申请。"
    assert await snapshot(db) == before


async def test_a_manager_of_another_class_cannot_decide(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    stranger = await manager_of_another_class(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    with pytest.raises(AssertionError):
        card_of(stranger, request_id)  # no card to another class's manager
    before = await snapshot(db)
    await stranger.presses(1, LeaveApprove(request_id, 1).pack())
    assert alert(bot) == "只有本班班主任可以审批这份请假申请。"
    await stranger.presses(1, LeaveReject(request_id, 1).pack())
    assert alert(bot) == "只有本班班主任可以审批这份请假申请。"
    [reply] = await stranger.says("/pending")
    assert reply.text == "目前没有等待您审批的请假或补卡申请。"
    assert await snapshot(db) == before
    assert await status_of(db, request_id) == "pending"


async def test_a_manager_removed_since_the_card_was_sent_cannot_decide(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    card = card_of(people.manager, request_id)

    async def drop(tx):
        await tx.execute(
            "UPDATE memberships SET active = 0 WHERE role = 'manager' AND person_id ="
            " (SELECT id FROM people WHERE phone = '13800138001')"
        )

    await db.write(drop)
    before = await snapshot(db)
    await people.manager.presses_button(card, "✅ 批准")
    assert alert(bot) == "只有本班班主任可以审批这份请假申请。"
    assert await snapshot(db) == before


async def test_nobody_decides_their_own_request(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)

    async def promote(tx):
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role)"
            " SELECT class_id, person_id, 'manager' FROM memberships m JOIN people p"
            " ON p.id = m.person_id WHERE p.phone = '15000150002'"
        )

    await db.write(promote)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    with pytest.raises(AssertionError):
        card_of(people.trainee, request_id)  # no card to oneself
    before = await snapshot(db)
    await people.trainee.presses(1, LeaveApprove(request_id, 1).pack())
    assert alert(bot) == "不能审批自己的请假申请。"
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    "data",
    ["1|la|abc|1", "1|la|999|1", "1|la|{id}|3", "1|la|{id}|0", "1|la|{id}", "1|lr|{id}|x", "junk"],
)
async def test_forged_or_malformed_decisions(
    bot: BotHarness, example_class: ClassPlan, db: Database, data: str
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    before = await snapshot(db)
    await people.manager.presses(
        card_of(people.manager, request_id).message_id, data.format(id=request_id)
    )
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await snapshot(db) == before


async def test_the_same_press_delivered_twice_decides_once(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    card = card_of(people.manager, request_id)
    update = bot.telegram.press(
        people.manager.id, card.message_id, LeaveApprove(request_id, 1).pack()
    )
    await bot.feed(people.manager, update)
    before = await snapshot(db)
    await bot.redeliver(people.manager, update)
    assert "李红梅 已于" in alert(bot)
    assert await snapshot(db) == before
    assert await status_of(db, request_id) == "approved"


async def test_the_same_command_delivered_twice(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    update = bot.telegram.send_text(people.trainee.id, "/leave")
    await bot.feed(people.trainee, update)
    before = await snapshot(db)
    [reply] = await bot.redeliver(people.trainee, update)
    assert reply.text == "这条消息已经处理过了。"
    assert await snapshot(db) == before


async def test_the_same_reason_delivered_twice(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())
    update = bot.telegram.send_text(people.trainee.id, "病假")
    await bot.feed(people.trainee, update)
    before = await snapshot(db)
    [reply] = await bot.redeliver(people.trainee, update)
    assert reply.text == "这条消息已经处理过了。"
    assert await snapshot(db) == before


async def test_a_replayed_send_makes_one_request(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    await ask(bot, people.trainee, "S03")
    preview = people.trainee.last()
    before = await snapshot(db)
    await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await snapshot(db) == before


async def test_a_rejected_request_cannot_be_approved(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    await people.manager.presses_button(card_of(people.manager, request_id), "❌ 不批准")
    await people.manager.says("不行")
    before = await snapshot(db)
    await people.manager2.presses(1, LeaveApprove(request_id, 1).pack())
    assert "李红梅 已于" in alert(bot)
    await people.manager.presses(1, LeaveReject(request_id, 1).pack())
    assert "李红梅 已于" in alert(bot)
    assert await snapshot(db) == before


async def test_leave_for_a_session_that_is_over(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S01")).pack())
    # S01 ended at 11:30 local; leave after the fact (补假) may cover it for two days.
    clock.set(datetime(2026, 12, 9, 3, 30, tzinfo=UTC))
    before = await snapshot(db)
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    assert alert(bot) == "所选课程结束已超过 2 天，不能再请假（补假）。"
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S01")).pack())
    assert alert(bot) == "所选课程结束已超过 2 天，不能再请假（补假）。"
    assert await snapshot(db) == before
    # A fresh /leave no longer offers it.
    [picker] = await people.trainee.says("/leave")
    assert not any("开班式" in label for label in picker.button_texts)


async def test_a_session_that_ends_before_sending_is_refused_at_send(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S01")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())
    [attach] = await people.trainee.says("有事")
    await people.trainee.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    preview = people.trainee.last()
    clock.set(datetime(2026, 12, 9, 3, 30, tzinfo=UTC))  # two days after S01 ended
    before = await snapshot(db)
    replies = await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    assert alert(bot) == "所选课程结束已超过 2 天，不能再请假（补假）。"
    assert "超过 2 天" in replies[-1].text and "/leave" in replies[-1].text
    assert await snapshot(db) == before


async def test_a_forged_session_is_refused(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    before = await snapshot(db)
    for data in (LeavePick(999).pack(), LeaveDay("2027-01-01").pack(), "1|lp|x"):
        await people.trainee.presses(picker.message_id, data)
        assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    assert alert(bot) == "请至少选择一节课程。"
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())  # not at this step
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.SEND).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("text", "answer"), [("   ", "不能为空"), ("长" * 501, "太长了（501 字）")]
)
async def test_an_empty_or_over_long_reason(
    bot: BotHarness, example_class: ClassPlan, db: Database, text: str, answer: str
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())
    before = await snapshot(db)
    [reply] = await people.trainee.says(text)
    assert answer in reply.text
    assert await snapshot(db) == before
    [reply] = await people.trainee.says("长" * 500)  # exactly the limit is fine
    assert "证明材料" in reply.text


async def test_someone_with_no_class_or_not_bound(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    before = await snapshot(db)
    [reply] = await people.manager.says("/leave")  # a manager records a trainee's leave
    assert "代学员登记请假" in reply.text and "/leave 姓名" in reply.text
    [reply] = await people.manager.says("/back")
    assert "只有培训班的学员可以请假" in reply.text
    stranger = bot.person()
    [reply] = await stranger.says("/leave")
    assert "还没有绑定" in reply.text
    await stranger.presses(1, LeaveApprove(1, 1).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await snapshot(db) == before


async def test_only_the_trainee_cancels_their_request(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    before = await snapshot(db)
    await people.other.presses(1, LeaveCancel(request_id).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    await people.manager.presses(1, LeaveCancel(request_id).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await snapshot(db) == before


async def test_a_text_with_no_form_goes_to_the_fallback(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [reply] = await people.trainee.says("你好")
    assert "没听懂" in reply.text or "/help" in reply.text


async def test_one_person_cannot_give_both_approvals(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)

    async def promote(tx):
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role)"
            " SELECT class_id, person_id, 'admin' FROM memberships m JOIN people p"
            " ON p.id = m.person_id WHERE p.phone = '13800138001' AND m.role = 'manager'"
        )

    await db.write(promote)
    request_id = await ask(bot, people.trainee, "S03", "S05")
    await bot.deliver_outbox()
    await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    await bot.deliver_outbox()
    before = await snapshot(db)
    await people.manager.presses(1, LeaveApprove(request_id, 2).pack())
    assert alert(bot) == "两级审批需由不同的人完成。"
    assert await snapshot(db) == before


async def test_a_document_note_reaches_the_managers(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())
    await people.trainee.says("病假")
    [preview] = await bot.feed(
        people.trainee, bot.telegram.send_document(people.trainee.id, "note.pdf", b"%PDF-1.4")
    )
    assert "附件：文件「note.pdf」" in preview.text  # the preview names the file
    await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    await bot.deliver_outbox()
    kinds = [m.kind for m in people.manager.chat() if m.from_bot]
    assert kinds[-2:] == ["document", "text"]
    assert "附件：文件" in people.manager.chat()[-1].text
