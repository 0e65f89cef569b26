"""/announce: preview, audience, confirmation, delivery report; refusals change nothing."""

from __future__ import annotations

import dataclasses

from bot.buttons import AnnounceReport, AnnounceSend
from storage.imports import apply_plan
from tests.harness import bind
from tests.reminders.support import phone_of, texts


async def outbox_rows(db) -> int:
    return (await db.fetchone("SELECT count(*) FROM outbox"))[0]


async def forms(db) -> int:
    return (await db.fetchone("SELECT count(*) FROM forms WHERE kind = 'announce'"))[0]


async def test_manager_announces_to_trainees_and_sees_the_report(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    wang = await bind(bot, phone_of(example_class, "王芳"))
    li = await bind(bot, phone_of(example_class, "李强"), language_code="en")
    blocked = await bind(bot, phone_of(example_class, "刘洋"))
    teacher = await bind(bot, phone_of(example_class, "王建国"))
    bot.telegram.block(blocked.id)

    [preview] = await manager.says("/announce 明天上午 <改在> 第二报告厅")
    assert "通知预览" in preview.text and "<改在>" in preview.text
    assert await forms(db) == 1
    await manager.presses_button(preview, "仅学员")
    preview = manager.last()
    assert "仅学员" in preview.text
    trainees_bound = 3
    # Before sending: how many cannot be reached because they have not bound.
    roster = await db.fetchone(
        "SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.role = 'trainee' AND p.telegram_user_id IS NULL"
    )
    assert f"另有 {roster[0]} 人尚未绑定，收不到这条通知" in preview.text
    await manager.presses_button(preview, f"📣 发送给 {trainees_bound} 人")
    queued = manager.last()
    assert "3 人" in queued.text and "尚未绑定" in queued.text
    assert await forms(db) == 0
    await bot.deliver_outbox()
    assert "第二报告厅" in wang.last().text and "李红梅" in wang.last().text
    assert "Notice" in li.last().text
    assert not [m for m in teacher.chat() if "第二报告厅" in (m.text or "")]

    await manager.presses_button(queued, "查看送达情况")
    report = manager.last()
    assert "已送达：2 人" in report.text
    assert "无法送达：1 人（刘洋）" in report.text

    # A second press of the old send button sends nothing again.
    before = await outbox_rows(db)
    await manager.presses(preview.message_id, AnnounceSend().pack())
    assert await outbox_rows(db) == before
    assert bot.telegram.calls_of("answerCallbackQuery")[-1].params.get("show_alert")


async def test_whole_class_and_cancel(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    teacher = await bind(bot, phone_of(example_class, "王建国"))
    [preview] = await manager.says("/announce hello all")
    await manager.presses_button(preview, "取消")
    assert "已取消" in manager.last().text and await forms(db) == 0
    [preview] = await manager.says("/announce hello all")
    await manager.presses_button(preview, "全班")
    await manager.presses_button(manager.last(), "📣 发送给 2 人")
    await bot.deliver_outbox()
    assert "hello all" in teacher.last().text


async def test_the_form_survives_a_restart(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    [preview] = await manager.says("/announce after restart")
    await bot.restart()
    await manager.presses_button(preview, "仅学员")
    assert "after restart" in manager.last().text and "仅学员" in manager.last().text


async def test_refusals_change_nothing(bot, db, clock, example_class):
    trainee = await bind(bot, phone_of(example_class, "王芳"))
    [reply] = await trainee.says("/announce hi")
    assert "只有班主任和管理员" in reply.text
    await trainee.presses(1, AnnounceSend().pack())
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    [usage] = await manager.says("/announce")
    assert "用法" in usage.text
    [long] = await manager.says("/announce " + "长" * 3501)
    assert "太长" in long.text
    await manager.presses(1, AnnounceSend().pack())  # no form: stale
    await manager.presses(1, "1|ns|forged")
    await manager.presses(1, AnnounceReport(999).pack())
    assert await forms(db) == 0 and await outbox_rows(db) == 0
    answers = bot.telegram.calls_of("answerCallbackQuery")
    assert len(answers) == 4 and all(a.params.get("show_alert") for a in answers)


async def test_a_redelivered_send_press_queues_nothing_twice(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    await bind(bot, phone_of(example_class, "王芳"))
    [preview] = await manager.says("/announce once only")
    await manager.presses_button(preview, "仅学员")
    update = bot.telegram.press(manager.id, preview.message_id, AnnounceSend().pack())
    await bot.feed(manager, update)
    queued = await outbox_rows(db)
    assert queued == 1
    await bot.redeliver(manager, update)
    assert await outbox_rows(db) == queued
    audits = await db.fetchone("SELECT count(*) FROM audit_log WHERE action = 'announce.send'")
    assert audits[0] == 1


async def test_a_trainee_cannot_read_a_report(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    trainee = await bind(bot, phone_of(example_class, "王芳"))
    [preview] = await manager.says("/announce report test")
    await manager.presses_button(preview, "仅学员")
    await manager.presses_button(manager.last(), "📣 发送给 1 人")
    data = manager.last().reply_markup["inline_keyboard"][0][0]["callback_data"]
    before = len(trainee.chat())
    await trainee.presses(manager.last().message_id, data)
    assert len(trainee.chat()) == before
    assert bot.telegram.calls_of("answerCallbackQuery")[-1].params.get("show_alert")


async def test_an_admin_announces_in_each_recipients_language(bot, db, clock, example_plan):
    # A class whose language is English; one trainee reads Chinese, one chose English, and
    # one never chose (bound before languages were kept): the class's language applies.
    settings = dataclasses.replace(example_plan.settings, locale="en")
    plan = dataclasses.replace(example_plan, settings=settings)
    await apply_plan(db, plan, clock.now())
    admin = await bind(bot, phone_of(plan, "孙丽"))  # 管理员, not a class manager
    wang = await bind(bot, phone_of(plan, "王芳"))
    li = await bind(bot, phone_of(plan, "李强"), language_code="en")
    liu = await bind(bot, phone_of(plan, "刘洋"))
    await db.write(lambda tx: tx.execute("UPDATE people SET locale = NULL WHERE name = '刘洋'"))

    [preview] = await admin.says("/announce 明天 8:00 集合")
    assert "通知预览" in preview.text  # the admin reads Chinese
    await admin.presses_button(preview, "仅学员")
    await admin.presses_button(admin.last(), "📣 发送给 3 人")
    assert "3 人" in admin.last().text
    await bot.deliver_outbox()
    [chinese] = texts(wang, "明天 8:00 集合")
    assert chinese.startswith("通知")
    for reader in (li, liu):
        [notice] = texts(reader, "明天 8:00 集合")
        assert notice.startswith("Notice") and "孙丽" in notice
    await admin.presses_button(admin.last(), "查看送达情况")
    assert "已送达：3 人" in admin.last().text


async def test_the_length_is_counted_as_telegram_counts_it(bot, db, clock, example_class):
    manager = await bind(bot, phone_of(example_class, "李红梅"))
    wang = await bind(bot, phone_of(example_class, "王芳"))
    [refused] = await manager.says("/announce " + "🎓" * 2100)  # 2,100 characters, 4,200 units
    assert "太长" in refused.text and await forms(db) == 0
    [preview] = await manager.says("/announce " + "🎓" * 1700)  # 3,400 units: fits
    await manager.presses_button(preview, "仅学员")
    await manager.presses_button(
        manager.last(),
        next(label for label in manager.last().button_texts if label.startswith("📣")),
    )
    await bot.deliver_outbox()
    assert [c for c in bot.telegram.calls if not c.ok] == []
    assert "🎓" * 1700 in wang.last().text
