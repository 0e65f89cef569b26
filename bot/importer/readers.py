"""Reading the three sheets from an .xlsx workbook or a folder of CSV files.

Readers only read: every cell comes back as text, a number, a boolean or a date/time, with
the row number a person sees in a spreadsheet. Blank rows are dropped here; what the cells
mean is for validate.py.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bot.importer.columns import header_key
from bot.importer.model import GRADES_SHEETS, SHEETS, Problem


class Uncalculated(NamedTuple):
    """A formula cell whose value the file does not hold (never opened and saved in Excel)."""

    formula: str


Cell = str | int | float | bool | datetime | date | time | Uncalculated


class RawRow(NamedTuple):
    """One non-blank row: its spreadsheet number (first row = 1) and its cells."""

    number: int
    values: tuple[Cell | None, ...]


# What a workbook may call each sheet, and a folder each file (without .csv).
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "class": ("class", "班次"),
    "roster": ("roster", "名单", "花名册"),
    "schedule": ("schedule", "课表", "课程表"),
    "assessment": ("assessment", "考核方案", "考核"),
    "scores": ("scores", "成绩", "成绩表"),
}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

Sheets = dict[str, list[RawRow]]


def read_source(path: Path) -> tuple[Sheets, list[Problem]]:
    """Read whichever sheets a workbook or folder has; missing ones are problems."""
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _read_workbook(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        # Someone pointed at one of the CSV files; the class is the folder around it.
        return _read_folder(path.parent)
    if path.is_file() and path.suffix.lower() in (".xls", ".et"):
        return {}, [_source_problem("old_workbook", path)]
    if not path.exists():
        return {}, [_source_problem("not_found", path)]
    return {}, [_source_problem("unsupported_source", path)]


def _source_problem(code: str, path: Path, **params: str) -> Problem:
    # A problem with the path itself belongs to no sheet; it is filed under the first one.
    return Problem(code, SHEETS[0], None, None, {"path": str(path), **params})


def _sheet_for(name: str) -> str | None:
    key = header_key(name)
    for sheet, names in SHEET_NAMES.items():
        if key in {header_key(n) for n in names}:
            return sheet
    return None


def _expected(sheet: str, suffix: str = "") -> str:
    return " / ".join(name + suffix for name in SHEET_NAMES[sheet])


# What a damaged or truncated workbook raises, at opening or later while its rows are read.
_DAMAGED = (
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    ElementTree.ParseError,
)


def _read_workbook(path: Path) -> tuple[Sheets, list[Problem]]:
    try:
        return _read_sheets(path)
    except _DAMAGED as error:
        reason = str(error) or type(error).__name__
        return {}, [_source_problem("unreadable", path, reason=reason)]


def _read_sheets(path: Path) -> tuple[Sheets, list[Problem]]:
    # read_only streams rows instead of building every cell; data_only gives the values
    # Excel last calculated rather than the formulas. The formulas are read beside them to
    # tell an empty cell from a formula whose value the file does not hold.
    workbook = load_workbook(path, read_only=True, data_only=True)
    formulas = load_workbook(path, read_only=True, data_only=False)
    sheets: Sheets = {}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    try:
        for worksheet, written in zip(workbook.worksheets, formulas.worksheets, strict=True):
            sheet = _sheet_for(worksheet.title)
            if sheet is None:
                continue  # instructions, lookups and other sheets a school keeps alongside
            if sheet in seen:
                problems.append(_duplicate(sheet, seen[sheet], worksheet.title))
                continue
            seen[sheet] = worksheet.title
            # The stored dimensions can be wrong in files other programs wrote; without
            # them openpyxl reads every row there is.
            worksheet.reset_dimensions()
            written.reset_dimensions()
            rows = zip(
                worksheet.iter_rows(values_only=True),
                written.iter_rows(values_only=True),
                strict=False,
            )
            sheets[sheet] = _non_blank(
                (number, tuple(map(_xlsx_cell, values, _padded(formulas_row, len(values)))))
                for number, (values, formulas_row) in enumerate(rows, start=1)
            )
    finally:
        workbook.close()
        formulas.close()
    found = ", ".join(worksheet.title for worksheet in workbook.worksheets)
    for sheet in _required(seen):
        if sheet not in seen:
            problems.append(
                Problem(
                    "missing_sheet",
                    sheet,
                    None,
                    None,
                    {"expected": _expected(sheet), "found": found},
                )
            )
    return sheets, problems


def _required(seen: dict[str, str]) -> tuple[str, ...]:
    """The sheets a file must have: a file of graduation sheets alone updates a class
    already imported (its scores as they arrive); any other file is a whole class."""
    if seen and all(sheet in GRADES_SHEETS for sheet in seen):
        return ()
    return SHEETS


def grades_only(sheets: Sheets) -> bool:
    """Whether what was read is graduation sheets alone (no class, roster or schedule)."""
    return bool(sheets) and all(sheet in GRADES_SHEETS for sheet in sheets)


def _duplicate(sheet: str, first: str, second: str) -> Problem:
    return Problem("duplicate_sheet", sheet, None, None, {"first": first, "second": second})


def _padded(row: tuple[object, ...], width: int) -> tuple[object, ...]:
    return row + (None,) * (width - len(row))


def _xlsx_cell(value: object, formula: object = None) -> Cell | None:
    if value is None and isinstance(formula, str) and formula.startswith("="):
        return Uncalculated(formula)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        # A phone number or an id typed into a number cell comes back as 13800138000.0.
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        # Excel stores times as fractions of a day; 08:30 can come back as 08:29:59.999999.
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    if isinstance(value, date | time):
        return value
    return str(value).strip() or None


def _read_folder(folder: Path) -> tuple[Sheets, list[Problem]]:
    sheets: Sheets = {}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for file in sorted(folder.iterdir()):
        if not file.is_file() or file.suffix.lower() != ".csv":
            continue
        sheet = _sheet_for(file.stem)
        if sheet is None:
            continue
        if sheet in seen:
            problems.append(_duplicate(sheet, seen[sheet], file.name))
            continue
        seen[sheet] = file.name
        try:
            sheets[sheet] = _read_csv(file)
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            problems.append(
                Problem("unreadable", sheet, None, None, {"path": str(file), "reason": str(error)})
            )
    for sheet in _required(seen):
        if sheet not in seen:
            problems.append(
                Problem(
                    "missing_file",
                    sheet,
                    None,
                    None,
                    {"expected": _expected(sheet, ".csv"), "path": str(folder)},
                )
            )
    return sheets, problems


def _read_csv(file: Path) -> list[RawRow]:
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # with or without the BOM Excel adds
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV" as GB18030 unless told "CSV UTF-8"; reading it
        # is kinder than refusing, and a wrong guess still fails loudly at the headers.
        text = data.decode("gb18030")
    # Rows are numbered by record, not by line: a quoted cell with a line break is still
    # one row when the file is opened in a spreadsheet.
    reader = csv.reader(io.StringIO(text, newline=""))
    return _non_blank(
        (number, tuple(cell.strip() or None for cell in record))
        for number, record in enumerate(reader, start=1)
    )


def _non_blank(rows: Iterable[tuple[int, tuple[Cell | None, ...]]]) -> list[RawRow]:
    return [RawRow(number, values) for number, values in rows if any(v is not None for v in values)]
