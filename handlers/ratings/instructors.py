"""/myratings for instructors and /instructors for the school: figures, never names.

Both show only lectures whose rating window has closed: while it is open, a class manager
sees who has not answered yet, and live figures next to that list would tell who gave
which scores. A lecture too little rated shows its counts only (bot/rules/rating_stats.py).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import Context, Viewer
from bot.permissions import Capability
from bot.rules import rating_stats
from handlers.common import reply_pages, viewer_of
from handlers.ratings import views, workbook
from storage import ratings, sessions

DEFAULT_PERIOD = timedelta(days=90)
MAX_ROWS = 30  # lectures listed by /myratings
TITLES_SHOWN = 3  # an instructor's latest lectures named under their line of /instructors


async def show_my_ratings(update: Update, context: Context) -> None:
    """/myratings: an instructor's lectures whose rating closed, latest first, with figures."""
    viewer = viewer_of(context)
    message = update.effective_message
    now = context.bot_data.clock.now()
    lectures = await sessions.taught_by(context.db, viewer.person.id, until=now)
    if not lectures:
        await message.reply_text(context.t("ratings.myratings_none"))
        return
    closed = [lecture for lecture in lectures if views.is_closed(lecture, now)]
    rows, pooled, dims = [], [], []
    for lecture in reversed(closed):
        stored = await ratings.scores_of(context.db, lecture.id)
        pooled.append(views.stats_lecture(lecture, stored))
        own = views.dimensions_of(lecture)
        dims.extend(d for d in own if d not in dims)
        one = views.summarize(lecture, stored, random.Random(0))
        rows.append(
            {
                "title": lecture.title,
                "date": views.local(lecture.starts_at, lecture).date(),
                "responses": one.responses,
                "attendees": len(await ratings.attendees(context.db, lecture.id)),
                "satisfaction": views.percent(one.satisfaction),
                "overall": views.number(one.averages[rating_stats.overall_of(own)]),
                "withheld": one.figures_withheld,
                "min": views.settings_of(lecture).rating_min_responses,
            }
        )
    # Each rating counts toward satisfaction by its own form's question (handlers/ratings/views.py).
    everything = rating_stats.pool(pooled, dims)
    await reply_pages(
        message,
        context.t(
            "ratings.myratings",
            rows=rows[:MAX_ROWS],
            satisfaction=views.percent(everything.satisfaction),
            lectures=len(closed),
            pending=len(lectures) - len(closed),
        ),
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


def _zone(context: Context, viewer: Viewer, class_ids: list[int] | None) -> ZoneInfo:
    """The calendar the period's dates are read in."""
    school = ZoneInfo(context.bot_data.config.timezone)
    if class_ids is None:
        # The admin's school-wide view spans classes that may each keep their own zone: the
        # configured zone (TRAINEE_BOT_TZ) is the one calendar they all share.
        return school
    zones = {m.klass.timezone for m in viewer.memberships if m.klass.id in class_ids}
    # A manager's view reads dates as their class does; classes in several zones: the school's.
    return ZoneInfo(zones.pop()) if len(zones) == 1 else school


async def show_instructors(update: Update, context: Context) -> None:
    """/instructors: the school's table over a period, as a message and an .xlsx document."""
    viewer = viewer_of(context)
    message = update.effective_message
    # Admins see every class; a class manager only the classes they manage.
    class_ids = (
        None
        if viewer.may(Capability.SEE_ALL_INSTRUCTORS)
        else [m.klass.id for m in viewer.classes_where(Capability.SEE_INSTRUCTORS)]
    )
    zone = _zone(context, viewer, class_ids)
    now = context.bot_data.clock.now()
    period = _period(list(context.args or []), now, zone)
    if period is None:
        await message.reply_text(context.t("ratings.instructors_bad_period"))
        return
    start, end = period
    first, last = start.astimezone(zone), (end - timedelta(microseconds=1)).astimezone(zone)
    label = f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"
    taught = await sessions.taught_between(context.db, start, end, class_ids)
    done = [t for t in taught if views.is_closed(t.session, now)]
    pending = len({t.session.id for t in taught} - {t.session.id for t in done})
    if not done:
        await message.reply_text(
            context.t("ratings.instructors_none", period=label, pending=pending)
        )
        return
    by_instructor: dict[tuple[int, str], list[rating_stats.Lecture]] = defaultdict(list)
    dims: list[str] = []
    lectures: list[workbook.LectureLine] = []
    # Every lecture's ratings counted by SQLite at once, not read one lecture at a time
    # and summed here (a year is a thousand lectures and twenty thousand ratings). The
    # workbook's per-lecture sheet takes its figures from the same counts and reads only
    # the comments (one statement): parsing every rating's scores again cost a third of
    # the command.
    ids = [t.session.id for t in done]
    counts = await ratings.score_counts_of_sessions(context.db, ids)
    comments = await ratings.comments_of_sessions(context.db, ids)
    rng = random.SystemRandom()
    for item in done:
        own = views.dimensions_of(item.session)
        dims.extend(d for d in own if d not in dims)
        counted = views.counted_lecture(item.session, counts.get(item.session.id))
        by_instructor[(item.instructor_id, item.instructor_name)].append(counted)
        lectures.append(
            workbook.LectureLine(
                day=views.local(item.session.starts_at, item.session).date(),
                title=item.session.title,
                class_name=item.session.class_name,
                instructor=item.instructor_name,
                dims=own,
                summary=views.summarize_counted(
                    item.session, counted, comments.get(item.session.id, []), rng
                ),
            )
        )
    titles = {
        name: [lecture.title for lecture in reversed(taught)]
        for (_, name), taught in by_instructor.items()
    }
    config = context.bot_data.config
    labels = [context.label("ratings.dimension", name=d) for d in dims]
    rows = rating_stats.instructor_rows(
        [(name, lectures) for (_, name), lectures in by_instructor.items()],
        dims,
        threshold=config.rating_low_pct / 100,
        excellent_rate=config.excellent_pct / 100,
        excellent_min=config.excellent_min_responses,
    )
    await reply_pages(
        message,
        context.t(
            "ratings.instructors",
            period=label,
            dims=labels,
            rows=[
                {
                    "name": r.name,
                    "lectures": r.lectures,
                    "responses": r.summary.responses,
                    "avgs": [
                        (label, views.number(r.summary.averages[d]) or "-")
                        for label, d in zip(labels, dims, strict=True)
                    ],
                    "titles": titles.get(r.name, [])[:TITLES_SHOWN],
                    "more": len(titles.get(r.name, [])) > TITLES_SHOWN,
                    "satisfaction": _with_percent(views.percent(r.summary.satisfaction)),
                    "withheld": r.summary.figures_withheld,
                    "low": r.below_threshold,
                    "excellent": list(r.excellent),
                }
                for r in rows
            ],
            threshold=config.rating_low_pct,
            excellent_pct=config.excellent_pct,
            excellent_min=config.excellent_min_responses,
            pending=pending,
        ),
    )
    await message.reply_document(
        document=workbook.workbook(
            context.texts,
            context.locale,
            rows,
            dims,
            labels,
            config.rating_low_pct,
            period=label,
            lectures=lectures,
        ),
        filename=f"instructors-{first:%Y%m%d}-{last:%Y%m%d}.xlsx",
    )


def _with_percent(value: str | None) -> str:
    return "-" if value is None else f"{value}%"
