"""/rate for a session nobody attended: the class manager is told so, not "everyone rated"."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import bind
from tests.ratings.conftest import S01_END


def phone(plan, name: str) -> str:
    return next(p.phone for p in plan.people if p.name == name)


async def test_a_manager_sees_that_nobody_attended(bot, db, clock, example_class) -> None:
    manager = await bind(bot, phone(example_class, "李红梅"))
    trainee = await bind(bot, phone(example_class, "王芳"))
    clock.set(S01_END + timedelta(hours=1))  # S01 is over; nobody checked in
    [progress] = await manager.says("/rate")
    assert "开班式暨入学教育" in progress.text and "已评 0 / 0 人" in progress.text
    assert "没有学员出勤这节课，无人可评分。" in progress.text
    assert "全部已评分" not in progress.text
    # A trainee asking the same gets their own (empty) list, never the progress.
    [own] = await trainee.says("/rate")
    assert "测评进度" not in own.text and "开班式暨入学教育" not in own.text
