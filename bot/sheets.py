"""Cells written to .xlsx and .csv from people's data: always text, never a formula.

A name such as ``=HYPERLINK("http://evil","点我")`` typed on a roster must come out of every
export as those characters, not as something Excel runs. In a workbook a text cell is text
(openpyxl would store a string starting with ``=`` as a formula; ``append_row`` types it as
a string and marks it quote-prefixed, so editing the cell keeps it text too). A CSV has no
types, so a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, the neutralisation spreadsheet programs understand (OWASP's advice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # openpyxl is imported by whoever writes a workbook, not at start-up
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


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append a row; every string in it is a text cell (numbers and dates stay typed)."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(RISKY):
                cell.quotePrefix = True
