"""An instructor's report for their home unit (seed 004: rating results go back to the
instructor's unit for its yearly appraisal): their lectures over a period whose rating
closed, each with its figures, the trend by month, and the comments, as a Word document.

The ratings feature's anonymity rules hold: no rater, no per-person row; a lecture with
fewer answers than its class's threshold shows its count only, and is left out of every
pooled figure (bot/rules/rating_stats.py ``pool``); comments come from the lectures shown
alone, in an order drawn from ``rng``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import docx
from bot.rules import class_settings, rating, rating_stats
from bot.rules.locales import Locale
from bot.texts import Texts
from storage import ratings, sessions
from storage.db import Queryable
from storage.sessions import Session

MAX_COMMENTS = 200


@dataclass(frozen=True)
class Instructor:
    """Who the report is about."""

    person_id: int
    name: str
    unit: str | None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


async def lectures_of(
    db: Queryable, person_id: int, start: datetime, end: datetime, now: datetime
) -> list[Session]:
    """The instructor's lectures that ended in [start, end) and whose rating has closed."""
    found = await sessions.taught_by(db, person_id, until=min(end, now))
    return [
        s
        for s in found
        if s.ends_at >= start
        and rating.closed(rating.window(s.ends_at, class_settings.from_json(s.settings)), now)
    ]


async def document(
    db: Queryable,
    who: Instructor,
    lectures: list[Session],
    period: str,
    texts: Texts,
    locale: Locale,
    now: datetime,
    zone: ZoneInfo,
    rng: random.Random,
) -> bytes:
    """The report as .docx bytes."""
    dims: list[str] = []
    rows = []
    pooled: list[rating_stats.Lecture] = []
    by_month: dict[str, list[rating_stats.Lecture]] = defaultdict(list)
    comments: list[str] = []
    for lecture in lectures:
        settings = class_settings.from_json(lecture.settings)
        own = settings.rating_dimensions
        dims.extend(d for d in own if d not in dims)
        overall = rating_stats.overall_of(own)
        given = [
            rating_stats.Rating(s, c, overall) for s, c in await ratings.scores_of(db, lecture.id)
        ]
        one = rating_stats.summarize(
            given, own, min_responses=settings.rating_min_responses, rng=rng
        )
        stats = rating_stats.Lecture(
            lecture.id, lecture.title, given, settings.rating_min_responses
        )
        pooled.append(stats)
        local = lecture.starts_at.astimezone(zone)
        by_month[f"{local:%Y-%m}"].append(stats)
        comments.extend(one.comments)
        rows.append(
            [
                f"{local:%Y-%m-%d}",
                lecture.class_name,
                lecture.title,
                str(one.responses),
                _number(one.averages.get(overall)),
                _percent(one.satisfaction),
            ]
        )
    total = rating_stats.pool(pooled, dims)
    trend = []
    for month in sorted(by_month):
        summary = rating_stats.pool(by_month[month], dims)
        trend.append(
            [
                month,
                str(len(by_month[month])),
                str(summary.responses),
                _percent(summary.satisfaction),
            ]
        )
    shown = sorted(comments)
    rng.shuffle(shown)
    body = texts.xml(
        locale,
        "records.instructor_report",
        name=who.name,
        unit=who.unit or "",
        period=period,
        lectures=len(lectures),
        responses=total.responses,
        satisfaction=_percent(total.satisfaction),
        averages=[
            [texts.plain(locale, "ratings.dimension", name=d), _number(total.averages.get(d))]
            for d in dims
        ],
        withheld=total.figures_withheld,
        rows=rows,
        trend=trend,
        comments=shown[:MAX_COMMENTS],
        more=max(0, len(shown) - MAX_COMMENTS),
        generated=f"{now.astimezone(zone):%Y-%m-%d %H:%M}",
    )
    return docx.document(body, title=who.name)
