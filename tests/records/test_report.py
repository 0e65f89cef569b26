"""/report NAME [FROM TO]: an instructor's rating report for their unit, for admins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.docx import text_of
from storage.db import Database, Tx
from tests.harness import BotHarness, session_id
from tests.leave.helpers import cast
from tests.records.support import sent_documents

S02_END = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


async def _rate(db: Database, external_id: str, overall: list[int], comment: str) -> None:
    sid = await session_id(db, external_id)

    async def op(tx: Tx) -> None:
        for n, score in enumerate(overall):
            scores = {"content": 4, "teaching": 5, "relevance": 4, "overall": score}
            await tx.execute(
                "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
                " updated_at) VALUES (?, NULL, ?, ?, 'x', 'x')",
                (sid, json.dumps(scores), f"{comment} {n}"),
            )

    await db.write(op)


async def test_an_admin_gets_one_instructors_report_as_a_word_document(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    await _rate(db, "S02", [5, 5, 4, 3], "讲得透彻")  # 王建国: 3 of 4 satisfied
    await _rate(db, "S08", [5, 5], "很好")  # 王建国 too, but 2 answers: under the minimum
    clock.set(datetime(2026, 12, 14, tzinfo=UTC))
    [reply] = await people.admin.says("/report 王建国 2026-12-01 2026-12-31")
    assert reply.kind == "document" and "王建国" in reply.text
    ((name, data),) = sent_documents(bot)
    assert name == "王建国-20261201-20261214.docx"
    text = text_of(data)
    assert "授课教师测评报告" in text and "市委党校党史党建教研部" in text
    assert "专题讲座：新时代党的建设总要求" in text and "75.0%" in text
    assert "专题讲座：数字政府建设" in text  # listed with its count, no figures
    assert "期间授课 3 次（测评已结束），学员测评 6 人次，总体满意度 75.0%" in text
    assert "2026-12" in text and "讲得透彻" in text and "很好" not in text
    for trainee in ("王芳", "李强", "张伟"):
        assert trainee not in text


async def test_who_may_not_and_what_is_not_understood(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await cast(bot)
    clock.set(S02_END + timedelta(days=2))
    [refused] = await people.manager.says("/report 王建国")  # a class manager, not an admin
    assert refused.text == "只有管理员可以生成教师测评报告。"
    [refused] = await people.trainee.says("/report 王建国")
    assert refused.text == "只有管理员可以生成教师测评报告。"
    for bad in ("/report", "/report 王建国 2026-12-31 2026-12-01", "/report 王建国 2026-13-01 x"):
        [usage] = await people.admin.says(bad)
        assert usage.text.startswith("用法：/report 教师姓名"), bad
    [nobody] = await people.admin.says("/report 王芳")  # a trainee, not an instructor
    assert nobody.text == "没有名字含“王芳”的授课教师。"
    [none] = await people.admin.says("/report 刘晓燕 2026-12-01 2026-12-07")
    assert "刘晓燕 在 2026-12-01 – 2026-12-07 没有测评已结束的课程" in none.text
    assert sent_documents(bot) == []
    stamp = "2026-12-01T00:00:00+00:00"

    async def op(tx: Tx) -> None:
        pid = await tx.insert(
            "INSERT INTO people (name, phone, unit, invite_code, created_at, updated_at)"
            " VALUES ('王建军', '13900139099', '区委党校', 'inv-wjj', ?, ?)",
            (stamp, stamp),
        )
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role)"
            " SELECT id, ?, 'instructor' FROM classes",
            (pid,),
        )

    await db.write(op)
    [several] = await people.admin.says("/report 王建")
    assert several.text.startswith("有多位授课教师的名字含“王建”：")
    assert (
        "王建国（市委党校党史党建教研部）" in several.text and "王建军（区委党校）" in several.text
    )
    update = bot.telegram.send_text(people.admin.id, "/report 王建国")  # the exact name wins
    [document] = await bot.feed(people.admin, update)
    assert document.kind == "document"
    assert await bot.redeliver(people.admin, update) == []
    assert len(sent_documents(bot)) == 1
