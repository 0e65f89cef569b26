"""/audit [name]: the class's audit log, newest first, paged, filtered by a person."""

from __future__ import annotations

import json

from bot.buttons import AuditPage
from bot.clock import ManualClock
from storage.db import Database, Tx
from storage.times import to_db
from tests.harness import BotHarness
from tests.leave.helpers import (
    alert,
    approve,
    cast,
    class_id,
    manager_of_another_class,
    shown,
)


async def _markings(db: Database, clock: ManualClock, count: int) -> None:
    """``count`` hand markings of 李强 by 李红梅, as the roll call records them."""
    cid = await class_id(db)
    boss = (await db.fetchone("SELECT id FROM people WHERE phone = '13800138001'"))[0]
    li = (await db.fetchone("SELECT id FROM people WHERE phone = '15000150003'"))[0]
    sid = (await db.fetchone("SELECT id FROM sessions WHERE external_id = 'S01'"))[0]

    async def op(tx: Tx) -> None:
        for n in range(count):
            await tx.execute(
                "INSERT INTO audit_log (at, actor_id, actor, action, class_id, subject, details)"
                " VALUES (?, ?, 'telegram:1', 'attendance.override', ?, ?, ?)",
                (
                    to_db(clock.now()),
                    boss,
                    cid,
                    f"attendance:session:{sid}:person:{li}",
                    json.dumps({"before": "absent", "after": "present", "reason": f"补录 {n}"}),
                ),
            )

    await db.write(op)


async def test_a_manager_pages_through_the_log_newest_first(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")
    await _markings(db, clock, 20)
    [first] = await people.manager.says("/audit")
    lines = first.text.splitlines()
    total = (await db.fetchone("SELECT count(*) FROM audit_log WHERE class_id IS NOT NULL"))[0]
    assert lines[0] == f"2026年秋季处级干部进修班 操作记录，共 {total} 条，第 1/2 页，最新在前"
    assert "李红梅：标记考勤 · 李强：开班式暨入学教育 · 缺勤 → 出勤（补录 19）" in first.text
    assert first.button_texts == ["较早 ➡️"]
    assert await people.manager.presses_button(first, "较早 ➡️") == []  # edited in place
    second = shown(people.manager, first.message_id)
    assert second.edited and "第 2/2 页" in second.text
    assert "审批请假 · 请假 王芳 #" in second.text and "导入班次" in second.text
    assert second.button_texts == ["⬅️ 较新"]
    [admin_view] = await people.admin.says("/audit")
    assert admin_view.text == first.text


async def test_a_name_filters_the_log_to_what_concerns_that_person(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")
    await _markings(db, clock, 2)
    [wang] = await people.manager.says("/audit 王芳")
    assert "操作记录（王芳）" in wang.text
    assert "请假申请" in wang.text and "审批请假" in wang.text and "李强" not in wang.text
    [li] = await people.manager.says("/audit 李强")
    assert "补录 1" in li.text and "王芳" not in li.text
    [several] = await people.manager.says("/audit 李")  # 李红梅 and 李强
    assert several.text == "有多人的名字含“李”，请选择："
    assert any(label.startswith("李强（市教育局）") for label in several.button_texts)
    [nobody] = await people.manager.says("/audit 不存在")
    assert nobody.text == "您的班次里没有名字含“不存在”的人。"
    [too_long] = await people.manager.says("/audit " + "长" * 41)
    assert "姓名太长了" in too_long.text


async def test_others_are_refused_and_forged_or_stale_pages_change_nothing(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    await _markings(db, clock, 3)
    [refused] = await people.trainee.says("/audit")
    assert refused.text == "只有班主任和管理员可以查看操作记录。"
    teacher = bot.person()
    await teacher.shares_contact("13900139002")
    [refused] = await teacher.says("/audit")
    assert refused.text == "只有班主任和管理员可以查看操作记录。"
    stranger = await manager_of_another_class(bot)
    [own] = await stranger.says("/audit")
    assert "另一个班 操作记录" in own.text and "李强" not in own.text
    ours = await class_id(db)
    for data in (
        AuditPage(ours, 0, 0).pack(),  # another class's log
        "1|ap|x|0|0",  # malformed
    ):
        assert await stranger.presses(own.message_id, data) == []
        assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    [page] = await people.manager.says("/audit")
    for stale in (AuditPage(ours, 0, 5), AuditPage(ours, 999999, 0)):  # no such page, no member
        await people.manager.presses(page.message_id, stale.pack())
        assert alert(bot) == "这个按钮已失效，请重新发送命令。"


async def test_a_redelivered_audit_shows_nothing_more(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    update = bot.telegram.send_text(people.manager.id, "/audit")
    assert len(await bot.feed(people.manager, update)) == 1
    assert await bot.redeliver(people.manager, update) == []
