"""trainee-bot invites --docx: a printable sheet of cards, one per person, with a QR code."""

from __future__ import annotations

import io
import re
import sqlite3
import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bot import docx
from bot.cli import main
from bot.invites import qr_png
from tests.cli.test_commands import env  # noqa: F401 - the clean-environment fixture
from tests.conftest import EXAMPLE


def roster(db: Path) -> list[tuple[str, str | None, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT p.name, p.unit, p.invite_code, c.name FROM people p"
            " JOIN memberships m ON m.person_id = p.id JOIN classes c ON c.id = m.class_id"
            " GROUP BY p.id ORDER BY p.id"
        ).fetchall()


def test_cards_carry_name_unit_class_and_the_qr_of_the_link(
    env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    out = tmp_path / "cards.docx"
    assert main(["invites", "--docx", "--out", str(out), "--bot-username", "@school_bot"]) == 0
    assert "张邀请卡" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # invite codes bind accounts
    data = out.read_bytes()
    people = roster(env)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.namelist():
            if part.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(part))  # every part well-formed
        body = archive.read("word/document.xml").decode()
        images = sorted(n for n in archive.namelist() if n.startswith("word/media/"))
        assert len(images) == len(people)
        # Card n shows picture n, and picture n is the QR code of that person's link.
        cells = re.findall(r"<w:tc>.*?</w:tc>", body, re.S)
        cards = [cell for cell in cells if "r:embed" in cell]
        assert len(cards) == len(people)
        for n, (name, unit, code, _) in enumerate(people, start=1):
            card = cards[n - 1]
            assert name in card and f'r:embed="image{n}"' in card and code in card
            if unit:
                assert unit in card
            link = f"https://t.me/school_bot?start={code}"
            assert archive.read(f"word/media/image{n}.png") == qr_png(link)
    text = docx.text_of(data)
    assert people[0][3] in text and "扫描二维码" in text
    # Two cards a row, rows of fixed height that never break across a page: 8 an A4 page.
    assert body.count("<w:tr>") == (len(people) + 1) // 2
    assert body.count('w:hRule="exact"') == body.count("<w:tr>")
    assert body.count("<w:cantSplit/>") == body.count("<w:tr>")


def test_cards_in_english_and_refusals(
    env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    english = tmp_path / "cards-en.docx"
    args = ["invites", "--docx", "--bot-username", "b", "--locale", "en", "--out", str(english)]
    assert main(args) == 0
    assert "tap Start in Telegram" in docx.text_of(english.read_bytes())
    # A .csv name with --docx is refused, and nothing is written.
    wrong = tmp_path / "cards.csv"
    assert main(["invites", "--docx", "--bot-username", "b", "--out", str(wrong)]) == 2
    assert ".docx" in capsys.readouterr().err and not wrong.exists()
    # No class of that name: nothing written.
    missing = tmp_path / "none.docx"
    args = [
        "invites",
        "--docx",
        "--bot-username",
        "b",
        "--class",
        "没有这个班",
        "--out",
        str(missing),
    ]
    assert main(args) == 1
    assert not missing.exists()
