"""The school's table as an .xlsx document: numbers as numbers, every label from the templates.

Two sheets, readable when opened as they come: the instructors ranked (a title with the
period, a bold header, columns wide enough for Chinese names, the header frozen), and every
lecture with its figures and its comments, for the school's faculty pool (师资库) decisions.
A lecture too little rated shows its counts only and no comments, as everywhere else.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.rules.locales import Locale
from bot.rules.rating_stats import InstructorRow, Summary, overall_of
from bot.sheets import append_row
from bot.texts import Texts

if TYPE_CHECKING:  # openpyxl is imported when a workbook is asked for, not at start-up
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

_HEADER_ROW = 3  # title, blank, header
_WIDE = 40  # a lecture title or the flags
_NARROW = 10  # a number


@dataclass(frozen=True)
class LectureLine:
    """One lecture of the period, for the per-lecture sheet."""

    day: date
    title: str
    class_name: str
    instructor: str
    dims: Sequence[str]
    summary: Summary


def workbook(
    texts: Texts,
    locale: Locale,
    rows: list[InstructorRow],
    dims: list[str],
    labels: list[str],
    low_pct: int,
    *,
    period: str = "",
    lectures: Sequence[LectureLine] = (),
) -> bytes:
    """The table of /instructors as a spreadsheet, satisfaction as a percentage.

    A row whose figures are withheld (too few answers) has empty cells, never numbers.
    """

    def label(name: str, **values: object) -> str:
        return texts.plain(locale, f"ratings.{name}", **values)

    from openpyxl import Workbook  # 0.2 s of imports: when a workbook is asked for, not at start

    book = Workbook()
    sheet = book.active
    sheet.title = label("sheet_title")
    header = [
        label("col_instructor"),
        label("col_lectures"),
        label("col_responses"),
        *labels,
        label("col_satisfaction"),
        label("col_flag"),
    ]
    _title(sheet, label("book_title", period=period), header)
    for r in rows:
        marks = []
        if r.summary.figures_withheld:
            marks.append(label("flag_withheld"))
        if r.below_threshold:
            marks.append(label("flag_low", pct=low_pct))
        if r.excellent:
            marks.append(label("flag_excellent", titles=list(r.excellent)))
        averages = [r.summary.averages[d] for d in dims]
        append_row(
            sheet,
            [
                r.name,
                r.lectures,
                r.summary.responses,
                *[None if a is None else round(a, 2) for a in averages],
                r.summary.satisfaction,
                "; ".join(marks),
            ],
        )
        sheet.cell(sheet.max_row, 4 + len(dims)).number_format = "0.0%"
    _widths(sheet, [14, _NARROW, _NARROW, *[_NARROW] * len(dims), _NARROW, _WIDE])
    if lectures:
        _lecture_sheet(book, label, dims, labels, lectures)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lecture_sheet(
    book: Workbook,
    text: Callable[..., str],
    dims: list[str],
    labels: list[str],
    lectures: Sequence[LectureLine],
) -> None:
    """Every lecture of the period, its figures and its comments (one per line)."""
    from openpyxl.styles import Alignment

    sheet = book.create_sheet(text("lecture_sheet_title"))
    header = [
        text("col_date"),
        text("col_lecture"),
        text("col_class"),
        text("col_instructor"),
        text("col_responses"),
        *labels,
        text("col_satisfaction"),
        text("col_comments"),
    ]
    _title(sheet, text("lecture_sheet_title"), header)
    for lecture in sorted(lectures, key=lambda line: (line.day, line.title, line.instructor)):
        summary = lecture.summary
        shown = not summary.figures_withheld
        averages = [summary.averages.get(d) if d in lecture.dims else None for d in dims]
        append_row(
            sheet,
            [
                lecture.day,
                lecture.title,
                lecture.class_name,
                lecture.instructor,
                summary.responses,
                *[None if a is None or not shown else round(a, 2) for a in averages],
                summary.satisfaction if shown and overall_of(lecture.dims) else None,
                "\n".join(summary.comments) if shown else "",
            ],
        )
        row = sheet.max_row
        sheet.cell(row, 1).number_format = "yyyy-mm-dd"
        sheet.cell(row, 6 + len(dims)).number_format = "0.0%"
        sheet.cell(row, 7 + len(dims)).alignment = Alignment(wrap_text=True, vertical="top")
    _widths(sheet, [12, _WIDE, 24, 12, _NARROW, *[_NARROW] * len(dims), _NARROW, 60])


def _title(sheet: Worksheet, title: str, header: list[str]) -> None:
    """A bold title on the first row, a blank, then the bold header, frozen below it."""
    append_row(sheet, [title])
    from openpyxl.styles import Alignment, Font

    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.append([])
    append_row(sheet, header)
    for cell in sheet[_HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = sheet.cell(_HEADER_ROW + 1, 1)


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    """Column widths in characters (a Chinese character counts as about two)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
