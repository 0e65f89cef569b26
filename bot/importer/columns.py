"""The columns each sheet may have, and finding them by the headers a file uses."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.importer.model import Problem
from bot.rules.class_settings import SETTING_COLUMNS


@dataclass(frozen=True)
class Column:
    """A column a sheet may have: its English name, Chinese headers, and if it must exist."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False

    def expected(self) -> str:
        """The headers accepted for this column, for a message: its name, then its aliases."""
        return " / ".join((self.name, *self.aliases))


# The first alias is the header the example files use; the others are what schools
# commonly write instead.
CLASS_COLUMNS: tuple[Column, ...] = (
    Column("name", ("班次名称", "班次", "培训班名称"), required=True),
    Column("start_date", ("开始日期",), required=True),
    Column("end_date", ("结束日期",), required=True),
    Column("timezone", ("时区",)),
    *(Column(name, (alias,)) for name, alias in SETTING_COLUMNS.items()),
)
ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("name", ("姓名",), required=True),
    Column("phone", ("手机号", "手机", "手机号码", "电话", "联系电话"), required=True),
    Column("role", ("角色",), required=True),
    Column("unit", ("单位", "工作单位")),
)
SCHEDULE_COLUMNS: tuple[Column, ...] = (
    Column("id", ("编号",)),
    Column("title", ("课程", "课程名称"), required=True),
    Column("instructor", ("授课教师", "教师", "主讲人")),
    Column("starts_at", ("开始时间",), required=True),
    Column("ends_at", ("结束时间",), required=True),
    Column("location", ("地点", "上课地点")),
    Column("hours", ("学时",)),
)
# graduation: the assessment scheme (考核方案) and the scores (成绩), whose other columns are
# the scheme's components, named as the scheme names them.
ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    Column("component", ("考核项目", "项目", "考核内容"), required=True),
    Column("weight", ("权重", "分值", "比重"), required=True),
)
SCORES_COLUMNS: tuple[Column, ...] = (
    Column("phone", ROSTER_COLUMNS[1].aliases, required=True),
    Column("name", ("姓名",), required=True),
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    "class": CLASS_COLUMNS,
    "roster": ROSTER_COLUMNS,
    "schedule": SCHEDULE_COLUMNS,
    "assessment": ASSESSMENT_COLUMNS,
    "scores": SCORES_COLUMNS,
}

# Sheets often open with a title row above the headers; the header row is the
# first of these rows that names a known column.
_HEADER_SEARCH_ROWS = 10


def header_key(text: object) -> str:
    """Fold a header for matching: full-width to ASCII, spaces and a '*' marker off, any case."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip().strip("*").strip().lower()


@dataclass(frozen=True)
class Header:
    """Where each known column is in a sheet, and how the file wrote its header."""

    row: int
    index: dict[str, int]  # column name -> position in the row
    written: dict[str, str]  # column name -> header as written
    unknown: tuple[str, ...]  # headers that name no column, as written
    unknown_at: dict[str, int] = field(default_factory=dict)  # ... and their positions


def find_header(
    sheet: str, rows: Sequence[tuple[int, Sequence[object]]]
) -> tuple[Header, list[Problem]]:
    """Locate the header row among the first non-blank rows and map its columns."""
    columns = COLUMNS[sheet]
    lookup = {
        header_key(alias): column for column in columns for alias in (column.name, *column.aliases)
    }
    number, cells = rows[0]
    for candidate, values in rows[:_HEADER_SEARCH_ROWS]:
        if any(header_key(value) in lookup for value in values):
            number, cells = candidate, values
            break
    problems: list[Problem] = []
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    unknown_at: dict[str, int] = {}
    for position, value in enumerate(cells):
        key = header_key(value)
        if not key:
            continue
        text = str(value).strip()
        column = lookup.get(key)
        if column is None:
            unknown.append(text)
            unknown_at.setdefault(text, position)
        elif column.name in index:
            problems.append(
                Problem("duplicate_column", sheet, number, text, {"first": written[column.name]})
            )
        else:
            index[column.name] = position
            written[column.name] = text
    for column in columns:
        if column.required and column.name not in index:
            problems.append(
                Problem("missing_column", sheet, None, column.name, {"expected": column.expected()})
            )
    return Header(number, index, written, tuple(unknown), unknown_at), problems
