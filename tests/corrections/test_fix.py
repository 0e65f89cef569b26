"""/fix (补卡): a trainee asks, the class managers decide, the record is corrected."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.buttons import (
    FixApprove,
    FixCancel,
    FixPick,
    FixReject,
    FixStatus,
    FixStep,
    FixStepKind,
    MeSessions,
)
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules.attendance import Status
from storage.db import Database
from tests.harness import BotHarness, session_id, set_settings
from tests.leave.helpers import alert, cast, manager_of_another_class, said

S01_CLOSED = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)  # 12:30 local: S01's record is final
TABLES = ("attendance", "corrections", "audit_log", "outbox", "forms", "processed_updates")


async def rows(db: Database, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    """What a refusal must leave unchanged."""
    found = {}
    for table in tables or TABLES:
        found[table] = [tuple(r) for r in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1")]
    return found


def unchanged(before: dict, after: dict) -> bool:
    """Equal but for processed_updates (a refused update may be claimed, never acted on)."""
    return {k: v for k, v in before.items() if k != "processed_updates"} == {
        k: v for k, v in after.items() if k != "processed_updates"
    }


async def ask_fix(bot: BotHarness, trainee: Any, sid: int, status: Status, reason: str) -> int:
    """Walk /fix through to Send, without evidence; the new request's id."""
    [picker] = await trainee.says("/fix")
    await trainee.presses(picker.message_id, FixPick(sid).pack())
    await trainee.presses(picker.message_id, FixStatus(status).pack())
    [evidence] = await trainee.says(reason)
    await trainee.presses(evidence.message_id, FixStep(FixStepKind.SKIP).pack())
    await trainee.presses(evidence.message_id, FixStep(FixStepKind.SEND).pack())
    return (await bot.db.fetchone("SELECT max(id) FROM corrections"))[0]


def card_of(person: Any, correction_id: int) -> Any:
    """The latest message in a person's chat with the decision buttons of this request."""
    data = FixApprove(correction_id).pack()
    for message in reversed(person.chat()):
        rows_ = (message.reply_markup or {}).get("inline_keyboard", [])
        if any(b.get("callback_data") == data for row in rows_ for b in row):
            return message
    raise AssertionError(f"no card for correction {correction_id}")


async def test_a_correction_asked_approved_audited_and_told(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    s01 = await session_id(db)
    clock.set(S01_CLOSED)
    [picker] = await people.trainee.says("/fix")
    assert "补卡" in picker.text
    assert picker.button_texts == ["12月7日 08:30 开班式暨入学教育（缺勤）"]
    await people.trainee.presses(picker.message_id, FixPick(s01).pack())
    ask = people.trainee.last()
    assert "现在记为缺勤" in ask.text and ask.button_texts == ["出勤", "迟到", "早退"]
    await people.trainee.presses(picker.message_id, FixStatus(Status.PRESENT).pack())
    await bot.restart()  # the form waits in the database
    [evidence] = await people.trainee.says("手机没电，到场后随教师入场，有签到表为证")
    assert "跳过" in evidence.button_texts
    photo = bot.telegram.send_photo(people.trainee.id, b"jpeg-of-the-paper-sheet")
    [preview] = await bot.feed(people.trainee, photo)
    assert "缺勤 → 出勤" in preview.text and "证明：照片" in preview.text
    send = bot.telegram.press(
        people.trainee.id, preview.message_id, FixStep(FixStepKind.SEND).pack()
    )
    await bot.feed(people.trainee, send)
    sent = people.trainee.last()
    assert "补卡申请已提交（本班已用 1/3 次）" in sent.text and sent.button_texts == ["取消申请"]
    before = await rows(db)
    await bot.redeliver(people.trainee, send)  # a double tap sends nothing more
    assert unchanged(before, await rows(db))
    correction_id = (await db.fetchone("SELECT id FROM corrections"))[0]

    await bot.deliver_outbox()
    cards = [card_of(m, correction_id) for m in (people.manager, people.manager2)]
    assert all("缺勤 → 出勤" in c.text and "本班补卡：1/3 次" in c.text for c in cards)
    assert any(m.kind == "photo" for m in people.manager.chat())  # the evidence, first
    await people.manager.presses_button(cards[0], "✅ 批准")
    assert "已批准" in people.manager.last().text
    await bot.deliver_outbox()
    other = next(m for m in people.manager2.chat() if m.message_id == cards[1].message_id)
    assert other.edited and "李红梅 批准" in other.text and not other.button_texts
    before = await rows(db)
    await people.manager2.presses(cards[1].message_id, FixApprove(correction_id).pack())
    assert "李红梅 已经处理了" in alert(bot)  # the first decision won
    assert unchanged(before, await rows(db))

    [row] = await db.fetchall("SELECT override_status, override_reason FROM attendance")
    assert tuple(row) == ("present", "手机没电，到场后随教师入场，有签到表为证")
    entry = await db.fetchone(
        "SELECT actor_id, details FROM audit_log WHERE action = 'attendance.correction'"
    )
    manager_id = (await db.fetchone("SELECT id FROM people WHERE name = '李红梅'"))[0]
    details = json.loads(entry[1])
    assert entry[0] == manager_id and (details["before"], details["after"]) == ("absent", "present")
    assert "有签到表为证" in details["reason"]
    told = said(people.trainee, "您的补卡申请已批准")
    assert "由 缺勤 更正为 出勤" in told.text and "李红梅" in told.text


async def test_a_rejection_needs_a_reason_and_is_told(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot, trainee_locale="en")
    clock.set(S01_CLOSED)
    correction_id = await ask_fix(bot, people.trainee, await session_id(db), Status.LATE, "traffic")
    await bot.deliver_outbox()
    card = card_of(people.manager, correction_id)
    [ask] = await people.manager.presses(card.message_id, FixReject(correction_id).pack())
    assert "不批准的理由" in ask.text
    await bot.restart()  # the reason is still awaited
    before = await rows(db)
    [reply] = await people.manager.says("   ")
    assert "理由不能为空" in reply.text
    assert unchanged(before, await rows(db))
    [reply] = await people.manager.says("当天无人见到该学员")
    assert "已记录不批准" in reply.text
    await bot.deliver_outbox()
    told = said(people.trainee, "Your correction request was rejected")
    assert "stays absent" in told.text and "当天无人见到该学员" in told.text
    assert await db.fetchone("SELECT 1 FROM attendance WHERE override_status IS NOT NULL") is None
    decided = await db.fetchone("SELECT details FROM audit_log WHERE action = 'correction.decide'")
    assert json.loads(decided[0]) == {"decision": "reject", "reason": "当天无人见到该学员"}


async def test_corrections_that_change_nothing(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none", correction_max=1)
    people = await cast(bot)
    s01, s02 = await session_id(db), await session_id(db, "S02")
    stranger = await manager_of_another_class(bot)
    clock.set(S01_CLOSED)
    correction_id = await ask_fix(bot, people.trainee, s01, Status.PRESENT, "忘记签到")
    await bot.deliver_outbox()
    before = await rows(db)

    # The cap (1 in this class) is used: no second request.
    [reply] = await people.trainee.says("/fix")
    assert "已达上限（1 次" in reply.text
    # A manager of another class, the trainee themself, another trainee: not theirs.
    [seen] = await stranger.says("/help")
    await stranger.presses(seen.message_id, FixApprove(correction_id).pack())
    assert alert(bot) == "只有本班班主任可以审批这份补卡申请。"
    await people.other.presses(seen.message_id, FixApprove(correction_id).pack())
    assert alert(bot) == "只有本班班主任可以审批这份补卡申请。"
    await people.other.presses(seen.message_id, FixCancel(correction_id).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    # Forged data, and a session the trainee never picked from the list.
    sent = next(m for m in reversed(people.trainee.chat()) if "补卡申请已提交" in (m.text or ""))
    await people.trainee.presses(sent.message_id, "1|fa|x")
    await people.trainee.presses(sent.message_id, FixPick(s02).pack())
    await people.trainee.presses(sent.message_id, FixStatus(Status.PRESENT).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert unchanged(before, await rows(db))

    # Cancelled: its place is given back, the cards say so; a second cancel is refused.
    await people.trainee.presses_button(sent, "取消申请")
    shown = next(m for m in people.trainee.chat() if m.message_id == sent.message_id)
    assert "补卡申请已取消" in shown.text
    await bot.deliver_outbox()
    assert "学员已取消" in next(
        m.text for m in people.manager.chat() if "补卡申请" in (m.text or "")
    )
    await people.trainee.presses(sent.message_id, FixCancel(correction_id).pack())
    assert "无需再审批" in alert(bot)

    # A duplicate of a pending request: refused at the pick.
    await set_settings(db, checkin_mode="none", correction_max=3)
    await ask_fix(bot, people.trainee, s01, Status.PRESENT, "再申请一次")
    [picker] = await people.trainee.says("/fix")
    before = await rows(db)
    await people.trainee.presses(picker.message_id, FixPick(s01).pack())
    assert alert(bot) == "这节课已有一份补卡申请在等待审批。"
    assert unchanged(before, await rows(db))

    # Past the allowed days: the list is empty, and an old button is refused.
    clock.set(datetime(2026, 12, 9, 3, 31, tzinfo=UTC))  # two days after S01 ended
    before = await rows(db)
    await people.trainee.presses(picker.message_id, FixPick(s01).pack())
    assert alert(bot) == "这节课结束已超过 2 天，不能再申请补卡。"
    assert unchanged(before, await rows(db))
    [listed] = await people.other.says("/fix")
    assert not any("开班式" in label for label in listed.button_texts)


async def test_a_trainee_reason_left_empty_or_too_long(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    clock.set(S01_CLOSED)
    [picker] = await people.trainee.says("/fix")
    await people.trainee.presses(picker.message_id, FixPick(await session_id(db)).pack())
    await people.trainee.presses(picker.message_id, FixStatus(Status.PRESENT).pack())
    before = await rows(db)
    [reply] = await people.trainee.says("  ")
    assert "原因不能为空" in reply.text
    [reply] = await people.trainee.says("长" * 501)
    assert "原因太长了（501 字）" in reply.text
    assert unchanged(before, await rows(db))
    # /me's list is the trainee's own: a manager's press is stale.
    [seen] = await people.manager.says("/help")
    await people.manager.presses(seen.message_id, MeSessions(1).pack())
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"


async def test_a_session_attended_or_on_leave_needs_no_correction(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    clock.set(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    await people.trainee.says("/checkin")
    clock.set(datetime(2026, 12, 7, 3, 25, tzinfo=UTC))
    await people.trainee.says("/checkout")
    clock.set(S01_CLOSED)
    [reply] = await people.trainee.says("/fix")
    assert "目前没有可以补卡的课程" in reply.text
    [reply] = await people.manager.says("/fix")
    assert "只有学员可以申请补卡" in reply.text


async def test_pending_lists_corrections_and_deciding_there_closes_the_first_card(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    s01 = await session_id(db)
    clock.set(S01_CLOSED)
    correction_id = await ask_fix(bot, people.trainee, s01, Status.PRESENT, "在场，忘记签到")
    await bot.deliver_outbox()
    first = card_of(people.manager, correction_id)
    [none] = await people.trainee.says("/pending")
    assert "只有班主任和管理员" in none.text
    header, again = await people.manager.says("/pending")
    assert header.text == "有 1 份补卡申请等待您审批："
    assert "缺勤 → 出勤" in again.text and again.button_texts == first.button_texts
    await people.manager.presses_button(again, "✅ 批准")
    assert "已批准" in people.manager.last().text
    await bot.deliver_outbox()
    original = next(m for m in people.manager.chat() if m.message_id == first.message_id)
    assert original.edited and not original.button_texts  # no live card left behind
    [nothing] = await people.manager.says("/pending")
    assert nothing.text == "目前没有等待您审批的请假或补卡申请。"
