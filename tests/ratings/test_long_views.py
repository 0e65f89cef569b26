"""Ratings at a large school's scale: every view within Telegram's limit, in pages."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.testing.entities import utf16_len
from storage.db import Tx
from storage.times import to_db
from tests.ratings.conftest import S01_END, Scene
from tests.ratings.test_rating_summary import CLOSES

COMMENT = "这门课的案例很有启发，" * 45  # 495 characters: the longest a comment may be


async def _more_raters(scene: Scene, count: int) -> None:
    """``count`` more trainees of the class who attended S01 and rated it, each commenting."""
    stamp = to_db(scene.clock.now())
    class_id = (
        await scene.db.fetchone("SELECT class_id FROM sessions WHERE id = ?", (scene.session_id,))
    )[0]

    async def op(tx: Tx) -> None:
        for n in range(count):
            pid = await tx.insert(
                "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (f"评分学员{n:03d}", f"1860000{n:04d}", f"rater{n}", stamp, stamp),
            )
            await tx.execute(
                "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'trainee')",
                (class_id, pid),
            )
            await tx.execute(
                "INSERT INTO attendance (session_id, person_id, checkin_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (scene.session_id, pid, stamp, stamp),
            )
            scores = {"content": 5, "teaching": 4, "relevance": 4, "overall": 5}
            await tx.execute(
                "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (scene.session_id, pid, json.dumps(scores), f"{n:03d} {COMMENT}", stamp, stamp),
            )

    await scene.db.write(op)


async def test_a_summary_with_many_long_comments_comes_in_pages_then_the_chart(
    scene: Scene,
) -> None:
    await _more_raters(scene, 30)  # 30 comments of ~500 characters: about four messages
    scene.clock.set(CLOSES)
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert [c for c in scene.bot.telegram.calls if not c.ok] == []
    mine = [m for m in scene.instructor.chat() if m.from_bot]
    start = next(i for i, m in enumerate(mine) if "课程测评结果" in (m.text or ""))
    pages = mine[start:]
    assert len(pages) >= 4 and pages[-1].kind == "photo"  # the chart after the last page
    comments = "\n".join(m.text or "" for m in pages[:-1])
    assert all(f"{n:03d} {COMMENT}" in comments for n in range(30))
    assert all(utf16_len(m.text or "") <= 4096 for m in pages)


async def test_the_table_of_a_hundred_instructors_comes_in_pages_with_its_workbook(
    scene: Scene,
) -> None:
    stamp = to_db(scene.clock.now())
    raters = await scene.db.fetchall(
        "SELECT person_id FROM memberships WHERE role = 'trainee' ORDER BY person_id LIMIT 3"
    )
    class_id = (await scene.db.fetchone("SELECT id FROM classes"))[0]

    async def op(tx: Tx) -> None:
        for n in range(100):
            teacher = await tx.insert(
                "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    f"外聘专家教授{n:03d}号（某某大学公共管理学院）",
                    f"1870000{n:04d}",
                    f"t{n}",
                    stamp,
                    stamp,
                ),
            )
            start = S01_END - timedelta(days=2, hours=n % 20)
            sid = await tx.insert(
                "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at,"
                " hours, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 2, 's', ?, ?)",
                (
                    class_id,
                    f"T{n}",
                    f"专题讲座{n}",
                    to_db(start),
                    to_db(start + timedelta(hours=2)),
                    stamp,
                    stamp,
                ),
            )
            await tx.execute(
                "INSERT INTO session_instructors (session_id, person_id) VALUES (?, ?)",
                (sid, teacher),
            )
            for (pid,) in raters:
                scores = {"content": 4, "teaching": 4, "relevance": 4, "overall": 4 + n % 2}
                await tx.execute(
                    "INSERT INTO ratings (session_id, person_id, scores, submitted_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?)",
                    (sid, pid, json.dumps(scores), stamp, stamp),
                )

    await scene.db.write(op)
    scene.clock.set(S01_END + timedelta(days=3))
    replies = await scene.admin.says("/instructors")
    *table, document = replies
    assert len(table) >= 2 and document.kind == "document"
    text = "\n".join(m.text for m in table)
    assert all(f"外聘专家教授{n:03d}号" in text for n in range(100))
    assert [c for c in scene.bot.telegram.calls if not c.ok] == []
