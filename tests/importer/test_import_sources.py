"""The good class loads from every kind of file a school produces."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from fractions import Fraction
from pathlib import Path

import pytest

from bot.importer import ClassPlan, ImportRefused, load_class_plan
from bot.rules.roles import Role
from tests.importer.conftest import Sheets, Writer

M, T, INS, N = Role.MANAGER, Role.TRAINEE, Role.INSTRUCTOR, Role.MONITOR


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def assert_good_class(plan: ClassPlan, *, first_row: int = 2) -> None:
    """What good_sheets (and english_sheets) say, whatever file they came from."""
    assert (plan.start_date, plan.end_date) == (date(2026, 12, 7), date(2026, 12, 8))
    assert plan.timezone == "Asia/Shanghai"
    assert plan.settings.checkin_mode == "code"
    assert plan.settings.leave_limit_ratio == Fraction(1, 7)  # the default
    assert [(p.row, p.phone, p.roles) for p in plan.people] == [
        (first_row, "13800138002", {M, INS}),
        (first_row + 1, "15000150002", {T}),
        (first_row + 2, "15000150003", {T}),
        (first_row + 3, "15000150001", {T, N}),
    ]
    # 08:30 in Shanghai is 00:30 UTC; the empty hours of S2 come from its 3 hours.
    assert [
        (s.external_id, s.starts_at, s.ends_at, s.hours, s.instructor_phones) for s in plan.sessions
    ] == [
        ("S1", utc(7, 0, 30), utc(7, 3, 30), 3.0, ("13800138002",)),
        ("S2", utc(7, 6, 30), utc(7, 9, 30), 3.0, ("13800138002",)),
        ("S3", utc(8, 0, 30), utc(8, 3, 30), 3.0, ()),
        ("S4", utc(8, 6, 30), utc(8, 7, 30), 1.0, ("13800138002",)),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(
    write_csv: Callable[..., Path], good_sheets: Sheets, encoding: str
) -> None:
    plan = load_class_plan(write_csv(good_sheets, encoding=encoding))
    assert plan.name == "测试班"
    assert_good_class(plan)
    assert [p.name for p in plan.people] == ["陈志远", "王芳", "李强", "张伟"]
    assert plan.people[0].unit == "党校"
    assert [s.title for s in plan.sessions] == ["开班式", "专题讲座", "分组研讨", "结业式"]
    assert [s.location for s in plan.sessions] == ["报告厅", "报告厅", None, "报告厅"]


def test_the_bom_is_not_part_of_the_first_header(
    write_csv: Callable[..., Path], good_sheets: Sheets
) -> None:
    folder = write_csv(good_sheets, bom=True)
    assert (folder / "class.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_class_plan(folder).name == "测试班"


def test_pointing_at_one_csv_file_loads_its_folder(
    write_csv: Callable[..., Path], good_sheets: Sheets
) -> None:
    assert_good_class(load_class_plan(write_csv(good_sheets) / "roster.csv"))


def test_a_workbook_with_typed_cells_and_a_title_row(
    write_xlsx: Writer, good_sheets: Sheets
) -> None:
    # What Excel holds when a person types into it: real dates and times, phones and hours
    # as numbers, a merged title line above each table.
    typed: Sheets = {
        "class": [
            ["2026年测试班"],
            good_sheets["class"][0],
            ["测试班", datetime(2026, 12, 7), date(2026, 12, 8), "code"],
        ],
        "roster": [
            ["测试班花名册"],
            *[
                [name, int(phone), role, unit]
                if isinstance(phone, str) and phone.isdigit()
                else [name, phone, role, unit]
                for name, phone, role, unit in good_sheets["roster"]
            ],
        ],
        "schedule": [
            ["测试班课表", None, None, None, None, None, None],
            good_sheets["schedule"][0],
            [
                "S1",
                "开班式",
                "陈志远",
                datetime(2026, 12, 7, 8, 30),
                datetime(2026, 12, 7, 11, 30),
                "报告厅",
                3,
            ],
            [
                "S2",
                "专题讲座",
                "陈志远",
                datetime(2026, 12, 7, 14, 30),
                datetime(2026, 12, 7, 17, 29, 59, 999_999),
                "报告厅",
                None,
            ],
            [
                "S3",
                "分组研讨",
                None,
                datetime(2026, 12, 8, 8, 30),
                datetime(2026, 12, 8, 11, 30),
                None,
                3.0,
            ],
            [
                "S4",
                "结业式",
                "陈志远",
                datetime(2026, 12, 8, 14, 30),
                datetime(2026, 12, 8, 15, 30),
                "报告厅",
                1,
            ],
        ],
    }
    assert isinstance(typed["roster"][2][1], int)
    plan = load_class_plan(write_xlsx(typed))
    # Rows keep the numbers the spreadsheet shows: the title is row 1, the header row 2.
    assert_good_class(plan, first_row=3)
    assert [s.row for s in plan.sessions] == [3, 4, 5, 6]


def test_chinese_sheet_names_in_a_workbook(write_xlsx: Writer, good_sheets: Sheets) -> None:
    renamed = {"班次": good_sheets["class"], "花名册": good_sheets["roster"]}
    renamed["课表"] = good_sheets["schedule"]
    renamed["说明"] = [["这张表不是班次的一部分，导入时忽略。"]]
    assert_good_class(load_class_plan(write_xlsx(renamed)))


def test_english_headers_and_roles(write_source: Writer, english_sheets: Sheets) -> None:
    plan = load_class_plan(write_source(english_sheets))
    assert plan.name == "Test class"
    assert_good_class(plan)
    assert plan.people[1].unit is None


def test_full_width_characters_and_every_list_separator(
    write_source: Writer, good_sheets: Sheets
) -> None:
    # Typed with a Chinese input method: full-width digits, dashes, commas and spaces.
    sheets = good_sheets
    sheets["class"][0] = ["班次名称＊", "开始日期", "结束日期", " 签到方式 "]
    sheets["class"][1] = ["测试班", "２０２６－１２－０７", "2026年12月8日", "ｃｏｄｅ"]
    sheets["roster"][0] = ["姓名", "ｐｈｏｎｅ", "角色", "单位"]
    sheets["roster"][1] = ["陈志远", "１３８ ００１３ ８００２", "班主任，授课教师", "党校"]
    sheets["roster"][4] = ["张伟", "15000150001", "学员、纪律委员", "发改委"]
    sheets["schedule"][1][2] = "陈　志远"  # padded with an ideographic space
    sheets["schedule"][1][3] = "２０２６／１２／７　８：３０"
    plan = load_class_plan(write_source(sheets))
    assert_good_class(plan)


def test_the_example_class_loads(example_plan: ClassPlan) -> None:
    assert len(example_plan.people) > 10 and len(example_plan.sessions) > 5


def test_a_good_file_is_not_refused_by_accident(write_source: Writer, good_sheets: Sheets) -> None:
    # The fixture the refusal tests start from must itself be good.
    try:
        load_class_plan(write_source(good_sheets))
    except ImportRefused as refused:  # pragma: no cover - shows the problems if it fails
        pytest.fail(f"good sheets refused: {refused.problems}")


def test_time_cells_in_a_workbook_are_read_as_times(
    write_xlsx: Writer, good_sheets: Sheets
) -> None:
    good_sheets["class"][0].append("日报时间")
    good_sheets["class"][1].append(time(6, 59, 59, 999_999))
    plan = load_class_plan(write_xlsx(good_sheets))
    assert plan.settings.digest_time == time(7, 0)
