"""The rating window, refusals, the form's steps and the comment limit, at their boundaries."""

from __future__ import annotations

import random
import warnings
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from bot.rules import rating_stats
from bot.rules.class_settings import ClassSettings, from_json, parse_settings, to_json
from bot.rules.rating import (
    MAX_COMMENT,
    Form,
    Refusal,
    answer,
    comment_problem,
    complete,
    refusal,
    start,
    window,
)
from bot.texts import Texts
from handlers.ratings import chart as rating_chart
from handlers.ratings import views as rating_views
from storage.sessions import Session

END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
DIMS = ("content", "teaching", "relevance", "overall")


def test_window_and_reminder() -> None:
    w = window(END, ClassSettings())
    assert w.opens == END and w.closes == END + timedelta(days=1)
    assert w.remind_at == w.closes - timedelta(hours=2)
    short = window(END, ClassSettings(rating_window_minutes=60))
    assert short.remind_at == END + timedelta(minutes=30)  # at most half the window


@pytest.mark.parametrize(
    ("now", "attended", "cancelled", "expected"),
    [
        (END - timedelta(seconds=1), True, False, Refusal.NOT_ENDED),
        (END, True, False, None),
        (END + timedelta(days=1) - timedelta(seconds=1), True, False, None),
        (END + timedelta(days=1), True, False, Refusal.CLOSED),
        (END, False, False, Refusal.NOT_ATTENDED),
        (END, True, True, Refusal.CANCELLED),
    ],
)
def test_refusal_boundaries(
    now: datetime, attended: bool, cancelled: bool, expected: Refusal | None
) -> None:
    w = window(END, ClassSettings())
    assert refusal(attended=attended, cancelled=cancelled, window=w, now=now) == expected


def test_form_steps_through_the_questions_then_the_overview() -> None:
    form = start(DIMS, None)
    assert form.asking == "content"
    for dim in DIMS:
        assert not complete(form, DIMS)
        form = answer(form, DIMS, dim, 4)
    assert complete(form, DIMS) and form.asking is None
    with pytest.raises(ValueError):
        answer(form, DIMS, "overall", 6)
    with pytest.raises(ValueError):
        answer(form, DIMS, "nonsense", 3)
    assert Form.from_json(form.to_json()) == form


def test_a_changed_rating_starts_prefilled() -> None:
    form = start(DIMS, ({"content": 2, "teaching": 3, "relevance": 4, "overall": 5}, "ok"))
    assert complete(form, DIMS) and form.comment == "ok" and form.asking is None


def test_comment_limit() -> None:
    assert comment_problem("x" * MAX_COMMENT) is None
    assert comment_problem("x" * (MAX_COMMENT + 1)) == "too_long"
    assert comment_problem("  " + "x" * MAX_COMMENT + "\n") is None  # trimmed first
    assert comment_problem(" \n") == "empty"


def test_rating_dimensions_setting() -> None:
    assert ClassSettings().rating_dimensions == DIMS
    settings, problems = parse_settings({"测评维度": "内容、方法, overall"})
    assert not problems and settings.rating_dimensions == ("内容", "方法", "overall")
    assert from_json(to_json(settings)).rating_dimensions == settings.rating_dimensions
    for bad in ("a,a", "a|b", ",".join("abcdefghi")):
        _, problems = parse_settings({"rating_dimensions": bad})
        assert problems and problems[0].code == "bad_choice", bad


def _chart_words(locale: str) -> rating_chart.ChartTexts:
    lecture = Session(
        1, 1, "C", "Asia/Shanghai", "{}", "T", END, END, Fraction(3), None, "s", False
    )
    return rating_views.chart_texts(Texts(), locale, lecture)


def test_chart_is_a_png_of_the_declared_size() -> None:
    words = _chart_words("zh")
    png = rating_chart.render([4.5, None, 3.0, 5.0], {1: 0, 2: 1, 3: 0, 4: 3, 5: 9}, words)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    assert int.from_bytes(png[16:20]) == rating_chart.WIDTH
    assert int.from_bytes(png[20:24]) == rating_chart.HEIGHT
    again = rating_chart.render([4.5, None, 3.0, 5.0], {1: 0, 2: 1, 3: 0, 4: 3, 5: 9}, words)
    assert png == again  # no timestamp: the same figures give the same bytes
    assert png != rating_chart.render([4.5, None, 3.0, 5.0], {1: 0, 2: 1, 3: 0, 4: 3, 5: 8}, words)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_chart_speaks_the_readers_language_with_every_glyph(locale: str) -> None:
    from matplotlib.ft2font import FT2Font

    words = _chart_words(locale)
    if locale == "zh":
        assert list(words.questions) == ["教学内容", "教学方法", "联系实际", "总体满意度"]
        assert words.scores[4] == "5 分"
    else:
        assert words.questions[0] == "Content"
    # The bundled font (mplfonts' Noto Sans CJK SC) has a glyph for every character drawn.
    font = FT2Font(str(rating_chart.font_path()))
    covered = font.get_charmap()
    drawn = "".join([*words.questions, words.averages, words.distribution, *words.scores])
    missing = {c for c in drawn + words.people if not c.isspace() and ord(c) not in covered}
    assert missing == set()
    # matplotlib warns of every glyph it cannot draw; there is none.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rating_chart.render([4.0, 4.2, 3.9, 4.5], {4: 3, 5: 2}, words)


def test_without_the_bundled_font_chinese_would_not_draw() -> None:
    """The check above means something: a font without CJK lacks these glyphs."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    plain = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert ord("教") not in plain.get_charmap()


def test_every_rating_text_renders_in_both_languages() -> None:
    lecture = Session(
        1, 1, "C", "Asia/Shanghai", "{}", "T <x>", END, END, Fraction(3), None, "s", False
    )
    texts = Texts()
    summary = rating_stats.summarize(
        [rating_stats.Rating(dict.fromkeys(DIMS, 4), "c")] * 3,
        DIMS,
        min_responses=3,
        rng=random.Random(0),
    )
    delta = rating_stats.change(summary, [], DIMS)
    for locale in ("zh", "en"):
        text = rating_views.summary_text(texts, locale, lecture, summary, delta, 5)
        assert "T &lt;x&gt;" in text and "100.0%" in text
        assert "T &lt;x&gt;" in rating_views.form_view(texts, locale, lecture, start(DIMS, None))[0]
        assert rating_views.chart_caption(texts, locale, lecture)
        assert texts.render(locale, "ratings.reminder", title="T", closes=END)
