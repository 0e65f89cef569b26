"""Scores typed in chat (/score) and appraisals (/appraise): every bad input answered in the
person's language, nothing changed; the appraisal form survives a restart."""

from __future__ import annotations

from typing import Any

from bot.buttons import AppraiseCancel
from storage.db import Database
from tests.grades.support import LI, WANG, cast, pid
from tests.harness import BotHarness, bind
from tests.leave.helpers import alert


async def _scores(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall("SELECT person_id, component, score, source FROM scores ORDER BY 1, 2")
    return [tuple(r) for r in rows]


async def test_a_score_typed_in_chat_is_audited_with_its_reason(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    [saved] = await people.manager.says("/score 李强 论文 81.5 逾期补交，按时间扣分")
    assert saved.text == "已录入 李强 的“论文”：81.5 分（已记入审计日志）。"
    [changed] = await people.manager.says("/score 0003 论文 83 复核后改分")  # phone's last digits
    assert changed.text == "已录入 李强 的“论文”：81.5 → 83 分（已记入审计日志）。"
    [same] = await people.manager.says("/score 李强 论文 83 再次确认")
    assert same.text == "李强 的“论文”已经是 83 分，没有改动。"
    rows = await db.fetchall(
        "SELECT details FROM audit_log WHERE action = 'grades.score' ORDER BY id"
    )
    assert [r[0] for r in rows] == [
        '{"after": "81.5", "before": null, "component": "论文", "reason": "逾期补交，按时间扣分"}',
        '{"after": "83", "before": "81.5", "component": "论文", "reason": "复核后改分"}',
    ]
    li = await pid(db, LI)
    assert (li, "论文", "83", "chat") in await _scores(db)


async def test_every_bad_score_is_answered_and_changes_nothing(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    before = await _scores(db)
    for typed, expected in (
        ("/score", "录入一项成绩：/score 姓名 考核项目 分数 原因"),
        ("/score 赵六 论文 80 补交", "在您负责的培训班学员中找不到“赵六”"),
        ("/score 李强", "录入一项成绩：/score 姓名 考核项目 分数 原因"),
        ("/score 李强 体育 80 补交", "没有名为“体育”的可录入项目。可录入：结业考试、论文、研讨。"),
        ("/score 李强 出勤 80 补交", "“出勤”按考勤记录自动计算，不能手工录入"),
        ("/score 李强 论文 八十 补交", "“八十”不是有效分数"),
        ("/score 李强 论文 101 补交", "“101”不是有效分数"),
        ("/score 李强 论文 -5 补交", "“-5”不是有效分数"),
        ("/score 李强 论文 80", "请在分数后写明原因"),
        ("/score 李强 论文 80 " + "长" * 201, "请在分数后写明原因（不超过 200 字）"),
        ("/score 孙丽 论文 80 补交", "找不到“孙丽”"),  # the admin is no trainee
    ):
        [answer] = await people.manager.says(typed)
        assert expected in answer.text, typed
    for who in (people.wang, people.admin):  # a trainee, an admin: only class managers
        [refused] = await who.says("/score 李强 论文 80 补交")
        assert refused.text == "只有班主任可以录入成绩、填写鉴定和发布成绩。"
    assert await _scores(db) == before


async def test_a_redelivered_score_is_entered_once(bot: BotHarness, db: Database) -> None:
    people = await cast(bot)
    update = bot.telegram.send_text(people.manager.id, "/score 李强 论文 80 补交")
    await bot.feed(people.manager, update)
    [again] = await bot.redeliver(people.manager, update)
    assert again.text == "这条消息已经处理过了。"
    rows = await db.fetchall("SELECT count(*) FROM audit_log WHERE action = 'grades.score'")
    assert rows[0][0] == 1


async def test_an_appraisal_is_asked_for_then_kept_across_a_restart(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    [asked] = await people.manager.says("/appraise 王芳")
    assert asked.text.startswith("请发送对 王芳 的学员鉴定（不超过 500 字）")
    assert asked.button_texts == ["取消"]
    await bot.restart()  # the form is in the database: nothing is lost
    text = "学习态度端正，认真完成各项学习任务，调研报告质量较高。"
    [saved] = await people.manager.says(text)
    assert saved.text == "已保存 王芳 的学员鉴定。"
    row = await db.fetchone(
        "SELECT text FROM appraisals WHERE person_id = ?", (await pid(db, WANG),)
    )
    assert row[0] == text
    [again] = await people.manager.says("/appraise 王芳")
    assert f"现有鉴定：{text}" in again.text
    assert await people.manager.presses_button(again, "取消") == []  # edited in place
    cancelled = next(m for m in people.manager.chat() if m.message_id == again.message_id)
    assert cancelled.text == "已取消，鉴定未改动。" and cancelled.edited
    [stray] = await people.manager.says("这句话不是鉴定")  # no form open: not taken as one
    assert "鉴定" not in stray.text
    assert (await db.fetchone("SELECT text FROM appraisals"))[0] == text
    [view] = await people.manager.says("/grades")
    assert "王芳（市财政局） 0 不合格 · 缺成绩" not in view.text
    assert "· 已鉴定" in view.text


async def test_bad_appraisals_are_answered_and_change_nothing(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    for typed, expected in (
        ("/appraise", "填写学员鉴定：/appraise 姓名"),
        ("/appraise 赵六", "找不到“赵六”"),
    ):
        [answer] = await people.manager.says(typed)
        assert expected in answer.text
    [refused] = await people.wang.says("/appraise 李强")
    assert refused.text == "只有班主任可以录入成绩、填写鉴定和发布成绩。"
    [asked] = await people.manager.says("/appraise 李强")
    [long] = await people.manager.says("好" * 501)
    assert long.text == "鉴定共 501 字，超过了 500 字，请精简后重新发送。"
    [photo] = await bot.feed(people.manager, bot.telegram.send_photo(people.manager.id, b"x"))
    assert photo.text == "请以文字发送鉴定内容。"
    # The trainee leaves the class before the text arrives: not saved, the form closed.
    await db.write(
        lambda tx: tx.execute(
            "UPDATE memberships SET active = 0 WHERE person_id = (SELECT id FROM people"
            " WHERE phone = ?)",
            (LI,),
        )
    )
    [stale] = await people.manager.says("很好")
    assert stale.text == "这名学员已不在您负责的培训班中，鉴定未保存。"
    assert tuple(await db.fetchone("SELECT count(*) FROM appraisals")) == (0,)
    # Its Cancel button is stale now, and so is a forged one from someone with no form.
    assert await people.manager.presses(asked.message_id, AppraiseCancel().pack()) == []
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    stranger = await bind(bot, "15000150004")
    assert await stranger.presses(asked.message_id, AppraiseCancel().pack()) == []
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"


async def test_redelivered_appraisal_updates_change_nothing_twice(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    opening = bot.telegram.send_text(people.manager.id, "/appraise 王芳")
    await bot.feed(people.manager, opening)
    [again] = await bot.redeliver(people.manager, opening)
    assert again.text == "这条消息已经处理过了。"
    text = bot.telegram.send_text(people.manager.id, "认真负责。")
    [saved] = await bot.feed(people.manager, text)
    assert saved.text == "已保存 王芳 的学员鉴定。"
    await bot.redeliver(people.manager, text)  # the form is closed: not an appraisal now
    rows = await db.fetchall("SELECT count(*) FROM audit_log WHERE action = 'grades.appraisal'")
    assert rows[0][0] == 1
