"""Building import sources in tmp_path: a folder of CSV files or an .xlsx workbook."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

Rows = list[list[object]]
Sheets = dict[str, Rows]
Writer = Callable[[Sheets], Path]


def _as_text(value: object) -> str:
    # What a person would type into a CSV for the same cell.
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write sheets as name.csv files in a fresh folder (UTF-8; with a BOM if asked)."""
    counter = iter(range(1000))

    def write(sheets: Sheets, *, bom: bool = False, encoding: str | None = None) -> Path:
        folder = tmp_path / f"csv{next(counter)}"
        folder.mkdir()
        for name, rows in sheets.items():
            with (folder / f"{name}.csv").open(
                "w", encoding=encoding or ("utf-8-sig" if bom else "utf-8"), newline=""
            ) as file:
                csv.writer(file).writerows([[_as_text(v) for v in row] for row in rows])
        return folder

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Writer:
    """Write sheets into a fresh workbook, one worksheet per name, cells keeping their types."""
    counter = iter(range(1000))

    def write(sheets: Sheets) -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for name, rows in sheets.items():
            worksheet = workbook.create_sheet(name)
            for number, row in enumerate(rows, start=1):
                for column, value in enumerate(row, start=1):
                    if value is not None:
                        worksheet.cell(number, column, value)
        path = tmp_path / f"class{next(counter)}.xlsx"
        workbook.save(path)
        return path

    return write


@pytest.fixture(params=["csv", "xlsx"])
def write_source(request: pytest.FixtureRequest, write_csv: Writer, write_xlsx: Writer) -> Writer:
    """Each test using this runs twice: once on a CSV folder, once on a workbook."""
    return write_csv if request.param == "csv" else write_xlsx


@pytest.fixture
def good_sheets() -> Sheets:
    """A small valid class; tests change a cell or two to make one mistake."""
    return {
        "class": [
            ["班次名称", "开始日期", "结束日期", "签到方式"],
            ["测试班", "2026-12-07", "2026-12-08", "code"],
        ],
        "roster": [
            ["姓名", "手机号", "角色", "单位"],
            ["陈志远", "13800138002", "班主任、授课教师", "党校"],
            ["王芳", "15000150002", "学员", "财政局"],
            ["李强", "15000150003", "学员", "教育局"],
            ["张伟", "15000150001", "学员，纪律委员", "发改委"],
        ],
        "schedule": [
            ["编号", "课程", "授课教师", "开始时间", "结束时间", "地点", "学时"],
            ["S1", "开班式", "陈志远", "2026-12-07 08:30", "2026-12-07 11:30", "报告厅", "3"],
            ["S2", "专题讲座", "陈志远", "2026-12-07 14:30", "2026-12-07 17:30", "报告厅", None],
            ["S3", "分组研讨", None, "2026-12-08 08:30", "2026-12-08 11:30", None, "3"],
            ["S4", "结业式", "陈志远", "2026-12-08 14:30", "2026-12-08 15:30", "报告厅", "1"],
        ],
    }


@pytest.fixture
def english_sheets() -> Sheets:
    """The same class as good_sheets, with English headers, roles and a timezone column."""
    return {
        "class": [
            ["name", "start_date", "end_date", "timezone", "checkin_mode"],
            ["Test class", "2026-12-07", "2026-12-08", "Asia/Shanghai", "code"],
        ],
        "roster": [
            ["Name", "Phone", "Role", "Unit"],
            ["Chen Zhiyuan", "138 0013 8002", "manager, instructor", "Party School"],
            ["Wang Fang", "+86 150-0015-0002", "trainee", None],
            ["Li Qiang", "0086 15000150003", "Trainee", "Education"],
            ["Zhang Wei", "15000150001", "trainee,monitor", "Development"],
        ],
        "schedule": [
            ["id", "title", "instructor", "starts_at", "ends_at", "location", "hours"],
            ["S1", "Opening", "Chen Zhiyuan", "2026-12-07 08:30", "2026-12-07 11:30", "Hall", 3],
            ["S2", "Lecture", "chen zhiyuan", "2026-12-07 14:30", "2026-12-07 17:30", "Hall", None],
            ["S3", "Discussion", None, "2026-12-08 08:30", "2026-12-08 11:30", None, 3],
            ["S4", "Closing", "Chen Zhiyuan", "2026-12-08 14:30", "2026-12-08 15:30", "Hall", 1],
        ],
    }


def edit(sheets: Sheets, sheet: str, row: int, column: str, value: object) -> Sheets:
    """A copy of the sheets with one cell changed; row is the spreadsheet row (header = 1)."""
    copy = {name: [list(cells) for cells in rows] for name, rows in sheets.items()}
    header = copy[sheet][0]
    copy[sheet][row - 1][header.index(column)] = value
    return copy
