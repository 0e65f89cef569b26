"""/myratings for instructors and /instructors for the school: figures, never names."""

from __future__ import annotations

import io
import random
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import rating_rules, rating_stats, rating_views
from bot.context import Context
from bot.rating_stats import InstructorRow
from bot.roles import Role
from handlers.common import PRIVATE, viewer_of
from storage import ratings

# The school's thresholds (issue 7): under 80% is marked; 95% from 10 answers is excellent.
THRESHOLD = 0.80
EXCELLENT_RATE = 0.95
EXCELLENT_MIN = 10
DEFAULT_PERIOD = timedelta(days=90)
MAX_ROWS = 30  # lectures listed by /myratings


async def show_my_ratings(update: Update, context: Context) -> None:
    """/myratings: an instructor's lectures, latest first, with their figures."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None or Role.INSTRUCTOR not in viewer.roles:
        await message.reply_text(context.t("ratings.myratings_not_allowed"))
        return
    now = context.bot_data.clock.now()
    lectures = await ratings.taught_lectures(context.db, viewer.person.id, until=now)
    if not lectures:
        await message.reply_text(context.t("ratings.myratings_none"))
        return
    rows, pooled = [], []
    for lecture in reversed(lectures):
        stored = [
            rating_stats.Rating(s, c) for s, c in await ratings.scores_of(context.db, lecture.id)
        ]
        pooled.extend(stored)
        dims = rating_views.dimensions_of(lecture)
        one = rating_stats.summarize(stored, dims, min_responses=1, rng=random.Random(0))
        closes = rating_rules.window(lecture.ends_at, rating_views.settings_of(lecture)).closes
        rows.append(
            {
                "title": lecture.title,
                "date": rating_views.local(lecture.starts_at, lecture, "%Y-%m-%d"),
                "responses": one.responses,
                "attendees": len(await ratings.attendees(context.db, lecture.id)),
                "satisfaction": rating_views.percent(one.satisfaction),
                "overall": rating_views.number(one.averages[rating_stats.overall_of(dims)]),
                "open": now < closes,
            }
        )
    everything = rating_stats.summarize(
        pooled, rating_stats.DEFAULT_DIMENSIONS, min_responses=1, rng=random.Random(0)
    )
    await message.reply_text(
        context.t(
            "ratings.myratings",
            rows=rows[:MAX_ROWS],
            satisfaction=rating_views.percent(everything.satisfaction),
            lectures=len(lectures),
        )
    )


def _period(args: list[str], now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """[start, end) from '/instructors [YYYY-MM-DD YYYY-MM-DD]' (end day included)."""
    if not args:
        return now - DEFAULT_PERIOD, now
    if len(args) != 2 or not all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", a) for a in args):
        return None
    try:
        first, last = (date.fromisoformat(a) for a in args)
    except ValueError:
        return None
    if last < first:
        return None
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return start, min(end, now)


async def show_instructors(update: Update, context: Context) -> None:
    """/instructors: the school's table over a period, as a message and an .xlsx document."""
    viewer = viewer_of(context)
    message = update.effective_message
    roles = viewer.roles
    if viewer.person is None or not roles & {Role.ADMIN, Role.MANAGER}:
        await message.reply_text(context.t("ratings.instructors_not_allowed"))
        return
    zone = ZoneInfo(context.bot_data.config.timezone)
    now = context.bot_data.clock.now()
    period = _period(list(context.args or []), now, zone)
    if period is None:
        await message.reply_text(context.t("ratings.instructors_bad_period"))
        return
    start, end = period
    label = f"{start.astimezone(zone):%Y-%m-%d} – {end.astimezone(zone):%Y-%m-%d}"
    # Admins see every class; a class manager only the classes they manage.
    class_ids = (
        None
        if Role.ADMIN in roles
        else [m.klass.id for m in viewer.memberships if Role.MANAGER.value in m.roles]
    )
    taught = await ratings.taught_between(context.db, start, end, class_ids)
    if not taught:
        await message.reply_text(context.t("ratings.instructors_none", period=label))
        return
    by_instructor: dict[tuple[int, str], list[rating_stats.Lecture]] = defaultdict(list)
    dims: list[str] = []
    for item in taught:
        for d in rating_views.dimensions_of(item.lecture):
            if d not in dims:
                dims.append(d)
        stored = await ratings.scores_of(context.db, item.lecture.id)
        by_instructor[(item.instructor_id, item.instructor_name)].append(
            rating_stats.Lecture(
                item.lecture.id,
                item.lecture.title,
                [rating_stats.Rating(s, c) for s, c in stored],
            )
        )
    rows = rating_stats.instructor_rows(
        [(name, lectures) for (_, name), lectures in by_instructor.items()],
        dims,
        threshold=THRESHOLD,
        excellent_rate=EXCELLENT_RATE,
        excellent_min=EXCELLENT_MIN,
    )
    labels = [context.label("ratings.dimension", name=d) for d in dims]
    await message.reply_text(
        context.t(
            "ratings.instructors",
            period=label,
            dims=labels,
            rows=[
                {
                    "name": r.name,
                    "lectures": r.lectures,
                    "responses": r.summary.responses,
                    "avgs": [rating_views.number(r.summary.averages[d]) or "-" for d in dims],
                    "satisfaction": _with_percent(rating_views.percent(r.summary.satisfaction)),
                    "low": r.below_threshold,
                    "excellent": list(r.excellent),
                }
                for r in rows
            ],
            threshold=round(THRESHOLD * 100),
        )
    )
    await message.reply_document(
        document=_workbook(context, rows, dims, labels),
        filename=f"instructors-{start.astimezone(zone):%Y%m%d}-{end.astimezone(zone):%Y%m%d}.xlsx",
    )


def _with_percent(value: str | None) -> str:
    return "-" if value is None else f"{value}%"


def _workbook(
    context: Context, rows: list[InstructorRow], dims: list[str], labels: list[str]
) -> bytes:
    """The same table as a spreadsheet: numbers as numbers, satisfaction as a percentage."""
    book = Workbook()
    sheet = book.active
    sheet.title = context.label("ratings.sheet_title")
    sheet.append(
        [
            context.label("ratings.col_instructor"),
            context.label("ratings.col_lectures"),
            context.label("ratings.col_responses"),
            *labels,
            context.label("ratings.col_satisfaction"),
            context.label("ratings.col_flag"),
        ]
    )
    for r in rows:
        marks = []
        if r.below_threshold:
            marks.append(context.label("ratings.flag_low", pct=round(THRESHOLD * 100)))
        if r.excellent:
            marks.append(context.label("ratings.flag_excellent", titles=list(r.excellent)))
        sheet.append(
            [
                r.name,
                r.lectures,
                r.summary.responses,
                *[
                    None if r.summary.averages[d] is None else round(r.summary.averages[d], 2)
                    for d in dims
                ],
                r.summary.satisfaction,
                "; ".join(marks),
            ]
        )
        sheet.cell(sheet.max_row, 4 + len(dims)).number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register(app: Application) -> None:
    """Add /myratings and /instructors."""
    app.add_handler(CommandHandler("myratings", show_my_ratings, filters=PRIVATE))
    app.add_handler(CommandHandler("instructors", show_instructors, filters=PRIVATE))
