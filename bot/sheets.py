"""Cells written to .xlsx and .csv from people's data: always text, never a formula.

A name such as ``=HYPERLINK("http://evil","点我")`` typed on a roster must come out of every
export as those characters, not as something Excel runs. In a workbook a text cell is text
(openpyxl would store a string starting with ``=`` as a formula; ``append_row`` types it as
a string and marks it quote-prefixed, so editing the cell keeps it text too). A CSV has no
types, so a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, the neutralisation spreadsheet programs understand (OWASP's advice).

Large exports (a class's records: 180,000 sign-in rows) are written by ``StreamingBook``, row
by row to temporary files, zipped at the end: openpyxl, even in its write-only mode (with or
without lxml), costs about half a millisecond a row of 17 cells on the development VM (its
XML writer builds an element per cell), 80 s for such a class (benchmarks/bench_export.py's
baseline); the same workbook written here as SpreadsheetML text takes a seventh of that
(measured on 18,000 rows: 1.6 s against 11.8 s). There every string is a shared string, never a
formula or an error, and one starting like a formula is also marked quote-prefixed. Both
ways drop the control characters a workbook cannot hold (a reason typed with one would
otherwise stop the whole export).
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import IO, TYPE_CHECKING, Any, Final
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:  # openpyxl is imported by whoever writes a workbook, not at start-up
    from openpyxl.worksheet.worksheet import Worksheet

RISKY: Final = ("=", "+", "-", "@", "\t", "\r")

# The control characters a workbook cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, written
# out so that importing this module does not import openpyxl).
ILLEGAL_CHARACTERS_RE: Final = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def get_column_letter(index: int) -> str:
    """A 1-based column number as Excel's letters: 1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


# -- streaming workbooks -----------------------------------------------------------------------

DATE: Final = "yyyy-mm-dd"
TIME: Final = "hh:mm"
MOMENT: Final = "yyyy-mm-dd hh:mm"
PERCENT: Final = "0.0%"
# Not a number format: a text column whose cells wrap on their lines, top-aligned (comments
# one per line); given in ``formats`` like one.
WRAP: Final = "wrap"

_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG: Final = "http://schemas.openxmlformats.org/package/2006"
_XML: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH: Final = datetime(1899, 12, 30)
_MAX_TEXT: Final = 32767  # the most characters a cell holds in Excel
_KEPT_VALUES: Final = 50_000  # the most number, date and time cells a sheet keeps written

# The cell styles (cellXfs) of a streaming workbook, by index.
_PLAIN, _BOLD, _QUOTED, _BOLD_QUOTED = 0, 1, 2, 3
_FORMATS: Final = {DATE: (4, 164), TIME: (5, 165), MOMENT: (6, 166), PERCENT: (7, 167)}
_WRAPPED, _WRAPPED_QUOTED = 4 + len(_FORMATS), 5 + len(_FORMATS)
_STYLES: Final = (
    _XML
    + f'<styleSheet xmlns="{_MAIN}"><numFmts count="{len(_FORMATS)}">'
    + "".join(
        f'<numFmt numFmtId="{fid}" formatCode={quoteattr(code)}/>'
        for code, (_, fid) in _FORMATS.items()
    )
    + '</numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
    '</font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    "<right/><top/><bottom/><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    f'</cellStyleXfs><cellXfs count="{6 + len(_FORMATS)}">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' quotePrefix="1"/>'
    + "".join(
        f'<xf numFmtId="{fid}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for _, fid in _FORMATS.values()
    )
    + '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"'
    ' quotePrefix="1"><alignment vertical="top" wrapText="1"/></xf>'
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


class StreamingSheet:
    """A sheet of a ``StreamingBook``: rows appended one at a time, straight to disk."""

    def __init__(self, book: StreamingBook, title: str, widths: Sequence[float], frozen: int):
        self.title = title
        self.frozen = frozen
        self._book = book
        self._rows = 0
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by save
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>'
            for n, w in enumerate(widths, start=1)
        )
        pane = (
            f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft"'
            ' state="frozen"/><selection pane="bottomLeft"/>'
            if frozen
            else ""
        )
        self._file.write(
            _XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetPr>'
            '<pageSetUpPr fitToPage="1"/></sheetPr><sheetViews><sheetView workbookViewId="0">'
            f'{pane}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )
        self._letters = [get_column_letter(n) for n in range(1, len(widths) + 30)]
        self._tails: dict[str, str] = {}  # a string -> the end of its cell, plain
        self._tails_bold: dict[str, str] = {}  # and bold
        self._values: dict[tuple[type, Any, str | None, bool], str] = {}  # cell tails

    def row(
        self, values: Sequence[Any], formats: Sequence[str | None] = (), *, bold: bool = False
    ) -> None:
        """Append a row: strings are text (never formulas), numbers numbers, dates and times
        real ones (``formats``: each column's number format, DATE, TIME, MOMENT, PERCENT, or
        WRAP for text that wraps on its lines)."""
        self._rows += 1
        wraps = WRAP in formats  # looked up per cell only then: most rows wrap nothing
        r = self._rows
        letters = self._letters
        if len(values) > len(letters):
            letters.extend(get_column_letter(n) for n in range(len(letters) + 1, len(values) + 1))
        cells = [f'<row r="{r}">']
        known = self._book.known
        tails = self._tails_bold if bold else self._tails
        values_seen = self._values
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is str and wraps and index < len(formats) and formats[index] == WRAP:
                at, risky = self._book.text(value)  # long comments: rare, not kept
                style = _WRAPPED_QUOTED if risky else _WRAPPED
                cells.append(f'<c r="{letters[index]}{r}" s="{style}" t="s"><v>{at}</v></c>')
                continue
            if kind is str:
                # A string cell is its column's letter, the row, then a tail that depends on
                # the string alone: kept per string (a sign-in sheet repeats its titles,
                # names and statuses 180,000 times).
                tail = tails.get(value)
                if tail is None:
                    found = known.get(value)
                    if found is None:
                        found = known[value] = self._book.text(value)
                    at, risky = found
                    style = (
                        (_BOLD_QUOTED if bold else _QUOTED)
                        if risky
                        else (_BOLD if bold else _PLAIN)
                    )
                    tail = tails[value] = f'" s="{style}" t="s"><v>{at}</v></c>'
                cells.append(f'<c r="{letters[index]}{r}{tail}')
                continue
            fmt = formats[index] if index < len(formats) else None
            if kind is datetime:  # moments are mostly distinct: computed, not kept
                if value.tzinfo is not None:
                    value = value.replace(tzinfo=None)
                serial = (value - _EPOCH).total_seconds() / 86400
                tail = f'" s="{_FORMATS[fmt or MOMENT][0]}"><v>{serial!r}</v></c>'
            else:
                # Dates, times and numbers repeat (a session's date, its hours, minutes
                # late): their tails are kept like the strings', up to a bound.
                key = (kind, value, fmt, bold)
                tail = values_seen.get(key)
                if tail is None:
                    tail = self._tail(kind, value, fmt, bold)
                    if len(values_seen) < _KEPT_VALUES:
                        values_seen[key] = tail
            cells.append(f'<c r="{letters[index]}{r}{tail}')
        cells.append("</row>")
        self._file.write("".join(cells))

    def _tail(self, kind: type, value: Any, fmt: str | None, bold: bool) -> str:
        """The end of a cell holding a value other than a string of type str or a datetime,
        after its reference."""
        if kind is int or kind is float:
            style = _FORMATS[fmt][0] if fmt in _FORMATS else _PLAIN
            return f'" s="{style}"><v>{value!r}</v></c>'
        if kind is date:
            return f'" s="{_FORMATS[fmt or DATE][0]}"><v>{(value - _EPOCH.date()).days}</v></c>'
        if kind is time:
            serial = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
            return f'" s="{_FORMATS[fmt or TIME][0]}"><v>{serial!r}</v></c>'
        if kind is bool:
            return f'" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, str):  # a str subclass (Markup...): its text
            at, risky = self._book.text(str(value))
            if fmt == WRAP:
                style = _WRAPPED_QUOTED if risky else _WRAPPED
            else:
                style = (
                    (_BOLD_QUOTED if bold else _QUOTED) if risky else (_BOLD if bold else _PLAIN)
                )
            return f'" s="{style}" t="s"><v>{at}</v></c>'
        raise TypeError(f"a cell cannot hold {kind.__name__}")

    def _finish(self, into: IO[bytes]) -> None:
        self._file.write(
            '</sheetData><pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75"'
            ' header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape"'
            ' fitToWidth="1" fitToHeight="0"/></worksheet>'
        )
        self._file.seek(0)
        writer = io_text(into)
        shutil.copyfileobj(self._file, writer, 1 << 20)
        writer.flush()
        writer.detach()
        self._file.close()


def io_text(binary: IO[bytes]) -> io.TextIOWrapper:
    """A UTF-8 text view of a binary stream (detached once written, leaving it open)."""
    return io.TextIOWrapper(binary, encoding="utf-8", newline="")


class StreamingBook:
    """An .xlsx written sheet by sheet and row by row, never held whole in memory.

    Each sheet has frozen header rows, repeated on every printed page, A4 landscape fitted to
    the page's width, and set column widths. Rows may be appended to any sheet in any order
    (a summary filled after the detail it sums); ``save`` writes the file.
    """

    def __init__(self) -> None:
        self.sheets: list[StreamingSheet] = []
        self.strings: dict[str, int] = {}  # the shared strings, in order, as written
        self.known: dict[str, tuple[int, bool]] = {}  # a value as given -> its string, risky

    def text(self, value: str) -> tuple[int, bool]:
        """A value's shared string (cleaned, cut to Excel's limit) and whether it starts
        like a formula."""
        clean = _clean(value)[:_MAX_TEXT]
        at = self.strings.get(clean)
        if at is None:
            at = self.strings[clean] = len(self.strings)
        return at, clean.startswith(RISKY)

    def sheet(self, title: str, widths: Sequence[float], *, header_rows: int = 2) -> StreamingSheet:
        """A new sheet, after the others (its title cut to Excel's 31 characters)."""
        clean = re.sub(r"[\\/*?:\[\]]", "_", title)[:31] or f"Sheet{len(self.sheets) + 1}"
        made = StreamingSheet(self, clean, widths, header_rows)
        self.sheets.append(made)
        return made

    def save(self, out: IO[bytes]) -> None:
        """Write the workbook to a binary stream."""
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr(
                "_rels/.rels",
                _XML + f'<Relationships xmlns="{_PKG}/relationships">'
                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>",
            )
            archive.writestr("xl/workbook.xml", self._workbook())
            archive.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
            archive.writestr("xl/styles.xml", _STYLES)
            for n, sheet in enumerate(self.sheets, start=1):
                with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as part:
                    sheet._finish(part)
            with archive.open("xl/sharedStrings.xml", "w") as part:
                writer = io_text(part)
                writer.write(_XML + f'<sst xmlns="{_MAIN}" uniqueCount="{len(self.strings)}">')
                for text in self.strings:
                    writer.write(f'<si><t xml:space="preserve">{escape(text)}</t></si>')
                writer.write("</sst>")
                writer.flush()
                writer.detach()

    def _content_types(self) -> str:
        office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml"'
            f' ContentType="{office}.worksheet+xml"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        return (
            _XML + f'<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/>'
            f"{sheets}</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(s.title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, s in enumerate(self.sheets, start=1)
        )
        titles = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
            + escape("'" + s.title.replace("'", "''") + f"'!$1:${s.frozen}")
            + "</definedName>"
            for n, s in enumerate(self.sheets)
            if s.frozen
        )
        return (
            _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            f"</bookViews><sheets>{sheets}</sheets>"
            + (f"<definedNames>{titles}</definedNames>" if titles else "")
            + "</workbook>"
        )

    def _workbook_rels(self) -> str:
        n = len(self.sheets)
        sheets = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        return (
            _XML + f'<Relationships xmlns="{_PKG}/relationships">{sheets}'
            f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings"'
            ' Target="sharedStrings.xml"/></Relationships>'
        )
