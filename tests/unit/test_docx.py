"""Word documents: valid packages whose text comes out as written, escaped, with pictures."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from bot import docx
from bot.texts import Texts, templates_root

SAMPLE = """{% import "docx.xml" as d %}
{% macro sample(name, rows) %}
{{ d.title("培训档案") }}
{{ d.field("姓名：", name) }}
{{ d.table(["日期", "状态"], rows, [3, 4]) }}
{{ d.picture(1, 4, 4) }}
{% endmacro %}
"""

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _texts(tmp_path: Path) -> Texts:
    shutil.copy(templates_root() / "docx.xml", tmp_path / "docx.xml")
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "sample.xml").write_text(SAMPLE, encoding="utf-8")
    return Texts(tmp_path)


def test_a_document_is_a_valid_package_with_its_text_escaped(tmp_path: Path) -> None:
    name = '=HYPERLINK("http://x","点我") <b>&amp;'
    body = _texts(tmp_path).xml("zh", "sample.sample", name=name, rows=[["12月4日", "已签到"]])
    data = docx.document(body, title="培训档案 " + name, landscape=True, images=[PNG])

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.namelist():
            if part.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(part))  # every part is well-formed
        assert archive.read("word/media/image1.png") == PNG
        assert 'w:orient="landscape"' in archive.read("word/document.xml").decode()
    text = docx.text_of(data)
    assert "培训档案" in text
    assert name in text  # the name comes back as typed: escaped in the XML, not markup
    assert "12月4日\n已签到" in text


def test_the_same_body_gives_the_same_bytes() -> None:
    assert docx.document("<w:p/>") == docx.document("<w:p/>")
