"""One sheet with its header found: cells by column name, problems located for a person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.importer.columns import Header, find_header
from bot.importer.model import Problem
from bot.importer.readers import Cell, RawRow, Uncalculated
from bot.importer.values import text

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 100


@dataclass
class Table:
    """A sheet's data rows and header, collecting the problems found in them."""

    sheet: str
    header: Header
    rows: list[RawRow]
    problems: list[Problem] = field(default_factory=list)
    empty: bool = False  # the sheet has no rows at all, not even a header
    _uncalculated: set[tuple[int, str]] = field(default_factory=set)  # cells already reported

    def has(self, column: str) -> bool:
        """Whether the sheet has this column."""
        return column in self.header.index

    def written(self, column: str) -> str:
        """The column's header as the file wrote it (its English name if it has none)."""
        return self.header.written.get(column, column)

    def cell(self, row: RawRow, column: str) -> Cell | None:
        """The row's value in a column, None if empty or the sheet has no such column.

        A formula whose value the file does not hold is None too, and a problem that says
        so (once per cell), rather than the "required" a blank would get.
        """
        position = self.header.index.get(column)
        if position is None or position >= len(row.values):
            return None
        value = row.values[position]
        if isinstance(value, Uncalculated):
            if (row.number, column) not in self._uncalculated:
                self._uncalculated.add((row.number, column))
                self.problem(row, column, "uncalculated_formula", formula=value.formula[:60])
            return None
        return value

    def text(self, row: RawRow, column: str) -> str:
        """The row's value in a column as text, '' if empty."""
        return text(self.cell(row, column))

    def required(self, row: RawRow, column: str) -> Cell | None:
        """The value of a required cell; an empty one is a problem."""
        value = self.cell(row, column)
        # A missing column is reported once for the sheet, not again on every row.
        if value is None and self.has(column) and (row.number, column) not in self._uncalculated:
            self.problem(row, column, "missing_value")
        return value

    def problem(self, row: RawRow | None, column: str | None, code: str, **params: str) -> None:
        """Record a problem at a row and column of this sheet."""
        self.problems.append(
            Problem(
                code,
                self.sheet,
                row.number if row is not None else None,
                self.written(column) if column is not None else None,
                params,
            )
        )

    def report(self, progress: Progress | None, done: int) -> None:
        """Tell a long import how far this sheet is, every hundred rows and at the end."""
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(self.rows)):
            progress(self.sheet, done, len(self.rows))


def open_table(sheet: str, rows: list[RawRow]) -> Table:
    """Find the header of a sheet read from the file; an empty sheet is a problem."""
    if not rows:
        table = Table(sheet, Header(1, {}, {}, ()), [], empty=True)
        table.problem(None, None, "empty_sheet")
        return table
    header, problems = find_header(sheet, [(row.number, row.values) for row in rows])
    data = [row for row in rows if row.number > header.row]
    return Table(sheet, header, data, problems)
