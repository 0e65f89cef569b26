"""Cells written to .xlsx and .csv from people's data: always text, never a formula.

A name such as ``=HYPERLINK("http://evil","点我")`` typed on a roster must come out of every
export as those characters, not as something Excel runs. In a workbook a text cell is text
(openpyxl would store a string starting with ``=`` as a formula; ``append_row`` types it as
a string and marks it quote-prefixed, so editing the cell keeps it text too). A CSV has no
types, so a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, the neutralisation spreadsheet programs understand (OWASP's advice).

Large exports stream rows into a write-only workbook (``Workbook(write_only=True)``), where
openpyxl would also take ``=...`` for a formula and ``#N/A`` for an error: ``stream_row`` is
that mode's ``append_row``. Both drop the control characters a workbook cannot hold (a
reason typed with one would otherwise stop the whole export).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

RISKY: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell that no spreadsheet program runs."""
    if isinstance(value, str) and value.startswith(RISKY):
        return "'" + value
    return value


def csv_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows of CSV cells that no spreadsheet program runs."""
    return [[csv_cell(value) for value in row] for row in rows]


def _clean(value: Any) -> Any:
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append a row; every string in it is a text cell (numbers and dates stay typed)."""
    sheet.append([_clean(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(RISKY):
                cell.quotePrefix = True


_BOLD: Final = Font(bold=True)


def stream_row(
    sheet: WriteOnlyWorksheet,
    values: Sequence[Any],
    formats: Sequence[str | None] = (),
    *,
    bold: bool = False,
) -> None:
    """Append a row to a write-only sheet: every string a text cell, never a formula or an
    error; ``formats`` the number format of each column (a date, a percentage) or None."""
    row: list[Any] = []
    for index, value in enumerate(values):
        fmt = formats[index] if index < len(formats) else None
        if isinstance(value, str):
            value = _clean(value)
            if value.startswith(RISKY) or value in ERROR_CODES or bold:
                cell = WriteOnlyCell(sheet, value)
                cell.data_type = "s"
                if value.startswith(RISKY):
                    cell.quotePrefix = True
                if bold:
                    cell.font = _BOLD
                value = cell
        elif fmt is not None and value is not None:
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = fmt
            value = cell
        row.append(value)
    sheet.append(row)


def prepare(sheet: WriteOnlyWorksheet, widths: Sequence[float], *, header_rows: int = 2) -> None:
    """Set up a write-only sheet before its first row: column widths (in characters), the
    first ``header_rows`` rows frozen and repeated on every printed page, A4 landscape,
    fitted to the page's width."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{header_rows + 1}"
    sheet.print_title_rows = f"1:{header_rows}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4 (openpyxl's PAPERSIZE_A4)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
