"""How a rating form and a summary look: texts and keyboards, for handlers and jobs alike."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, RateAsk, RateComment, RateOpen, RateScore, RateSubmit, keyboard
from bot.rules import rating as rating_rules
from bot.rules import rating_stats
from bot.rules.class_settings import ClassSettings, from_json
from bot.rules.locales import Locale, recipient_locale
from bot.texts import Texts
from handlers.ratings import chart
from storage.people import Recipient
from storage.sessions import Session


def settings_of(lecture: Session) -> ClassSettings:
    """The rating settings of a lecture's class."""
    return from_json(lecture.settings)


def dimensions_of(lecture: Session) -> tuple[str, ...]:
    """The questions of a lecture's form."""
    return settings_of(lecture).rating_dimensions


def window_of(lecture: Session) -> rating_rules.Window:
    """The rating window of a lecture, by its class's settings."""
    return rating_rules.window(lecture.ends_at, settings_of(lecture))


def is_closed(lecture: Session, now: datetime) -> bool:
    """Whether a lecture's rating window has closed (only then are its figures shown)."""
    return rating_rules.closed(window_of(lecture), now)


def locale_of(who: Recipient, lecture: Session, fallback: Locale) -> Locale:
    """The recipient's language: their own, else their class's."""
    return recipient_locale(who.locale, settings_of(lecture).locale, fallback)


def local(moment: datetime, lecture: Session) -> datetime:
    """A moment as the class reads it (templates write it with the ``when`` filter)."""
    return moment.astimezone(ZoneInfo(lecture.timezone))


def _label(texts: Texts, locale: Locale, dimension: str) -> str:
    return texts.plain(locale, "ratings.dimension", name=dimension)


def form_view(
    texts: Texts, locale: Locale, lecture: Session, form: rating_rules.Form
) -> tuple[str, InlineKeyboardMarkup]:
    """The one message a form lives in: answers so far, and the buttons of the next step."""
    settings = settings_of(lecture)
    dims = settings.rating_dimensions
    closes = rating_rules.window(lecture.ends_at, settings).closes
    text = texts.render(
        locale,
        "ratings.form",
        title=lecture.title,
        dims=[
            {
                "label": _label(texts, locale, d),
                "score": form.scores.get(d, 0),
                "asking": d == form.asking,
            }
            for d in dims
        ],
        comment=form.comment,
        awaiting_comment=form.awaiting_comment,
        asking=_label(texts, locale, form.asking) if form.asking in dims else None,
        closes=local(closes, lecture),
        max=rating_rules.MAX_COMMENT,
    )
    rows: list[list[tuple[str, Button]]] = []
    if form.asking in dims:
        index = dims.index(form.asking)
        rows.append(
            [
                (texts.plain(locale, "ratings.score", n=n), RateScore(lecture.id, index, n))
                for n in range(1, 6)
            ]
        )
    if rating_rules.complete(form, dims):
        changes = [
            (
                texts.plain(locale, "ratings.change", label=_label(texts, locale, d)),
                RateAsk(lecture.id, i),
            )
            for i, d in enumerate(dims)
            if d != form.asking
        ]
        rows.extend(changes[i : i + 2] for i in range(0, len(changes), 2))
        rows.append(
            [
                (texts.plain(locale, "ratings.comment"), RateComment(lecture.id)),
                (texts.plain(locale, "ratings.submit"), RateSubmit(lecture.id)),
            ]
        )
    return text, keyboard(rows)


def submitted_view(
    texts: Texts, locale: Locale, lecture: Session, form: rating_rules.Form
) -> tuple[str, InlineKeyboardMarkup]:
    """The form once submitted: the answers, and a button to change them in the window."""
    settings = settings_of(lecture)
    closes = rating_rules.window(lecture.ends_at, settings).closes
    text = texts.render(
        locale,
        "ratings.submitted",
        title=lecture.title,
        dims=[
            {"label": _label(texts, locale, d), "score": form.scores[d]}
            for d in settings.rating_dimensions
        ],
        comment=form.comment,
        closes=local(closes, lecture),
    )
    return text, reopen_keyboard(texts, locale, lecture)


def reopen_keyboard(
    texts: Texts, locale: Locale, lecture: Session, label: str = "reopen"
) -> InlineKeyboardMarkup:
    """One button that opens (or reopens) the form."""
    return keyboard([[(texts.plain(locale, f"ratings.{label}"), RateOpen(lecture.id))]])


def number(value: float | None) -> str | None:
    """An average as shown: two decimals."""
    return None if value is None else f"{value:.2f}"


def percent(value: float | None) -> str | None:
    """A share as a percentage with one decimal."""
    return None if value is None else f"{value * 100:.1f}"


def signed(value: float | None, scale: float = 1.0, digits: int = 2) -> str | None:
    """A change with its sign."""
    return None if value is None else f"{value * scale:+.{digits}f}"


def summary_text(
    texts: Texts,
    locale: Locale,
    lecture: Session,
    summary: rating_stats.Summary,
    delta: rating_stats.Change,
    attendees: int,
) -> str:
    """The instructor's summary of one lecture: figures only, never a name.

    Below the class's threshold only the counts, and that the figures are withheld.
    """
    settings = settings_of(lecture)
    return texts.render(
        locale,
        "ratings.summary",
        title=lecture.title,
        date=local(lecture.starts_at, lecture).date(),
        responses=summary.responses,
        attendees=attendees,
        dims=[
            {
                "label": _label(texts, locale, d),
                "avg": number(summary.averages[d]) or "-",
                "delta": signed(delta.averages.get(d)),
            }
            for d in settings.rating_dimensions
        ],
        satisfaction=percent(summary.satisfaction),
        sat_delta=signed(delta.satisfaction, 100, 1),
        distribution=sorted(summary.distribution.items()),
        comments=list(summary.comments),
        figures_withheld=summary.figures_withheld,
        min=settings.rating_min_responses,
        previous=delta.previous_lectures,
    )


def chart_texts(texts: Texts, locale: Locale, lecture: Session) -> chart.ChartTexts:
    """Every word on the summary chart, in the reader's language."""
    return chart.ChartTexts(
        questions=[_label(texts, locale, d) for d in dimensions_of(lecture)],
        averages=texts.plain(locale, "ratings.chart_averages"),
        distribution=texts.plain(locale, "ratings.chart_distribution"),
        scores=[texts.plain(locale, "ratings.chart_score", n=n) for n in range(1, 6)],
        people=texts.plain(locale, "ratings.chart_people"),
    )


def chart_caption(texts: Texts, locale: Locale, lecture: Session) -> str:
    """The caption that says which number on the chart is which question."""
    dims = dimensions_of(lecture)
    return texts.render(
        locale,
        "ratings.chart_caption",
        title=lecture.title,
        dims=[(n, _label(texts, locale, d)) for n, d in enumerate(dims, start=1)],
    )


def ratings_of(
    lecture: Session, rows: list[tuple[dict[str, int], str | None]]
) -> list[rating_stats.Rating]:
    """A lecture's stored ratings, each knowing its own form's satisfaction question."""
    overall = rating_stats.overall_of(dimensions_of(lecture))
    return [rating_stats.Rating(scores, comment, overall) for scores, comment in rows]


def stats_lecture(
    lecture: Session, rows: list[tuple[dict[str, int], str | None]]
) -> rating_stats.Lecture:
    """A lecture for the aggregates: its ratings and its class's threshold."""
    return rating_stats.Lecture(
        lecture.id,
        lecture.title,
        ratings_of(lecture, rows),
        settings_of(lecture).rating_min_responses,
    )


def counted_lecture(
    lecture: Session, counts: tuple[int, dict[str, dict[int, int]]] | None
) -> rating_stats.Lecture:
    """A lecture for the school's table from the database's counts of its ratings
    (storage.ratings.score_counts_of_sessions): the same figures, no comments."""
    answered, scores = counts or (0, {})
    overall = scores.get(rating_stats.overall_of(dimensions_of(lecture)), {})
    return rating_stats.Lecture(
        lecture.id,
        lecture.title,
        (),
        settings_of(lecture).rating_min_responses,
        counts=rating_stats.Counts(answered, scores, overall),
    )


def summarize(
    lecture: Session, rows: list[tuple[dict[str, int], str | None]], rng: random.Random
) -> rating_stats.Summary:
    """Aggregate a lecture's stored ratings with its class's threshold."""
    settings = settings_of(lecture)
    return rating_stats.summarize(
        ratings_of(lecture, rows),
        settings.rating_dimensions,
        min_responses=settings.rating_min_responses,
        rng=rng,
    )


def summarize_counted(
    lecture: Session, counted: rating_stats.Lecture, comments: list[str], rng: random.Random
) -> rating_stats.Summary:
    """A lecture's summary from the database's counts of its ratings (``counted_lecture``)
    and its comments: the figures and comments ``summarize`` gives from its ratings."""
    dims = dimensions_of(lecture)
    figures = rating_stats.summarize_counts(
        counted.counted(dims), dims, min_responses=counted.min_responses
    )
    return rating_stats.with_comments(figures, comments, rng)
