"""Word documents (.docx) for the files a school prints and keeps: training files, reports,
certificates, invitation cards.

Why .docx, written from templates: the people who open these files use WPS or Word on an
office PC, and WPS or Telegram's preview on a phone. A .docx carries no font: every one of
those readers lays out Chinese with its own (the document asks for 宋体 / SimSun for East
Asian text, which every Chinese office PC has, and a reader without it substitutes its own
CJK font), so nothing has to be installed here and Chinese shows on a fresh machine. A PDF
would need a CJK font embedded and subset per file, which costs about 0.2–0.6 s a file with
fpdf2 (measured): minutes for a class of 900 training files. python-docx builds its tables
cell by cell at about 0.1 s a file; the body rendered by jinja2 as WordprocessingML and
zipped with the four fixed parts below takes about a millisecond. The school can also edit a
.docx before filing it, which they expect of a training file.

The body comes from ``templates/<locale>/<feature>.xml`` (``Texts.xml``), autoescaped like
Telegram HTML, using the macros of ``templates/docx.xml``: paragraphs, headings, tables and
pictures. Pictures (a QR code, a chart) are PNG bytes passed here and named ``image1``,
``image2``... in the order given.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Final
from xml.sax.saxutils import escape

from markupsafe import Markup

W: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# A4 in twentieths of a point, with 2 cm margins.
_A4_SHORT, _A4_LONG, _MARGIN = 11906, 16838, 1134

_PACKAGE: Final = "http://schemas.openxmlformats.org/package/2006"
_OFFICE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml"

_CONTENT_TYPES: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_OFFICE}.document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)

_PACKAGE_RELS: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/>'
    f'<Relationship Id="rId2" Type="{_PACKAGE}/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    "</Relationships>"
)

_BORDERS: Final = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)
_SERIF: Final = "Times New Roman"

# Body text 10.5 pt (五号), headings bold; 宋体 for East Asian text, 黑体 for headings, as
# Chinese official documents use; a table style with thin borders for every table.
_STYLES: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:styles xmlns:w="{W}">'
    "<w:docDefaults><w:rPrDefault><w:rPr>"
    f'<w:rFonts w:ascii="{_SERIF}" w:hAnsi="{_SERIF}" w:eastAsia="宋体" w:cs="{_SERIF}"/>'
    '<w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/>'
    "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
    '<w:spacing w:after="60" w:line="300" w:lineRule="auto"/>'
    "</w:pPr></w:pPrDefault></w:docDefaults>"
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
    "</w:style>"
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>'
    '<w:basedOn w:val="Normal"/>'
    '<w:pPr><w:jc w:val="center"/><w:spacing w:before="120" w:after="240"/></w:pPr>'
    '<w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="36"/><w:szCs w:val="36"/></w:rPr>'
    "</w:style>"
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
    '<w:basedOn w:val="Normal"/><w:pPr><w:keepNext/>'
    '<w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr>'
    '<w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>'
    "</w:style>"
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
    '<w:name w:val="Normal Table"/><w:tblPr><w:tblCellMar>'
    '<w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/>'
    "</w:tblCellMar></w:tblPr></w:style>"
    '<w:style w:type="table" w:styleId="Grid"><w:name w:val="Table Grid"/>'
    f'<w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders>{_BORDERS}</w:tblBorders>'
    "</w:tblPr></w:style>"
    "</w:styles>"
)


def _core(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title></cp:coreProperties>"
    )


def _document_rels(images: int) -> str:
    rels = "".join(
        f'<Relationship Id="image{n}" Type="{R}/image" Target="media/image{n}.png"/>'
        for n in range(1, images + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PACKAGE}/relationships">'
        f'<Relationship Id="styles" Type="{R}/styles" Target="styles.xml"/>'
        f"{rels}</Relationships>"
    )


def _section(landscape: bool) -> str:
    width, height = (_A4_LONG, _A4_SHORT) if landscape else (_A4_SHORT, _A4_LONG)
    orient = ' w:orient="landscape"' if landscape else ""
    return (
        f'<w:sectPr><w:pgSz w:w="{width}" w:h="{height}"{orient}/>'
        f'<w:pgMar w:top="{_MARGIN}" w:right="{_MARGIN}" w:bottom="{_MARGIN}" '
        f'w:left="{_MARGIN}" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>'
    )


def document(
    body: str, *, title: str = "", landscape: bool = False, images: Sequence[bytes] = ()
) -> bytes:
    """A .docx file's bytes: ``body`` is WordprocessingML (paragraphs and tables) rendered
    from a template; ``images`` are PNGs the body shows as ``image1``, ``image2``..."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}" xmlns:r="{R}" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f"<w:body>{body}{_section(landscape)}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    # Fixed timestamps: the same records give the same bytes. Level 1: a class exports 900
    # of these files; the default level 6 took ~2 s of them for a few % smaller files.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: str | bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo is stored, not compressed, else
            archive.writestr(info, data, compresslevel=1)

        put("[Content_Types].xml", _CONTENT_TYPES)
        put("_rels/.rels", _PACKAGE_RELS)
        put("docProps/core.xml", _core(title))
        put("word/document.xml", xml)
        put("word/styles.xml", _STYLES)
        put("word/_rels/document.xml.rels", _document_rels(len(images)))
        for n, png in enumerate(images, start=1):
            put(f"word/media/image{n}.png", png)
    return buffer.getvalue()


def text_of(data: bytes) -> str:
    """The visible text of a .docx, a paragraph or table cell per line (for tests and
    for anyone checking a file without Word)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    xml = re.sub(r"<w:br/>|</w:p>", "\n", xml)
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def table_rows(
    rows: Iterable[Sequence[object]],
    widths: Sequence[float],
    memo: dict[tuple[int, object], str] | None = None,
) -> Markup:
    """The body rows of ``docx.xml``'s ``table`` (its ``rows_xml``), every value escaped.

    The same XML as the macro writes, built here for tables of thousands of cells (a
    training file's sessions): a macro call per cell costs about ten times as much.
    ``memo`` (column, value) -> cell XML may be shared by the tables of one export with the
    same ``widths``: a class's 900 training files repeat the same dates, times, titles and
    statuses, and escaping each anew was 5 of the export's 33 s.
    """
    cells = [
        f'<w:tc><w:tcPr><w:tcW w:w="{int(w * 567)}" w:type="dxa"/></w:tcPr><w:p>' for w in widths
    ]
    if memo is None:
        memo = {}
    out = []
    for row in rows:
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        for index, value in enumerate(row):
            cell = memo.get((index, value))
            if cell is None:
                text = escape(str(value))
                if "\n" in text:
                    text = '</w:t><w:br/><w:t xml:space="preserve">'.join(text.split("\n"))
                cell = memo[index, value] = (
                    f'{cells[index]}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>'
                )
            out.append(cell)
        out.append("</w:tr>\n")
    return Markup("".join(out))
