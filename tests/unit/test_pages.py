"""Long texts become several messages, each within Telegram's limit and valid on its own."""

from __future__ import annotations

import random

from bot.testing.entities import parse_html, utf16_len
from bot.texts import MESSAGE_LIMIT, pages


def plain(html: str) -> str:
    return parse_html(html)[0]


def test_a_short_text_is_one_page() -> None:
    assert pages("<b>短</b>\n文") == ["<b>短</b>\n文"]


def test_pages_cut_on_line_boundaries_and_measure_in_utf16_units() -> None:
    line = "🎓" * 100  # 200 UTF-16 units, 100 code points
    html = "\n".join([line] * 50)  # 10,049 units: three pages by units, one by code points
    cut = pages(html)
    assert len(cut) == 3
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in cut)
    assert all(set(p.split("\n")) == {line} for p in cut)  # whole lines only
    assert "\n".join(cut) == html


def test_a_tag_open_across_a_cut_is_closed_and_opened_again() -> None:
    html = (
        '<b>名单：</b><a href="https://example.org/x?a=1&amp;b=2">'
        + "\n".join(f"学员{n:04d} 某某某某某某某某某某" for n in range(400))
        + "</a>\n完"
    )
    cut = pages(html, limit=1000)
    assert len(cut) > 5
    for page in cut:
        assert utf16_len(page) <= 1000
        parse_html(page)  # valid on its own (the double refuses what Telegram refuses)
        assert page.count("<a ") == page.count("</a>")
    assert "".join(plain(p) for p in cut).replace("\n", "") == plain(html).replace("\n", "")


def test_a_line_longer_than_a_page_is_cut_between_characters_never_inside_markup() -> None:
    html = "<i>" + "长" * 3000 + "&lt;" + "x" * 3000 + "</i>"
    cut = pages(html)
    assert len(cut) == 2
    for page in cut:
        assert utf16_len(page) <= MESSAGE_LIMIT and page.startswith("<i>")
        parse_html(page)
    assert "".join(plain(p) for p in cut) == plain(html)


def test_random_markup_always_comes_out_whole() -> None:
    rng = random.Random(7)
    words = ["学员", "王芳", "🎓", "&amp;", "&lt;b&gt;", "x" * 30, "签到", " "]
    for _ in range(200):
        parts = []
        for _ in range(rng.randint(50, 400)):
            roll = rng.random()
            if roll < 0.1:
                tag = rng.choice(["b", "i", "u", "code"])
                parts.append(f"<{tag}>{rng.choice(words)}{rng.choice(words)}</{tag}>")
            elif roll < 0.25:
                parts.append("\n")
            else:
                parts.append(rng.choice(words))
        html = "".join(parts)
        limit = rng.choice([300, 700, MESSAGE_LIMIT])
        cut = pages(html, limit=limit)
        assert all(utf16_len(p) <= limit for p in cut)
        assert "".join(plain(p) for p in cut).replace("\n", "") == plain(html).replace("\n", "")
