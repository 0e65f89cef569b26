"""/grades and publication: managers see the class ranked, trainees see nothing before it is
published, then each is told once; corrections go only to those whose result changed."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import docx
from bot.buttons import GradesPublish
from bot.clock import ManualClock
from bot.rules.leave_limit import LimitDecision
from storage import leave
from storage.db import Database
from tests.grades.support import (
    CHEN,
    LI,
    LIU,
    WANG,
    ZHANG,
    attend_all,
    audit_actions,
    cast,
    class_id,
    outbox_keys,
    pid,
)
from tests.harness import BotHarness, bind
from tests.leave.helpers import alert

PUBLISH = "📣 发布2026年秋季处级干部进修班的成绩"
ANYWAY = "仍然发布（缺的成绩按 0 分计）"


async def test_the_class_ranked_with_who_misses_a_score_and_who_does_not_graduate(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    [shown] = await people.manager.says("/grades")
    lines = shown.text.splitlines()
    assert lines[0] == "2026年秋季处级干部进修班 结业考核"
    assert lines[1] == "考核方案：出勤 30，结业考试 40，论文 20，研讨 10"
    assert "尚未发布：学员还看不到成绩。" in shown.text
    # Full attendance gives 30; the others never checked in: 0 for attendance, no scores.
    assert "1. 陈静（东城区人民政府办公室） 95.6 优秀" in lines
    assert "2. 张伟（市发展和改革委员会） 93.9 优秀" in lines
    assert "3. 王芳（市财政局） 90.8 优秀" in lines
    assert "4. 刘洋（市卫生健康委员会） 77.8 合格" in lines
    assert "5. 李强（市教育局） 69.2 合格 · 缺成绩" in lines
    assert "缺成绩 8 人：李强（论文）、杨磊（结业考试、论文、研讨）" in shown.text
    # Absent from every session: over the leave limit, which decides before the score.
    assert (
        "12. 马俊（市应急管理局） 0 不合格 · 缺成绩 · 不予结业：请假超过上限且未准予继续" in lines
    )
    assert "准予结业 5 人（优秀 3，良好 0，合格 2），不予结业 7 人" in shown.text
    assert shown.button_texts == [PUBLISH]
    [seen] = await people.admin.says("/grades")  # an admin sees it, cannot publish
    assert seen.text == shown.text and seen.button_texts == []
    [refused] = await people.wang.says("/grades")
    assert refused.text == "只有班主任和管理员可以查看结业考核成绩。"


async def test_nothing_before_publication_then_each_trainee_told_once(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    [me] = await people.wang.says("/me")
    assert "结业考核" not in me.text  # before publication, trainees see nothing
    [shown] = await people.manager.says("/grades")
    [refused] = await people.manager.presses_button(shown, PUBLISH)
    assert "还有学员缺成绩，暂未发布" in refused.text
    assert "· 李强：论文" in refused.text and "· 杨磊：结业考试、论文、研讨" in refused.text
    assert refused.button_texts == [ANYWAY]
    assert await outbox_keys(db) == []
    assert tuple(await db.fetchone("SELECT count(*) FROM grade_results")) == (0,)
    await bot.deliver_outbox()
    assert "结业考核" not in people.wang.last().text

    [done] = await people.manager.presses_button(refused, ANYWAY)
    assert done.text == (
        "已发布 2026年秋季处级干部进修班 的结业考核结果：3 名学员已收到通知"
        "（9 人尚未绑定，绑定后可在 /me 查看），颁发结业证书 5 张。"
    )
    await bot.deliver_outbox()
    result, certificate = people.wang.chat()[-2:]
    assert result.text.splitlines()[:3] == [
        "2026年秋季处级干部进修班 结业考核结果",
        "总评 90.8 分，等次：优秀",
        "· 出勤（按考勤计算） 100（权重 30）",
    ]
    assert "准予结业。结业证书编号 2026-01-002，验证码 " in result.text
    assert certificate.kind == "document"
    assert certificate.raw["document"]["file_name"] == "2026-01-002-王芳.docx"
    assert "2026-01-002" in (certificate.text or "")
    stored = bot.telegram.file(certificate.raw["document"]["file_id"])
    assert stored is not None
    assert "王芳 同志（市财政局）于 2026年12月7日至 2026年12月11日参加" in docx.text_of(
        stored.content
    )
    [li_result] = [m for m in people.li.chat() if "结业考核结果" in (m.text or "")]
    assert "· 论文 缺（权重 20）" in li_result.text and "总评 69.2 分，等次：合格" in li_result.text

    # Told once: pressing again, or the same press delivered again, sends nothing more.
    before = len(people.wang.chat())
    [again] = await people.manager.presses_button(refused, ANYWAY)
    assert again.text == "2026年秋季处级干部进修班 的结果自上次发布以来没有变化，无需再次发布。"
    await bot.deliver_outbox()
    assert len(people.wang.chat()) == before
    assert await audit_actions(db, "grades.publish") == ["grades.publish"]
    [me] = await people.wang.says("/me")
    assert "结业考核：总评 90.8 分，优秀，准予结业（证书 2026-01-002）" in me.text


async def test_a_correction_tells_only_whose_result_changed(bot: BotHarness, db: Database) -> None:
    people = await cast(bot)
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    [shown] = await people.manager.says("/grades")
    [refused] = await people.manager.presses_button(shown, PUBLISH)
    await people.manager.presses_button(refused, ANYWAY)
    await bot.deliver_outbox()
    wang_before, zhang_before = len(people.wang.chat()), len(people.zhang.chat())

    [saved] = await people.manager.says("/score 李强 论文 80 补交论文")
    assert saved.text == "已录入 李强 的“论文”：80 分（已记入审计日志）。"
    [view] = await people.manager.says("/grades")
    assert "此后有 1 人的结果发生变化，尚未发布更正" in view.text
    assert "李强（市教育局） 85.2 良好 · 待发布更正" in view.text
    # Seven still have no scores: the manager confirms again, knowing it.
    [asked] = await people.manager.presses_button(view, "📣 发布2026年秋季处级干部进修班的更正")
    assert "· 李强" not in asked.text and "· 杨磊：结业考试、论文、研讨" in asked.text
    [done] = await people.manager.presses_button(asked, ANYWAY)
    assert "已发布 2026年秋季处级干部进修班 的更正（第 2 次）：1 名学员收到更正通知" in done.text
    await bot.deliver_outbox()
    corrected = people.li.last()
    assert corrected.text.startswith("2026年秋季处级干部进修班 结业考核结果（更正）")
    assert "总评 85.2 分，等次：良好" in corrected.text
    assert (len(people.wang.chat()), len(people.zhang.chat())) == (wang_before, zhang_before)
    [me] = await people.li.says("/me")
    assert "结业考核：总评 85.2 分，良好" in me.text


async def test_a_dismissed_trainee_does_not_graduate_whatever_the_score(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    klass = await class_id(db)

    async def dismiss(tx):  # type: ignore[no-untyped-def]
        await leave.record_limit_decision(
            tx,
            class_id=klass,
            person_id=await pid(db, ZHANG),
            decision=LimitDecision.DISMISSED.value,
            reason=None,
            decided_by=await pid(db, "13800138001"),
            now=bot.app.bot_data.clock.now(),
        )

    await db.write(dismiss)
    [shown] = await people.manager.says("/grades")
    assert "张伟（市发展和改革委员会） 93.9 不合格 · 不予结业：已责令退学" in shown.text
    [refused] = await people.manager.presses_button(shown, PUBLISH)
    await people.manager.presses_button(refused, ANYWAY)
    await bot.deliver_outbox()
    told = people.zhang.last()
    assert "总评 93.9 分，等次：不合格" in told.text
    assert "不予结业：已责令退学。" in told.text
    assert told.kind == "text"
    row = await db.fetchone(
        "SELECT count(*) FROM certificates WHERE person_id = ?", (await pid(db, ZHANG),)
    )
    assert tuple(row) == (0,)


async def test_a_trainee_over_the_leave_limit_graduates_only_if_let_continue(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    await attend_all(db, WANG)
    # 王芳 misses S05 (6 h) without leave: past the limit of 29.5 / 7 = 4.2 h.
    await db.write(
        lambda tx: tx.execute(
            "DELETE FROM attendance WHERE person_id = (SELECT id FROM people WHERE phone = ?)"
            " AND session_id = (SELECT id FROM sessions WHERE external_id = 'S05')",
            (WANG,),
        )
    )
    [shown] = await people.manager.says("/grades")
    # 6 absent hours x 5: attendance 70, so 21 + 34 + 18 + 8.8; the limit decides first.
    assert "王芳（市财政局） 81.8 不合格 · 不予结业：请假超过上限且未准予继续" in shown.text
    klass, wang = await class_id(db), await pid(db, WANG)

    async def let_continue(tx):  # type: ignore[no-untyped-def]
        await leave.record_limit_decision(
            tx,
            class_id=klass,
            person_id=wang,
            decision=LimitDecision.CONTINUES.value,
            reason="因公外出，已补课",
            decided_by=await pid(db, "13800138001"),
            now=bot.app.bot_data.clock.now(),
        )

    await db.write(let_continue)
    [shown] = await people.manager.says("/grades")
    assert "王芳（市财政局） 81.8 良好" in shown.text


async def test_forged_stale_and_foreign_publish_presses_change_nothing(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    [shown] = await people.manager.says("/grades")
    klass = await class_id(db)
    for who, data in (
        (people.wang, GradesPublish(klass, 1).pack()),  # a trainee
        (people.admin, GradesPublish(klass, 1).pack()),  # an admin may see, not publish
        (people.manager, GradesPublish(999, 1).pack()),  # no such class
        (people.manager, GradesPublish(klass, 7).pack()),  # a value no button carries
        (people.manager, f"1|gp|{klass}|x"),  # malformed
    ):
        assert await who.presses(shown.message_id, data) == []
        assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await outbox_keys(db) == []
    assert tuple(await db.fetchone("SELECT count(*) FROM grade_publications")) == (0,)


async def test_before_the_class_ends_the_attendance_component_is_provisional(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    [after] = await people.manager.says("/grades")
    assert "未结束" not in after.text
    clock.set(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))  # S01 to S05 are over
    [during] = await people.manager.says("/grades")
    assert "班次还有 11.5 学时的课程未结束：出勤分暂按已结束的课程计算。" in during.text


async def test_the_whole_story_in_english(bot: BotHarness, db: Database) -> None:
    manager = await bind(bot, "13800138001", language_code="en")
    wang = await bind(bot, WANG, language_code="en")
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    [shown] = await manager.says("/grades")
    assert shown.text.splitlines()[:2] == [
        "2026年秋季处级干部进修班: final assessment",
        "Scheme: 出勤 30, 结业考试 40, 论文 20, 研讨 10",
    ]
    assert "3. 王芳 (市财政局) 90.8 excellent" in shown.text
    [asked] = await manager.presses_button(
        shown, "📣 Publish the results of 2026年秋季处级干部进修班"
    )
    assert "some trainees are missing scores, so nothing was published" in asked.text
    [done] = await manager.presses_button(asked, "Publish anyway (a missing score counts 0)")
    assert done.text.startswith("Published the final assessment of 2026年秋季处级干部进修班: ")
    await bot.deliver_outbox()
    result, certificate = wang.chat()[-2:]
    assert "Final score 90.8, band: excellent" in result.text
    assert "· 出勤 (from attendance) 100 (weight 30)" in result.text
    assert "You graduate. Certificate number 2026-01-002, verification code " in result.text
    content = bot.telegram.file(certificate.raw["document"]["file_id"]).content
    assert "This is to certify that 王芳 (市财政局) attended" in docx.text_of(content)
    [me] = await wang.says("/me")
    assert "Final assessment: 90.8, excellent, graduates (certificate 2026-01-002)" in me.text
    [usage] = await manager.says("/score")
    assert usage.text.startswith("Enter one score: /score NAME COMPONENT SCORE REASON")
    [saved] = await manager.says("/score 李强 论文 80 late paper")
    assert saved.text == "Entered 李强's “论文”: 80 (written to the audit log)."
    [ask] = await manager.says("/appraise 李强")
    assert ask.text.startswith("Send your appraisal of 李强 (500 characters at most)")


async def test_a_redelivered_publish_press_publishes_once(bot: BotHarness, db: Database) -> None:
    people = await cast(bot)
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    [shown] = await people.manager.says("/grades")
    [asked] = await people.manager.presses_button(shown, PUBLISH)
    press = bot.telegram.press(people.manager.id, asked.message_id, GradesPublish(1, 1).pack())
    await bot.feed(people.manager, press)
    queued = await outbox_keys(db)
    [again] = await bot.redeliver(people.manager, press)
    assert "没有变化，无需再次发布" in again.text
    assert await outbox_keys(db) == queued
    assert await audit_actions(db, "grades.publish") == ["grades.publish"]


async def test_a_class_without_a_scheme_says_how_to_add_one(bot: BotHarness, db: Database) -> None:
    people = await cast(bot)
    await db.write(lambda tx: tx.execute("DELETE FROM assessment_components"))
    [shown] = await people.manager.says("/grades")
    assert shown.text.startswith("2026年秋季处级干部进修班 还没有考核方案：请在班次文件中加入")
    assert shown.button_texts == []
    [score] = await people.manager.says("/score 李强 论文 80 补交")
    assert score.text == shown.text
    klass = await class_id(db)
    [refused] = await people.manager.presses(shown.message_id, GradesPublish(klass, 1).pack())
    assert refused.text == shown.text
    assert tuple(await db.fetchone("SELECT count(*) FROM grade_publications")) == (0,)


async def test_the_attendance_component_of_a_known_record_in_the_database(
    bot: BotHarness, db: Database
) -> None:
    people = await cast(bot)
    await attend_all(db, WANG)
    await attend_all(db, LIU, minutes_late=12)  # late to all 10 sessions: 100 - 10 x 2
    await db.write(  # 王芳 left S01 half an hour early: 100 - 2
        lambda tx: tx.execute(
            "UPDATE attendance SET checkout_at = '2026-12-07T03:00:00+00:00'"
            " WHERE person_id = (SELECT id FROM people WHERE phone = ?)"
            " AND session_id = (SELECT id FROM sessions WHERE external_id = 'S01')",
            (WANG,),
        )
    )
    [shown] = await people.manager.says("/grades")
    assert "王芳（市财政局） 90.2 优秀" in shown.text  # 29.4 + 34 + 18 + 8.8
    assert "刘洋（市卫生健康委员会） 71.8 合格" in shown.text  # 24 + 26.4 + 14.4 + 7


async def test_a_trainee_failing_only_for_want_of_scores_is_undecided_not_failed(
    bot: BotHarness, db: Database
) -> None:
    """Mid-class the exam has not been held: missing scores alone decide nothing yet."""
    people = await cast(bot)
    yang = await db.fetchone("SELECT phone FROM people WHERE name = '杨磊'")
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN, yang[0])  # 杨磊 has no score at all
    [shown] = await people.manager.says("/grades")
    [line] = [x for x in shown.text.splitlines() if "杨磊" in x and ". " in x]
    assert line.endswith("30 · 缺成绩，等次待定"), line  # full attendance: 30 of 100
    assert "不予结业" not in line and "不合格" not in line
    assert "准予结业 5 人（优秀 3，良好 0，合格 2），不予结业 6 人，缺成绩待定 1 人" in shown.text
