"""/risk: trainees by share of the leave limit, days of unexcused absence, the best rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.buttons import RiskShow
from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.testing.entities import utf16_len
from storage.db import Database
from tests.checkin.support import S01_END, S01_START, big_class, monitor
from tests.harness import BotHarness, set_settings
from tests.leave.helpers import alert, approve, cast, class_id, manager_of_another_class, said

NEXT_NOON = datetime(2026, 12, 8, 4, 30, tzinfo=UTC)  # 12:30 on day 2: S01-S03 are final


async def test_the_list_ranks_by_share_and_flags_days_of_absence(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: ManualClock
) -> None:
    await set_settings(db, checkin_mode="none", absence_counts_toward_limit="no")
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")  # 王芳: 3 of 4.2 h, 71%
    for start, end in (
        (S01_START, S01_END),
        (S01_START + timedelta(hours=6), S01_END + timedelta(hours=6)),
    ):
        clock.set(start)
        await people.trainee.says("/checkin")
        clock.set(end)
        await people.trainee.says("/checkout")
    clock.set(NEXT_NOON)
    [shown] = await people.manager.says("/risk")
    lines = shown.text.splitlines()
    assert "风险学员（共 12 名学员，请假上限 4.2 学时）" in lines[0]
    assert lines[1] == "超过上限 0 人 · 超过 80% 0 人 · 超过 50% 1 人 · 旷课 2 天及以上 11 人"
    # 王芳 first (past 50%), then those absent two days; she can still reach 89%.
    assert lines[2] == "🟡 王芳（市财政局）：请假 3 学时（上限的 71%），最高可达出勤率 89%"
    assert lines[3].startswith("⚪ ") and "旷课 2 天，最高可达出勤率 69%" in lines[3]
    [seen] = await people.admin.says("/risk")  # admins of the class too
    assert seen.text == shown.text
    for who in (people.trainee, await monitor(bot, example_class)):
        [refused] = await who.says("/risk")
        assert "只有班主任和管理员可以查看风险学员" in refused.text


async def test_the_80_percent_warning_is_one_tap_from_the_list(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")  # 71%: the 50% warning
    await approve(bot, people.trainee, people.manager, "S10")  # 4 of 4.2 h: 94%
    await bot.deliver_outbox()
    warning = said(people.manager, "的请假已超过上限的 80%")
    assert warning.button_texts == ["⚠️ 查看风险学员"]
    [listed] = await people.manager.presses_button(warning, "⚠️ 查看风险学员")
    assert "🟠 王芳（市财政局）：请假 4 学时（上限的 94%）" in listed.text
    stranger = await manager_of_another_class(bot)
    [seen] = await stranger.says("/help")
    assert await stranger.presses(seen.message_id, RiskShow(await class_id(db)).pack()) == []
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"


async def test_a_class_of_900_fits_one_message(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    await big_class(
        db,
        trainees=900,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    clock.set(S01_END + timedelta(hours=1))  # all 900 missed the only session
    [shown] = await boss.says("/risk")
    assert "trainees at risk (900 trainees, leave limit 0.4 class hours)" in shown.text
    assert "Over the limit 900" in shown.text
    assert "🔴 Trainee with a long name 0000: leave 3 h (700% of the limit)" in shown.text
    assert "more not listed" in shown.text and utf16_len(shown.text) <= 4096
