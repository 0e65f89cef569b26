"""The school's table as an .xlsx document: numbers as numbers, every label from the templates."""

from __future__ import annotations

import io

from bot.rules.locales import Locale
from bot.rules.rating_stats import InstructorRow
from bot.sheets import append_row
from bot.texts import Texts


def workbook(
    texts: Texts,
    locale: Locale,
    rows: list[InstructorRow],
    dims: list[str],
    labels: list[str],
    low_pct: int,
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
    append_row(
        sheet,
        [
            label("col_instructor"),
            label("col_lectures"),
            label("col_responses"),
            *labels,
            label("col_satisfaction"),
            label("col_flag"),
        ],
    )
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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
