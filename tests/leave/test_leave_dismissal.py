"""Recording the decision on a trainee over the limit (责令退学 / 准予继续), and the ratio shown."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.buttons import LeaveCancel, LeaveForm, LeaveKind, LeavePick, LeaveStep, LimitDecide
from bot.importer.model import ClassPlan
from bot.rules.leave_limit import LimitDecision
from bot.testing import ShownMessage
from bot.texts import Texts
from storage import people
from storage.db import Database, Tx
from tests.harness import BotHarness, Person, person_id, session_id, set_settings
from tests.leave.helpers import (
    Cast,
    alert,
    approve,
    ask,
    card_of,
    cast,
    class_id,
    count,
    manager_of_another_class,
    said,
    shown,
    snapshot,
    with_buttons,
)

DISMISS, CONTINUE = "🚫 责令退学", "✅ 准予继续"


async def over_limit(bot: BotHarness) -> Cast:
    """王芳 approved for 6 of the 4.2 class hours allowed: flagged to managers and admins."""
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")  # 3 h: 71%
    await approve(bot, people.trainee, people.manager, "S04")  # 6 h: 142%
    return people


def notice_of(person: Person) -> ShownMessage:
    """The over-limit notice with the decision buttons in this person's chat."""
    return with_buttons(person, "1|ll|")


async def decisions(db: Database) -> list[tuple]:
    rows = await db.fetchall(
        "SELECT d.decision, d.reason, p.name FROM limit_decisions d"
        " JOIN people p ON p.id = d.decided_by ORDER BY d.id"
    )
    return [tuple(r) for r in rows]


async def test_the_over_limit_notice_records_a_dismissal_once_and_removes_nobody(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await over_limit(bot)
    notice = notice_of(people.manager)
    assert "这将导致责令退学" in notice.text and notice.button_texts == [DISMISS, CONTINUE]
    other, admins = notice_of(people.manager2), notice_of(people.admin)
    assert admins.button_texts == [DISMISS, CONTINUE]
    assert said(people.trainee, "您的请假已超过上限").button_texts == []  # not the trainee's
    memberships = await db.fetchall("SELECT * FROM memberships ORDER BY 1, 2, 3")

    replies = await people.manager.presses_button(notice, DISMISS)
    assert replies[-1].text.startswith("已记录：责令退学")
    mine = shown(people.manager, notice.message_id)
    assert "超限处理：李红梅 已记录“责令退学”" in mine.text and not mine.button_texts
    assert await decisions(db) == [("dismissed", None, "李红梅")]
    row = await db.fetchone(
        "SELECT actor_id, subject, json_extract(details, '$.decision') FROM audit_log"
        " WHERE action = 'leave.limit_decision'"
    )
    trainee_id = await person_id(db, people.trainee)
    assert tuple(row) == (await person_id(db, people.manager), f"person:{trainee_id}", "dismissed")
    # The other deciders' notices now say who recorded what; nobody was removed.
    await bot.deliver_outbox()
    for person, message in ((people.manager2, other), (people.admin, admins)):
        edited = shown(person, message.message_id)
        assert edited.edited and not edited.button_texts
        assert "超限处理：李红梅 已记录“责令退学”" in edited.text
    assert await db.fetchall("SELECT * FROM memberships ORDER BY 1, 2, 3") == memberships

    # A second press, on either button, by anyone, changes nothing and says who decided.
    before = await snapshot(db)
    for person, message in ((people.manager2, other), (people.admin, admins)):
        for decision in ("dismissed", "continues"):
            await person.presses(
                message.message_id,
                LimitDecide(await class_id(db), trainee_id, LimitDecision(decision)).pack(),
            )
            assert alert(bot) == "李红梅 已于 12月7日（周一）08:00 记录了“责令退学”。"
    assert await snapshot(db) == before

    # Where managers look at her leave next, the decision is shown.
    request_id = await ask(bot, people.trainee, "S07")
    await bot.deliver_outbox()
    assert "超限处理：李红梅 已记录“责令退学”" in card_of(people.manager2, request_id).text
    pending = await people.manager2.says("/pending")
    assert "超限处理：李红梅 已记录“责令退学”" in pending[-1].text


async def test_letting_a_trainee_continue_asks_for_a_reason(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await over_limit(bot)
    notice = notice_of(people.admin)
    [asked] = await people.admin.presses_button(notice, CONTINUE)
    assert "准予 王芳 继续参加培训的理由" in asked.text
    assert await decisions(db) == []  # nothing recorded before the reason
    before = await snapshot(db)
    [reply] = await people.admin.says("   ")
    assert "不能为空" in reply.text
    [reply] = await people.admin.says("长" * 501)
    assert "太长了（501 字）" in reply.text
    assert await snapshot(db) == before
    [reply] = await people.admin.says("因公出差，经校委会研究同意")
    assert reply.text.startswith("已记录：准予继续")
    assert await decisions(db) == [("continues", "因公出差，经校委会研究同意", "孙丽")]
    assert await db.fetchone("SELECT 1 FROM forms WHERE kind = 'leave_limit'") is None
    await bot.deliver_outbox()
    for person in (people.manager, people.manager2, people.admin):
        assert any(
            "孙丽 已记录“准予继续”" in (m.text or "") and "因公出差" in (m.text or "")
            for m in person.chat()
        )
    # The next text is not a reason any more.
    [reply] = await people.admin.says("你好")
    assert "已记录" not in reply.text


async def test_a_reason_that_comes_after_someone_else_decided_records_nothing(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await over_limit(bot)
    await people.admin.presses_button(notice_of(people.admin), CONTINUE)
    await people.manager.presses_button(notice_of(people.manager), DISMISS)
    [reply] = await people.admin.says("因公出差")
    assert reply.text.startswith("没有记录")
    assert await decisions(db) == [("dismissed", None, "李红梅")]
    assert await db.fetchone("SELECT 1 FROM forms WHERE kind = 'leave_limit'") is None


async def test_only_a_manager_or_admin_of_the_class_records_and_only_when_over(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await over_limit(bot)
    stranger_boss = await manager_of_another_class(bot)
    klass, trainee_id = await class_id(db), await person_id(db, people.trainee)
    other_id = await person_id(db, people.other)
    before = await snapshot(db)
    for person, data, answer in (
        (people.other, LimitDecide(klass, trainee_id, LimitDecision.DISMISSED).pack(), "只有本班"),
        (stranger_boss, LimitDecide(klass, trainee_id, LimitDecision.DISMISSED).pack(), "只有本班"),
        (stranger_boss, LimitDecide(klass, trainee_id, LimitDecision.CONTINUES).pack(), "只有本班"),
        (people.trainee, LimitDecide(klass, trainee_id, LimitDecision.CONTINUES).pack(), "自己"),
        # 李强 is not over the limit: nothing to decide.
        (people.manager, LimitDecide(klass, other_id, LimitDecision.DISMISSED).pack(), "没有超过"),
        # Forged or malformed: an unknown decision, class or person, a missing argument.
        (people.manager, f"1|ll|{klass}|{trainee_id}|expelled", "已失效"),
        (people.manager, f"1|ll|999|{trainee_id}|dismissed", "已失效"),
        (people.manager, f"1|ll|{klass}|999|dismissed", "已失效"),
        (people.manager, f"1|ll|{klass}|{trainee_id}", "已失效"),
        (people.manager, f"1|ll|x|{trainee_id}|dismissed", "已失效"),
    ):
        await person.presses(1, data)
        assert answer in alert(bot), (data, alert(bot))
    assert await snapshot(db) == before


async def test_a_manager_removed_since_the_notice_cannot_record(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await over_limit(bot)
    notice = notice_of(people.manager)

    async def drop(tx: Tx) -> None:
        await tx.execute(
            "UPDATE memberships SET active = 0 WHERE role = 'manager' AND person_id ="
            " (SELECT id FROM people WHERE phone = '13800138001')"
        )

    await db.write(drop)
    before = await snapshot(db)
    await people.manager.presses_button(notice, DISMISS)
    assert alert(bot) == "只有本班班主任或管理员可以记录这项决定。"
    assert await snapshot(db) == before


async def test_the_same_press_delivered_twice_records_once(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await over_limit(bot)
    notice = notice_of(people.manager)
    data = next(b["callback_data"] for b in notice.reply_markup["inline_keyboard"][0])
    update = bot.telegram.press(people.manager.id, notice.message_id, data)
    await bot.feed(people.manager, update)
    before = await snapshot(db)
    await bot.redeliver(people.manager, update)
    assert "李红梅 已于" in alert(bot)
    assert await snapshot(db) == before
    assert len(await decisions(db)) == 1


@pytest.mark.parametrize("first", ["manager", "manager2"])
async def test_two_deciders_at_once_record_one_decision(
    bot: BotHarness, example_class: ClassPlan, db: Database, first: str
) -> None:
    people = await over_limit(bot)
    pressers = [people.manager, people.manager2]
    if first == "manager2":
        pressers.reverse()
    await asyncio.gather(*(p.presses_button(notice_of(p), DISMISS) for p in pressers))
    [(decision, _, name)] = await decisions(db)
    assert decision == "dismissed"
    rows = await db.fetchall("SELECT 1 FROM audit_log WHERE action = 'leave.limit_decision'")
    assert len(rows) == 1
    loser = people.manager2 if name == "李红梅" else people.manager
    assert count(loser, "已记录：责令退学") == 0


async def test_a_trainee_back_under_the_limit_at_the_press_is_refused(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    # Over the limit when flagged, back under it (the leave withdrawn) at the press.
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")
    last = await approve(bot, people.trainee, people.manager, "S04")
    notice = notice_of(people.manager)
    await people.trainee.presses(1, LeaveCancel(last).pack())  # withdrawn before it starts
    before = await snapshot(db)
    await people.manager.presses_button(notice, DISMISS)
    assert alert(bot) == "该学员目前没有超过请假上限，无需记录。"
    assert await snapshot(db) == before


# -- the ratio the templates name --------------------------------------------------------


async def test_the_limit_is_named_by_the_class_ratio(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    await set_settings(db, leave_limit_ratio="1/2")  # 29.5 / 2 = 14.75 class hours
    people = await cast(bot)
    for ext in ("S01", "S02", "S03"):
        await approve(bot, people.trainee, people.manager, ext)  # 9 h: 61%
    await approve(bot, people.trainee, people.manager, "S04")  # 12 h: 81%
    # The next would pass the limit: the preview and the card name a half, not a seventh.
    [picker] = await people.trainee.says("/leave")
    await people.trainee.presses(picker.message_id, LeavePick(await session_id(db, "S05")).pack())
    await people.trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await people.trainee.presses(picker.message_id, LeaveKind(1).pack())
    [attach] = await people.trainee.says("出差")
    await people.trainee.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
    preview = people.trainee.last()
    assert "请假上限 14.7 学时（总学时 29.5 的50%）" in preview.text
    assert "批准后将超过请假上限" in preview.text
    await people.trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
    request_id = (await db.fetchone("SELECT max(id) FROM leave_requests"))[0]
    await bot.deliver_outbox()
    assert "（总学时 29.5 的50%）" in card_of(people.manager, request_id).text
    await people.manager.presses_button(card_of(people.manager, request_id), "✅ 批准")
    await bot.deliver_outbox()  # 18 h: over
    assert "上限 14.7 学时（总学时 29.5 的50%）" in said(people.trainee, "您的请假已超过上限").text
    assert "（总学时 29.5 的50%）" in notice_of(people.manager).text
    everything = [m.text or "" for p in (people.trainee, people.manager) for m in p.chat()]
    assert not any("七分之一" in text for text in everything)


def test_each_language_names_the_ratio() -> None:
    texts = Texts()

    def figures(seventh: bool, percent: str | None, fraction: str) -> dict:
        return {
            "request": "3",
            "approved": "12",
            "missed": "0",
            "uncounted": "0",
            "limit": "14.7",
            "class_hours": "29.5",
            "after": "15",
            "used": "12",
            "remaining": "2.7",
            "after_remaining": "0",
            "over": False,
            "would_exceed": True,
            "ratio": {"seventh": seventh, "percent": percent, "fraction": fraction},
        }

    def preview(locale: str, t: dict) -> str:
        return texts.render(
            locale,
            "leave.preview",
            sessions=[],
            reason="x",
            attachment=None,
            attachment_name=None,
            t=t,
            levels=1,
            leave_type="sick",
            counts=True,
            retroactive=False,
            for_name=None,
        )

    assert "(one seventh of 29.5)" in preview("en", figures(True, None, "1/7"))
    assert "(50% of 29.5)" in preview("en", figures(False, "50", "1/2"))
    assert "(1/3 of 29.5)" in preview("en", figures(False, None, "1/3"))
    assert "（总学时 29.5 的七分之一）" in preview("zh", figures(True, None, "1/7"))
    assert "（总学时 29.5 的1/3）" in preview("zh", figures(False, None, "1/3"))
    # Plainly what is used and what is left, before and after the request.
    assert "已用 12 学时，还可请 2.7 学时" in preview("zh", figures(True, None, "1/7"))
    assert "批准后已用 15 学时，还可请 0 学时" in preview("zh", figures(True, None, "1/7"))


# -- a person the database does not know ---------------------------------------------------


async def test_an_unknown_person_has_no_name_and_the_template_says_so(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    assert await people.name_and_unit(db, 999_999) == (None, None)
    texts = Texts()
    r = {"name": None, "unit": None}
    ended = {"day": date(2026, 12, 7), "time": "11:30"}
    assert texts.render("zh", "leave.overdue", r=r, ended=ended).startswith("（未知学员）")
    assert texts.render("en", "leave.overdue", r=r, ended=ended).startswith("(unknown trainee)")
    assert texts.plain("zh", "leave.attachment_caption", name=None) == "请假证明"
