"""/export: the class's workbook and its training files, for its managers and admins."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.buttons import ExportClass
from bot.clock import ManualClock
from bot.docx import text_of
from storage.db import Database, Tx
from tests.checkin.support import S01_END, S01_START
from tests.harness import BotHarness, set_settings
from tests.leave.helpers import alert, approve, cast, class_id, manager_of_another_class
from tests.records.support import archive, rows, sent_documents, workbook

NEXT_NOON = datetime(2026, 12, 8, 4, 30, tzinfo=UTC)  # 12:30 on day 2: S01-S03 are final
SHEETS = ["考勤汇总", "签到明细", "请假登记", "课程测评", "操作记录"]


async def _story(bot: BotHarness, db: Database, clock: ManualClock):
    """王芳 attends S01 (in and out), misses S02, is on approved leave for S03."""
    await set_settings(db, checkin_mode="none")
    people = await cast(bot)
    await approve(bot, people.trainee, people.manager, "S03")
    clock.set(S01_START)
    await people.trainee.says("/checkin")
    clock.set(S01_END)
    await people.trainee.says("/checkout")
    clock.set(NEXT_NOON)
    return people


async def test_a_manager_gets_the_workbook_and_the_training_files(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await _story(bot, db, clock)
    replies = await people.manager.says("/export")
    assert [r.kind for r in replies] == ["document", "document"]
    assert "班次档案" in replies[0].text and "培训档案" in replies[1].text
    (book_name, book_data), (zip_name, zip_data) = sent_documents(bot)
    assert book_name == "2026年秋季处级干部进修班-班次档案.xlsx" and zip_name.endswith(".zip")
    book = workbook(book_data)
    assert book.sheetnames == SHEETS

    summary = rows(book, "考勤汇总")
    assert summary[0][0].startswith("2026年秋季处级干部进修班（2026-12-07 至 2026-12-11）")
    assert "生成时间：2026-12-08 12:30" in summary[0][0]
    assert summary[1][:7] == ("序号", "姓名", "单位", "手机号", "总学时", "已上学时", "出勤学时")
    assert summary[1][11:14] == ("病假（学时）", "事假（学时）", "公假（学时）")
    by_name = {r[1]: r for r in summary[2:-1]}
    assert len(by_name) == 12
    wang = by_name["王芳"]
    # 29.5 h in all; held S01-S03 (9 h): S01 attended, S02 absent, S03 on personal leave.
    assert wang[2:7] == ("市财政局", "15000150002", 29.5, 9, 3)
    assert wang[7:11] == (0, 0, 0, 3)  # late, left early, no check-out, absent hours
    assert wang[11:15] == (0, 3, 0, 3)  # sick, personal, official, all leave
    assert abs(wang[15] - 6 / (29.5 / 7)) < 1e-9  # leave 3 + absence 3 of the 4.21 h limit
    assert abs(wang[16] - 1 / 3) < 1e-9
    assert book["考勤汇总"].cell(3 + list(by_name).index("王芳"), 17).number_format == "0.0%"
    total = summary[-1]
    assert total[0] == "合计" and total[4:7] == (29.5 * 12, 9 * 12, 3)
    assert total[10] == 9 * 11 + 3 and total[14] == 3  # everyone else missed all three
    assert abs(total[16] - 3 / 108) < 1e-9

    signin = rows(book, "签到明细")
    assert signin[1][:9] == (
        "日期",
        "开始",
        "结束",
        "课程",
        "授课教师",
        "学时",
        "姓名",
        "单位",
        "状态",
    )
    assert len(signin) == 2 + 12 * 10  # every trainee, every session
    mine = [r for r in signin[2:] if r[6] == "王芳"]
    first = mine[0]
    assert first[0] == datetime(2026, 12, 7) and first[1] == time(8, 30)
    assert first[3:6] == ("开班式暨入学教育", "陈志远", 3) and first[8] == "出勤"
    assert first[11] == datetime(2026, 12, 7, 8, 30) and first[12] == "直接签到"
    assert first[13] == datetime(2026, 12, 7, 11, 30)
    assert mine[1][8] == "缺勤" and mine[2][8] == "请假" and mine[2][15].startswith("事假（已批准")
    assert mine[3][8] == "未开始或进行中"
    sheet = book["签到明细"]
    assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.cell(3, 1).number_format == "yyyy-mm-dd"

    register = rows(book, "请假登记")
    [leave] = register[2:]
    assert leave[1:5] == ("王芳", "市财政局", "事假", "是")
    assert "专题讲座：推动高质量发展的实践路径" in leave[5] and leave[6] == 3
    assert leave[11:13] == ("批准", "李红梅") and leave[19] == "已批准"

    audit = rows(book, "操作记录")
    actions = [r[2] for r in audit[2:]]
    assert "导入班次" in actions and "请假申请" in actions and "审批请假" in actions
    decided = next(r for r in audit[2:] if r[2] == "审批请假")
    assert decided[1] == "李红梅" and decided[3].startswith("请假 王芳") and decided[5] == "批准"

    files = archive(zip_data)
    assert len(files) == 12
    [wang_file] = [name for name in files if "王芳" in name]
    assert wang_file.startswith("培训档案/") and wang_file.endswith(".docx")
    text = text_of(files[wang_file])
    assert "学员培训档案" in text and "王芳" in text and "市财政局" in text
    lines = text.splitlines()
    at = lines.index("开班式暨入学教育")
    assert lines[at - 2 : at + 5] == [
        "2026-12-07",
        "08:30–11:30",
        "开班式暨入学教育",
        "3",
        "出勤",
        "08:30",
        "11:30",
    ]
    assert "缺勤" in text and "请假" in text and "批准（李红梅" in text
    assert "出勤 3 学时，出勤率 33%" in text
    assert "已超过请假上限，尚待学校作出处理决定。" in text
    assert "待结业考核后填写" in text


async def test_an_admin_exports_too_and_a_class_in_english_gets_english_sheets(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await _story(bot, db, clock)
    replies = await people.admin.says("/export")
    assert [r.kind for r in replies] == ["document", "document"]
    await set_settings(db, checkin_mode="none", locale="en")
    before = len(bot.telegram.calls_of("sendDocument"))
    await people.manager.says("/export")
    (name, data), (zip_name, zipped) = sent_documents(bot, before)
    assert name.endswith("-records.xlsx") and zip_name.endswith("-training files.zip")
    book = workbook(data)
    assert book.sheetnames == [
        "Attendance summary",
        "Sign-in sheet",
        "Leave register",
        "Ratings",
        "Audit log",
    ]
    assert rows(book, "Sign-in sheet")[1][8] == "Status"
    [wang] = [content for n, content in archive(zipped).items() if "王芳" in n]
    assert "Training file" in text_of(
        wang
    ) and "To be completed after the final assessment" in text_of(wang)


async def test_who_may_not_export_is_told_and_gets_nothing(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await _story(bot, db, clock)
    [refused] = await people.trainee.says("/export")
    assert refused.text == "只有班主任和管理员可以导出班次档案。"
    teacher = bot.person()
    await teacher.shares_contact("13900139002")  # 刘晓燕, an instructor only
    [refused] = await teacher.says("/export")
    assert refused.text == "只有班主任和管理员可以导出班次档案。"
    stranger = await manager_of_another_class(bot)
    [help_] = await stranger.says("/help")
    ours = await class_id(db)
    assert await stranger.presses(help_.message_id, ExportClass(ours).pack()) == []
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert await stranger.presses(help_.message_id, "1|xc|not-a-number") == []
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert sent_documents(bot) == []


async def test_a_class_with_no_sessions_gives_an_empty_but_valid_workbook(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    stranger = await manager_of_another_class(bot)
    replies = await stranger.says("/export")  # only their class: 另一个班, no timetable
    assert [r.kind for r in replies] == ["document", "document"]
    (name, data), (_, zipped) = sent_documents(bot)
    assert name == "另一个班-班次档案.xlsx"
    book = workbook(data)
    assert book.sheetnames == SHEETS
    assert len(rows(book, "签到明细")) == 2
    summary = rows(book, "考勤汇总")
    assert summary[-1][0] == "合计" and summary[-1][4] == 0
    assert isinstance(archive(zipped), dict)


async def test_several_classes_offer_a_choice_and_a_name_picks_one(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await _story(bot, db, clock)
    other = await manager_of_another_class(bot)
    boss_id = (await db.fetchone("SELECT id FROM people WHERE phone = '13800138001'"))[0]
    other_class = (await db.fetchone("SELECT id FROM classes WHERE name = '另一个班'"))[0]

    async def op(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'manager')",
            (other_class, boss_id),
        )

    await db.write(op)
    del other
    [choice] = await people.manager.says("/export")
    assert choice.text == "导出哪个班次的档案？"
    assert choice.button_texts == ["2026年秋季处级干部进修班", "另一个班"]
    docs = await people.manager.presses_button(choice, "另一个班")
    assert [d.kind for d in docs] == ["document", "document"]
    assert sent_documents(bot)[0][0] == "另一个班-班次档案.xlsx"
    await people.manager.says("/export 秋季")
    assert sent_documents(bot)[2][0] == "2026年秋季处级干部进修班-班次档案.xlsx"
    [none] = await people.manager.says("/export 不存在的班")
    assert "没有名称含“不存在的班”的" in none.text


async def test_a_redelivered_export_sends_nothing_twice(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await _story(bot, db, clock)
    update = bot.telegram.send_text(people.manager.id, "/export")
    assert len(await bot.feed(people.manager, update)) == 2
    assert await bot.redeliver(people.manager, update) == []
    assert len(sent_documents(bot)) == 2


async def test_a_name_that_looks_like_a_formula_stays_text(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    people = await _story(bot, db, clock)
    evil = '=HYPERLINK("http://evil.example","点我")'

    async def op(tx: Tx) -> None:
        await tx.execute(
            "UPDATE people SET name = ?, unit = '@SUM(1)' WHERE phone = '15000150003'", (evil,)
        )

    await db.write(op)
    await people.manager.says("/export")
    (_, data), (_, zipped) = sent_documents(bot)
    sheet = workbook(data)["考勤汇总"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == evil]
    assert cells and all(c.data_type == "s" for c in cells)
    assert any(
        c.value == "@SUM(1)" and c.data_type == "s" for row in sheet.iter_rows() for c in row
    )
    names = archive(zipped)
    assert any(
        name.endswith(".docx") and "HYPERLINK" in name and "/" not in name.split("/", 1)[1]
        for name in names
    )
