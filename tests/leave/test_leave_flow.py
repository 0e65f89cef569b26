"""The life of a leave request through the Application: ask, decide, cancel, report back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Bot

from bot.buttons import (
    LeaveApprove,
    LeaveCancel,
    LeaveDay,
    LeaveForm,
    LeaveKind,
    LeavePick,
    LeaveStep,
)
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.outbox import Outbox
from bot.testing import FakeRequest, FakeTelegram
from storage import forms
from storage.db import Database
from storage.forms import FormKind
from storage.imports import apply_plan
from tests.harness import BotHarness, Person, session_id
from tests.leave.helpers import (
    TRAINEE_PHONE,
    alert,
    ask,
    audit_actions,
    card_of,
    cast,
    said,
    shown,
    snapshot,
    status_of,
)


async def test_picker_groups_sessions_by_day_with_whole_day_buttons(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    labels = picker.button_texts
    assert labels[0] == "📅 12月7日（周一）全天"
    assert labels[1].startswith("⬜ 08:30 开班式")
    assert "📅 12月8日（周二）全天" in labels
    assert labels[-2:] == ["下一步", "放弃"]
    # The whole day picks both sessions of the 7th; the form is in the database.
    await people.trainee.presses(picker.message_id, LeaveDay("2026-12-07").pack())
    shown = people.trainee.last()
    assert shown.button_texts[0] == "✅ 12月7日（周一）全天"
    assert "已选 2 节，共 6 学时" in shown.text
    form = await _form_of_trainee(db)
    assert len(form["chosen"]) == 2 and form["step"] == "pick"
    # Pressing it again clears the day.
    await people.trainee.presses(picker.message_id, LeaveDay("2026-12-07").pack())
    assert (await _form_of_trainee(db))["chosen"] == []


async def _form_of_trainee(db: Database) -> dict:
    row = await db.fetchone(
        "SELECT f.person_id FROM forms f JOIN people p ON p.id = f.person_id"
        " WHERE p.phone = '15000150002' AND f.kind = 'leave'"
    )
    return await forms.get(db, row[0], FormKind.LEAVE)


async def test_preview_shows_hours_and_the_running_total_against_the_limit(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    kinds = people.trainee.last()
    assert "请选择请假类型" in kinds.text and kinds.button_texts == ["病假", "事假", "公假"]
    await people.trainee.presses(picker.message_id, LeaveKind(0).pack())
    assert "请假事由" in people.trainee.last().text
    await people.trainee.says("发烧需要就医")
    [preview] = await bot.feed(people.trainee, bot.telegram.send_photo(people.trainee.id, b"jpeg"))
    # 29.5 class hours in the example; 1/7 of it is 4.21...
    assert "请假上限 4.2 学时（总学时 29.5 的七分之一）" in preview.text
    assert "已用 0 学时，还可请 4.2 学时" in preview.text
    assert "本次请假 3 学时：批准后已用 3 学时，还可请 1.2 学时" in preview.text
    assert "发烧需要就医" in preview.text and "附件：照片" in preview.text
    assert "超过请假上限" not in preview.text
    assert preview.button_texts == ["提交", "放弃"]
    assert tuple(await db.fetchone("SELECT count(*) FROM leave_requests")) == (0,)


async def test_approve_at_one_level_edits_the_other_card_and_tells_the_trainee(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03", photo=b"doctor-note")
    assert "已提交" in people.trainee.last().text
    await bot.deliver_outbox()
    card = card_of(people.manager, request_id)
    other = card_of(people.manager2, request_id)
    assert "王芳" in card.text and "家中有事需要处理" in card.text and "请假上限 4.2" in card.text
    assert card.button_texts == ["✅ 批准", "❌ 不批准"]
    # The doctor's note went to both managers before the card.
    assert [m.kind for m in people.manager.chat() if m.from_bot][-2:] == ["photo", "text"]

    await people.manager.presses_button(card, "✅ 批准")
    assert await status_of(db, request_id) == "approved"
    assert "已批准" in people.manager.last().text and not people.manager.last().button_texts
    await bot.deliver_outbox()
    edited = shown(people.manager2, other.message_id)
    assert edited.edited
    assert "李红梅 批准" in edited.text and not edited.button_texts
    told = said(people.trainee, "您的请假申请已批准")
    assert told.button_texts == ["撤销请假"]
    assert await audit_actions(db, request_id) == ["leave.request", "leave.decide"]

    # A late press on the other card is told who decided, and changes nothing.
    before = await snapshot(db)
    await people.manager2.presses(other.message_id, LeaveApprove(request_id, 1).pack())
    assert "李红梅 已于 12月7日（周一）08:00 处理了这份申请" in alert(bot)
    assert await snapshot(db) == before


async def one_decision(db: Database, request_id: int) -> tuple[str, str]:
    """The only decision on the request (who, what), checked against everything it causes."""
    rows = await db.fetchall(
        "SELECT p.name, d.decision FROM leave_decisions d JOIN people p ON p.id = d.decided_by"
        " WHERE d.request_id = ?",
        (request_id,),
    )
    assert len(rows) == 1, rows
    name, decision = rows[0]
    expected = {"approve": "approved", "reject": "rejected"}[decision]
    assert await status_of(db, request_id) == expected
    assert (await audit_actions(db, request_id)).count("leave.decide") == 1
    told = await db.fetchall(
        "SELECT 1 FROM outbox WHERE idempotency_key LIKE ?", (f"leave:{request_id}:decided:%",)
    )
    assert len(told) == 1  # the trainee hears one decision
    return name, decision


async def test_two_approvals_at_once_record_one(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    a, b = card_of(people.manager, request_id), card_of(people.manager2, request_id)
    await asyncio.gather(
        people.manager.presses(a.message_id, LeaveApprove(request_id, 1).pack()),
        people.manager2.presses(b.message_id, LeaveApprove(request_id, 1).pack()),
    )
    name, decision = await one_decision(db, request_id)
    assert decision == "approve"
    # The one who lost is told who won, in an alert.
    answers = [c.params.get("text") for c in bot.telegram.calls_of("answerCallbackQuery")[-2:]]
    assert [t for t in answers if t] == [f"{name} 已于 12月7日（周一）08:00 处理了这份申请。"]


@pytest.mark.parametrize("approve_first", [True, False])
async def test_an_approval_and_a_rejection_reason_at_once_give_one_decision(
    bot: BotHarness, example_class: ClassPlan, db: Database, approve_first: bool
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    # 陈志远 pressed Reject: the decision waits for his reason, which he sends just as
    # 李红梅 presses Approve.
    await people.manager2.presses_button(card_of(people.manager2, request_id), "❌ 不批准")
    assert await status_of(db, request_id) == "pending"
    card = card_of(people.manager, request_id)
    approving = people.manager.presses(card.message_id, LeaveApprove(request_id, 1).pack())
    rejecting = people.manager2.says("本周课程重要")
    pair = (approving, rejecting) if approve_first else (rejecting, approving)
    await asyncio.gather(*pair)
    name, decision = await one_decision(db, request_id)
    assert await db.fetchone("SELECT 1 FROM forms WHERE kind = 'leave_reject'") is None
    if decision == "approve":
        assert name == "李红梅"
        assert people.manager2.last().text == "没有记录：这份申请已经有人处理，或已被取消。"
    else:
        assert name == "陈志远"
        assert people.manager2.last().text == "已记录不批准，并已通知学员。"
        assert alert(bot) == "陈志远 已于 12月7日（周一）08:00 处理了这份申请。"


async def test_two_levels_manager_then_admin(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03", "S05")  # two days: the school too
    assert "之后还需学校审批" in people.trainee.last().text
    await bot.deliver_outbox()
    # The admin cannot decide before the class manager.
    before = await snapshot(db)
    await people.admin.presses(1, LeaveApprove(request_id, 2).pack())
    assert alert(bot) == "请等班主任先审批。"
    assert await snapshot(db) == before
    # A manager cannot give the school's approval.
    await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    await bot.deliver_outbox()
    assert "正在等待学校审批" in people.trainee.last().text
    assert await status_of(db, request_id) == "pending"
    before = await snapshot(db)
    await people.manager2.presses(1, LeaveApprove(request_id, 2).pack())
    assert alert(bot) == "只有学校管理员可以做第二级审批。"
    assert await snapshot(db) == before

    card = card_of(people.admin, request_id)
    assert "第二级（学校）" in card.text and "第一级（班主任）：李红梅 批准" in card.text
    await people.admin.presses_button(card, "✅ 批准")
    await bot.deliver_outbox()
    assert await status_of(db, request_id) == "approved"
    told = said(people.trainee, "您的请假申请已批准").text
    assert "第二级（学校）：孙丽 批准" in told


async def test_reject_asks_for_a_reason_and_tells_the_trainee(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    await people.manager.presses_button(card_of(people.manager, request_id), "❌ 不批准")
    assert "不批准的理由" in people.manager.last().text
    assert await status_of(db, request_id) == "pending"
    before = await snapshot(db)
    [reply] = await people.manager.says("x" * 501)
    assert "太长" in reply.text
    assert await snapshot(db) == before
    [reply] = await people.manager.says("本周课程重要，请安排好工作")
    assert reply.text == "已记录不批准，并已通知学员。"
    assert await status_of(db, request_id) == "rejected"
    await bot.deliver_outbox()
    told = people.trainee.last().text
    assert "未获批准" in told and "本周课程重要" in told
    other = said(people.manager2, "未批准")
    assert other.edited
    # The reason form is gone: the next text is not a reason.
    assert tuple(await db.fetchone("SELECT count(*) FROM forms WHERE kind = 'leave_reject'")) == (
        0,
    )


async def test_cancel_pending_then_a_decision_is_refused(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    sent = people.trainee.last()
    await people.trainee.presses_button(sent, "取消申请")
    assert people.trainee.last().text == "请假申请已取消，已通知班主任。"
    assert await status_of(db, request_id) == "cancelled"
    assert await audit_actions(db, request_id) == ["leave.request", "leave.cancel"]
    await bot.deliver_outbox()
    told = [m.text for m in people.manager.chat() if m.from_bot]
    assert any("取消了请假申请" in t for t in told)
    assert card_of_gone(people.manager, request_id)
    before = await snapshot(db)
    await people.manager2.presses(1, LeaveApprove(request_id, 1).pack())
    assert "已取消" in alert(bot)
    assert await snapshot(db) == before


def card_of_gone(person, request_id: int) -> bool:
    try:
        card_of(person, request_id)
    except AssertionError:
        return True
    return False


async def test_withdraw_before_start_but_not_after(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    first = await ask(bot, people.trainee, "S03")
    second = await ask(bot, people.trainee, "S01")
    await bot.deliver_outbox()
    for request_id in (first, second):
        await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    await bot.deliver_outbox()
    approved = [m for m in people.trainee.chat() if m.from_bot and "撤销请假" in m.button_texts]
    assert len(approved) == 2
    # S01 starts at 08:30: after that its leave can no longer be withdrawn.
    clock.set(datetime(2026, 12, 7, 0, 31, tzinfo=UTC))
    before = await snapshot(db)
    await people.trainee.presses(approved[1].message_id, LeaveCancel(second).pack())
    assert "不能取消或撤销" in alert(bot)
    assert await snapshot(db) == before
    await people.trainee.presses(approved[0].message_id, LeaveCancel(first).pack())
    assert await status_of(db, first) == "withdrawn"
    assert "leave.withdraw" in await audit_actions(db, first)
    await bot.deliver_outbox()
    assert "撤销了已批准的请假" in people.manager.last().text


async def test_pending_lists_what_waits_for_each_decider(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    one = await ask(bot, people.trainee, "S03")
    two = await ask(bot, people.other, "S04", "S05")
    [reply] = await people.trainee.says("/pending")
    assert "只有班主任和管理员" in reply.text
    replies = await people.manager.says("/pending")
    assert "有 2 份请假申请" in replies[0].text and len(replies) == 3
    [none] = await people.admin.says("/pending")
    assert "没有等待您审批" in none.text
    await people.manager.presses_button(replies[2], "✅ 批准")
    assert await status_of(db, two) == "pending"
    admin = await people.admin.says("/pending")
    assert "有 1 份" in admin[0].text and "李强" in admin[1].text
    assert await status_of(db, one) == "pending"


async def test_english_trainee_reads_english(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot, trainee_locale="en")
    [picker] = await people.trainee.says("/leave")
    assert picker.button_texts[0] == "📅 Mon Dec 7, whole day"
    request_id = await ask(bot, people.trainee, "S03")
    assert "Leave request sent (3 class hours)" in people.trainee.last().text
    await bot.deliver_outbox()
    await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    await bot.deliver_outbox()
    assert said(people.trainee, "Your leave is approved (3 class hours, personal leave)")


async def test_restart_keeps_the_form(
    bot: BotHarness,
    example_class: ClassPlan,
    db: Database,
) -> None:
    people = await cast(bot)
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S03")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await bot.restart()  # nothing of the form was kept in memory
    await people.trainee.presses(picker.message_id, LeaveKind(0).pack())
    [reply] = await people.trainee.says("病假")
    assert "证明材料" in reply.text


async def test_time_passes_for_a_request(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")  # 12-08 08:30 local = 00:30 UTC
    await bot.deliver_outbox()
    assert len([m for m in people.manager.chat() if m.from_bot and m.button_texts]) == 1

    clock.advance(timedelta(hours=2))
    assert f"leave:{request_id}:nudge:after" in await bot.run_due_jobs()
    await bot.run_due_jobs()  # twice: still one nudge
    await bot.deliver_outbox()
    nudges = [m for m in people.manager.chat() if m.from_bot and "还在等待审批" in (m.text or "")]
    assert len(nudges) == 1

    clock.set(datetime(2026, 12, 7, 23, 30, tzinfo=UTC))  # one hour before the start
    await bot.run_due_jobs()
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    nudges = [m for m in people.manager.chat() if m.from_bot and "还在等待审批" in (m.text or "")]
    assert len(nudges) == 2

    clock.set(datetime(2026, 12, 8, 0, 30, tzinfo=UTC))  # it starts: nobody decided
    await bot.run_due_jobs()
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    assert await status_of(db, request_id) == "expired"
    assert "已过期" in people.trainee.last().text
    assert (await audit_actions(db, request_id)).count("leave.expire") == 1
    # Every card, the nudges too, now shows how it ended, without buttons.
    assert all(not m.button_texts for m in people.manager.chat() if m.from_bot)
    before = await snapshot(db)
    await people.manager.presses(nudges[0].message_id, LeaveApprove(request_id, 1).pack())
    assert "已过期" in alert(bot)
    assert await snapshot(db) == before


class _InFlight(FakeRequest):
    """Holds the second manager's card on its way until the first manager has decided."""

    def __init__(self, telegram: FakeTelegram, first: Person, second: Person) -> None:
        super().__init__(telegram)
        self.first, self.second = first, second
        self.first_card_out = asyncio.Event()
        self.decide: Callable[[], Awaitable[None]] | None = None

    async def do_request(self, url: str, method: str, request_data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        chat = (request_data.json_parameters if request_data else {}).get("chat_id")
        if url.endswith("/sendMessage") and chat == str(self.second.id) and self.decide:
            decide, self.decide = self.decide, None
            await self.first_card_out.wait()
            await decide()  # the request is decided while this card is on its way
        answer = await super().do_request(url, method, request_data, *args, **kwargs)
        if url.endswith("/sendMessage") and chat == str(self.first.id):
            self.first_card_out.set()
        return answer


async def test_a_card_in_flight_when_another_manager_decides_is_closed_too(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    request = _InFlight(bot.telegram, people.manager, people.manager2)

    async def decide() -> None:
        await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")

    request.decide = decide
    sender = Outbox(Bot(bot.telegram.token, request=request), db, clock)
    await sender.flush()  # both cards; the second goes out after the decision dropped it
    assert await status_of(db, request_id) == "approved"
    await sender.flush()
    [other] = [m for m in people.manager2.chat() if (m.text or "").startswith("请假申请")]
    assert other.edited and "李红梅 批准" in other.text and not other.button_texts
    # The presser's own card was edited by the press itself, and only once.
    [own] = [m for m in people.manager.chat() if (m.text or "").startswith("请假申请")]
    assert "已批准" in own.text and not own.button_texts
    failed = await db.fetchone("SELECT count(*) FROM outbox WHERE status = 'failed'")
    assert failed[0] == 0


async def test_deciding_on_a_card_pending_sent_again_closes_the_first_card_too(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    first = card_of(people.manager, request_id)  # the card the outbox brought
    replies = await people.manager.says("/pending")  # the same card, sent again
    await people.manager.presses_button(replies[-1], "✅ 批准")
    await bot.deliver_outbox()
    again = shown(people.manager, first.message_id)
    assert again.edited and not again.button_texts and "已批准" in again.text
    assert not shown(people.manager, replies[-1].message_id).button_texts


async def test_a_trainee_taken_off_the_roster_has_their_pending_leave_closed(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    request_id = await ask(bot, people.trainee, "S03")
    await bot.deliver_outbox()
    card = card_of(people.manager, request_id)
    plan = replace(
        example_class, people=tuple(p for p in example_class.people if p.phone != TRAINEE_PHONE)
    )
    await apply_plan(db, plan, clock.now())  # the re-import, as another process makes it
    await bot.app.bot_data.scheduler.check_changes()
    await bot.deliver_outbox()
    assert await status_of(db, request_id) == "cancelled"
    assert "leave.close_removed" in await audit_actions(db, request_id)
    closed = shown(people.manager, card.message_id)
    assert closed.edited and not closed.button_texts
    await bot.app.bot_data.scheduler.check_changes()  # looking again changes nothing
    assert (await audit_actions(db, request_id)).count("leave.close_removed") == 1
