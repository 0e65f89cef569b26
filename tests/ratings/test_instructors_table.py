"""/instructors: the school's table and its .xlsx, for admins and (their class) managers."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import timedelta

from openpyxl import load_workbook

from bot.config import Config
from storage.db import Tx
from tests.harness import bind, person_id, session_id
from tests.ratings.conftest import S01_END, Scene
from tests.ratings.test_rating_summary import assert_no_trainee_names


def row(text: str, name: str) -> str:
    """An instructor's entry of /instructors, read back as one line:
    'name | lectures | answers | average per question... | satisfaction and marks'."""
    found = re.search(
        rf"\d+\. {name} · 满意率 (?P<sat>[^\n]*)\n(?P<lec>\d+) 次课 · (?P<resp>\d+) 人参评\n"
        r"(?P<avgs>[^\n]*)",
        text,
    )
    assert found is not None, f"{name} not in {text}"
    averages = [part.rsplit(" ", 1)[1] for part in found["avgs"].split(" · ")]
    return " | ".join([name, found["lec"], found["resp"], *averages, found["sat"]])


async def seed_ratings(scene: Scene, external_id: str, overall: list[int]) -> None:
    """Ratings as the form stores them, one per trainee of the class."""
    sid = await session_id(scene.db, external_id)
    rows = await scene.db.fetchall(
        "SELECT person_id FROM memberships WHERE role = 'trainee' ORDER BY person_id"
    )
    assert len(rows) >= len(overall)

    async def write(tx: Tx) -> None:
        for (pid,), score in zip(rows, overall, strict=False):
            scores = {"content": 4, "teaching": 4, "relevance": 4, "overall": score}
            await tx.execute(
                "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
                " updated_at) VALUES (?, ?, ?, ?, 'x', 'x')",
                (sid, pid, json.dumps(scores), f"comment by {pid}"),
            )

    await scene.db.write(write)


async def test_admin_table_marks_low_and_excellent_and_sends_xlsx(scene: Scene) -> None:
    await seed_ratings(scene, "S01", [5] * 10)  # 陈志远: 100% of 10: excellent
    await seed_ratings(scene, "S02", [5, 4, 3, 2, 1])  # 王建国: 40%: under 80%
    scene.clock.set(S01_END + timedelta(days=3))
    replies = await scene.admin.says("/instructors")
    table, document = replies
    assert row(table.text, "陈志远") == "陈志远 | 1 | 10 | 4.00 | 4.00 | 4.00 | 5.00 | 100.0% ★"
    assert row(table.text, "王建国") == "王建国 | 1 | 5 | 4.00 | 4.00 | 4.00 | 3.00 | 40.0% ⚠"
    assert "陈志远：开班式暨入学教育" in table.text
    assert "comment by" not in table.text
    assert document.kind == "document"
    upload = scene.bot.telegram.calls_of("sendDocument")[-1].files
    name, content, _ = next(iter(upload.values()))
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("教师测评汇总（") and rows[1] == (None,) * len(rows[1])
    rows = rows[2:]  # from the header on
    assert rows[0][:3] == ("教师", "课次", "测评人数")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["陈志远"][2] == 10 and by_name["陈志远"][7] == 1.0
    assert "精品课候选" in by_name["陈志远"][8]
    assert by_name["王建国"][7] == 0.4 and "低于80%" in by_name["王建国"][8]
    flat = " ".join(str(v) for r in rows for v in r)
    for name in scene.trainee_names:
        assert name not in flat
    # Ranked, each with its lectures named: it fits a phone (no table cut at 4 columns).
    assert table.text.index("1. 陈志远") < table.text.index("2. 王建国")
    assert "• 开班式暨入学教育" in table.text and "<pre>" not in (table.html or "")
    # The second sheet: every lecture with its figures and comments; widths set.
    book = load_workbook(io.BytesIO(content))
    lectures = book["各次课程"]
    assert lectures.column_dimensions["B"].width >= 30 and lectures.freeze_panes == "A4"
    lines = list(lectures.iter_rows(min_row=3, values_only=True))
    assert lines[0][:5] == ("日期", "课程", "班次", "教师", "测评人数")
    opening = next(line for line in lines[1:] if line[1] == "开班式暨入学教育")
    assert opening[3] == "陈志远" and opening[4] == 10 and "comment by" in opening[-1]
    flat = " ".join(str(v) for line in lines for v in line)
    for name in scene.trainee_names:
        assert name not in flat
    assert_no_trainee_names(scene, scene.admin)


async def test_manager_sees_their_class_and_others_are_refused(scene: Scene) -> None:
    await seed_ratings(scene, "S01", [4, 4, 4])
    scene.clock.set(S01_END + timedelta(days=1))
    table, _ = await scene.manager.says("/instructors")
    assert row(table.text, "陈志远").startswith("陈志远 | 1 | 3")
    assert_no_trainee_names(scene, scene.manager)
    [refused] = await scene.trainees[0].says("/instructors")
    assert refused.text == "只有管理员和班主任可以查看教师测评汇总。"
    teacher = next(p for p in scene.plan.people if p.name == "刘晓燕")
    only_teaching = await bind(scene.bot, teacher.phone)
    [refused] = await only_teaching.says("/instructors")
    assert refused.text == "只有管理员和班主任可以查看教师测评汇总。"


async def test_a_manager_of_another_class_sees_nothing_of_this_one(scene: Scene) -> None:
    await seed_ratings(scene, "S01", [4, 4, 4])

    async def other_class(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO classes (name, start_date, end_date, timezone, created_at, updated_at)"
            " VALUES ('Other', '2026-12-01', '2026-12-20', 'Asia/Shanghai', 'x', 'x')"
        )
        cid = (await tx.fetchone("SELECT id FROM classes WHERE name = 'Other'"))[0]
        await tx.execute(
            "UPDATE memberships SET class_id = ? WHERE person_id = ? AND role = 'manager'",
            (cid, await person_id(scene.db, "李红梅")),
        )

    await scene.db.write(other_class)
    scene.clock.set(S01_END + timedelta(days=1))
    [reply] = await scene.manager.says("/instructors")
    assert "没有授课记录" in reply.text


async def test_period_arguments(scene: Scene) -> None:
    await seed_ratings(scene, "S01", [4, 4, 4])
    scene.clock.set(S01_END + timedelta(days=30))
    table, _ = await scene.admin.says("/instructors 2026-12-07 2026-12-07")
    assert "2026-12-07 – 2026-12-07" in table.text and "陈志远" in table.text
    [none] = await scene.admin.says("/instructors 2026-11-01 2026-11-30")
    assert "没有授课记录" in none.text
    for bad in (
        "/instructors 2026-13-01 2026-12-31",
        "/instructors tomorrow",
        "/instructors 2026-12-09 2026-12-01",
    ):
        [reply] = await scene.admin.says(bad)
        assert reply.text.startswith("日期格式不对"), bad


async def test_the_thresholds_are_the_schools_configuration(scene: Scene, config: Config) -> None:
    await seed_ratings(scene, "S01", [5, 5, 4, 1])  # 75% of 4
    await seed_ratings(scene, "S02", [5, 4, 3, 2, 1])  # 40% of 5
    scene.clock.set(S01_END + timedelta(days=3))
    table, _ = await scene.admin.says("/instructors")  # the defaults: 80%, 95% of 10
    assert row(table.text, "陈志远") == "陈志远 | 1 | 4 | 4.00 | 4.00 | 4.00 | 3.75 | 75.0% ⚠"
    assert "满意率低于 80%" in table.text and "不低于 95% 且至少 10 人参评" in table.text
    school = replace(config, rating_low_pct=50, excellent_pct=75, excellent_min_responses=4)
    await scene.bot.restart(school)
    table, _ = await scene.admin.says("/instructors")
    assert row(table.text, "陈志远") == "陈志远 | 1 | 4 | 4.00 | 4.00 | 4.00 | 3.75 | 75.0% ★"
    assert row(table.text, "王建国") == "王建国 | 1 | 5 | 4.00 | 4.00 | 4.00 | 3.00 | 40.0% ⚠"
    assert "满意率低于 50%" in table.text and "不低于 75% 且至少 4 人参评" in table.text
    upload = scene.bot.telegram.calls_of("sendDocument")[-1].files
    sheet = load_workbook(io.BytesIO(next(iter(upload.values()))[1])).active
    marks = {r[0]: r[-1] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert marks["王建国"] == "低于50%" and marks["陈志远"].startswith("精品课候选")


async def test_a_managers_period_is_read_in_the_classs_time_zone(scene: Scene) -> None:
    await seed_ratings(scene, "S01", [4, 4, 4])
    # S01 ends at 03:30 UTC on 12-07: 11:30 that day in Shanghai, 22:30 the day before in
    # New York, where this class now keeps its calendar.
    await scene.db.write(lambda tx: tx.execute("UPDATE classes SET timezone = 'America/New_York'"))
    scene.clock.set(S01_END + timedelta(days=30))
    table, _ = await scene.manager.says("/instructors 2026-12-06 2026-12-06")
    assert "2026-12-06 – 2026-12-06" in table.text and row(table.text, "陈志远").startswith(
        "陈志远 | 1 | 3"
    )
    table, _ = await scene.manager.says("/instructors 2026-12-07 2026-12-07")
    assert "陈志远" not in table.text and row(table.text, "王建国").startswith(
        "王建国 | 1 | 0"
    )  # S02 only
    # The admin's school-wide view keeps the configured zone (Asia/Shanghai).
    [none] = await scene.admin.says("/instructors 2026-12-06 2026-12-06")
    assert "没有授课记录" in none.text
    table, _ = await scene.admin.says("/instructors 2026-12-07 2026-12-07")
    assert row(table.text, "陈志远").startswith("陈志远 | 1 | 3")


async def test_the_table_takes_the_same_reads_for_one_lecture_or_all_of_them(
    scene: Scene,
) -> None:
    """Set-based: the reads of /instructors do not grow with the lectures in the period."""
    for sid in await scene.db.fetchall("SELECT external_id FROM sessions ORDER BY starts_at"):
        await seed_ratings(scene, sid[0], [5, 4, 4])
    statements: list[str] = []

    async def reads_of_the_table() -> tuple[int, str]:
        await scene.admin.says("/help")  # who is speaking: read before counting
        await scene.db.trace(statements.append)
        try:
            table, _ = await scene.admin.says("/instructors 2026-12-01 2027-01-31")
        finally:
            await scene.db.trace(None)
        reads = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))
        statements.clear()
        return reads, table.text

    scene.clock.set(S01_END + timedelta(days=2))  # the first lecture's rating is over
    few, first = await reads_of_the_table()
    scene.clock.set(S01_END + timedelta(days=60))  # every lecture's is
    many, last = await reads_of_the_table()
    lectures = await scene.count("SELECT count(DISTINCT session_id) FROM session_instructors")
    assert lectures > 3
    assert len(last.splitlines()) > len(first.splitlines())  # more lectures, more lines...
    assert many == few  # ...and the same reads


async def test_the_lecture_sheet_withholds_a_little_rated_lectures_figures_and_comments(
    scene: Scene,
) -> None:
    """Its figures are counted and its comments read alone: under the class's threshold
    (3) the sheet still shows the count only."""
    await seed_ratings(scene, "S01", [5, 4])  # two answers, two comments: too few
    await seed_ratings(scene, "S02", [5, 4, 3])
    scene.clock.set(S01_END + timedelta(days=3))
    await scene.admin.says("/instructors")
    upload = scene.bot.telegram.calls_of("sendDocument")[-1].files
    book = load_workbook(io.BytesIO(next(iter(upload.values()))[1]))
    lines = list(book["各次课程"].iter_rows(min_row=4, values_only=True))
    little = next(line for line in lines if line[3] == "陈志远")
    assert little[4] == 2 and all(v is None for v in little[5:-1])
    assert not little[-1]  # no comment
    enough = next(line for line in lines if line[3] == "王建国")
    assert enough[4] == 3 and enough[9] == 2 / 3 and enough[-1].count("comment by") == 3
