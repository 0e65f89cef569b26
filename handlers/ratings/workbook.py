"""The school's table as an .xlsx document: numbers as numbers, every label from the templates.

Two sheets, readable when opened as they come: the instructors ranked (a title with the
period, a bold header, columns wide enough for Chinese names, the header frozen), and every
lecture with its figures and its comments, for the school's faculty pool (师资库) decisions.
A lecture too little rated shows its counts only and no comments, as everywhere else.

Written by bot.sheets.StreamingBook, the project's one writer of big workbooks: a year is a
thousand lecture rows, and openpyxl's ``append_row`` (which finds the row it appended by
scanning every cell of the sheet) made the workbook 80% of the command's time.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.rules.locales import Locale
from bot.rules.rating_stats import InstructorRow, Summary, overall_of
from bot.sheets import DATE, PERCENT, WRAP, StreamingBook, StreamingSheet
from bot.texts import Texts

_HEADER_ROWS = 3  # title, blank, header: frozen, repeated on every printed page
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

    book = StreamingBook()
    sheet = book.sheet(
        label("sheet_title"),
        [14, _NARROW, _NARROW, *[_NARROW] * len(dims), _NARROW, _WIDE],
        header_rows=_HEADER_ROWS,
    )
    header = [
        label("col_instructor"),
        label("col_lectures"),
        label("col_responses"),
        *labels,
        label("col_satisfaction"),
        label("col_flag"),
    ]
    _title(sheet, label("book_title", period=period), header)
    formats = [None] * (3 + len(dims)) + [PERCENT]
    for r in rows:
        marks = []
        if r.summary.figures_withheld:
            marks.append(label("flag_withheld"))
        if r.below_threshold:
            marks.append(label("flag_low", pct=low_pct))
        if r.excellent:
            marks.append(label("flag_excellent", titles=list(r.excellent)))
        averages = [r.summary.averages[d] for d in dims]
        sheet.row(
            [
                r.name,
                r.lectures,
                r.summary.responses,
                *[None if a is None else round(a, 2) for a in averages],
                r.summary.satisfaction,
                "; ".join(marks),
            ],
            formats,
        )
    if lectures:
        _lecture_sheet(book, label, dims, labels, lectures)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lecture_sheet(
    book: StreamingBook,
    text: Callable[..., str],
    dims: list[str],
    labels: list[str],
    lectures: Sequence[LectureLine],
) -> None:
    """Every lecture of the period, its figures and its comments (one per line)."""
    title = text("lecture_sheet_title")
    sheet = book.sheet(
        title,
        [12, _WIDE, 24, 12, _NARROW, *[_NARROW] * len(dims), _NARROW, 60],
        header_rows=_HEADER_ROWS,
    )
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
    _title(sheet, title, header)
    formats = [DATE, *[None] * (4 + len(dims)), PERCENT, WRAP]
    for lecture in sorted(lectures, key=lambda line: (line.day, line.title, line.instructor)):
        summary = lecture.summary
        shown = not summary.figures_withheld
        averages = [summary.averages.get(d) if d in lecture.dims else None for d in dims]
        sheet.row(
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
            formats,
        )


def _title(sheet: StreamingSheet, title: str, header: list[str]) -> None:
    """A bold title on the first row, a blank, then the bold header (frozen below it)."""
    sheet.row([title], bold=True)
    sheet.row([])
    sheet.row(header, bold=True)
