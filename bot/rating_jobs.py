"""The timed work of ratings: the prompt at a session's end, one reminder, the summary.

Every job is idempotent: messages are queued under keys naming their cause
(``rating:prompt:session:42:person:7``), the chart photo too (``bot.outbox.photo``), right
after its summary in the same transaction, so running a job twice sends nothing twice and
the chart never arrives before the text.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot import rating_chart, rating_views
from bot.jobs import PlannedJob
from bot.outbox import message, photo
from bot.rules import rating as rating_rules
from bot.rules import rating_stats
from storage import ratings
from storage.db import Database, Tx
from storage.outbox import enqueue

if TYPE_CHECKING:
    from bot.context import BotData


# Sessions that ended longer ago than this are past every window a class would set.
HORIZON = timedelta(days=45)


async def plan(db: Database, now: datetime) -> Iterable[PlannedJob]:
    """The prompt, reminder and summary of every session whose rating is not over."""
    jobs = []
    for lecture in await ratings.lectures_ending_since(db, now - HORIZON):
        settings = rating_views.settings_of(lecture)
        if settings.rating_window_minutes == 0:
            continue  # this class does not rate
        w = rating_rules.window(lecture.ends_at, settings)
        name = f"rating:session:{lecture.id}"
        for job in (
            PlannedJob(f"{name}:prompt", w.opens, w.remind_at, partial(prompt, lecture.id)),
            PlannedJob(f"{name}:remind", w.remind_at, w.closes, partial(remind, lecture.id)),
            PlannedJob(
                f"{name}:summary",
                w.closes,
                w.closes + rating_rules.SUMMARY_USEFUL_FOR,
                partial(summarize, lecture.id),
            ),
        ):
            if job.useful_until > now:
                jobs.append(job)
    return jobs


async def prompt(session_id: int, data: BotData, now: datetime) -> None:
    """Queue the form to every trainee who attended."""
    await _to_attendees(data, session_id, now, reminder=False)


async def remind(session_id: int, data: BotData, now: datetime) -> None:
    """Queue one reminder to every attendee who has not rated yet."""
    await _to_attendees(data, session_id, now, reminder=True)


async def _to_attendees(data: BotData, session_id: int, now: datetime, *, reminder: bool) -> None:
    lecture = await ratings.lecture(data.db, session_id)
    if lecture is None or lecture.cancelled:
        return
    people = await ratings.attendees(data.db, session_id)
    done = await ratings.responders(data.db, session_id) if reminder else set()
    queued = []
    for person in people:
        if person.telegram_user_id is None or person.person_id in done:
            continue
        locale = rating_views.locale_for(person.locale, lecture)
        if reminder:
            closes = rating_views.window_of(lecture).closes
            text = data.texts.render(
                locale,
                "ratings.reminder",
                title=lecture.title,
                closes=rating_views.local(closes, lecture),
            )
            keyboard = rating_views.reopen_keyboard(data.texts, locale, lecture, "rate_now")
        else:
            form = rating_rules.start(rating_views.dimensions_of(lecture), None)
            text, keyboard = rating_views.form_view(data.texts, locale, lecture, form)
        kind = "remind" if reminder else "prompt"
        queued.append(
            (
                f"rating:{kind}:session:{session_id}:person:{person.person_id}",
                person,
                message(text, keyboard=keyboard),
            )
        )

    async def write(tx: Tx) -> None:
        for key, person, payload in queued:
            await enqueue(
                tx,
                key=key,
                chat_id=person.telegram_user_id,
                person_id=person.person_id,
                payload=payload,
                now=now,
            )

    if queued:
        await data.db.write(write)
        data.outbox.wake()


async def summarize(session_id: int, data: BotData, now: datetime) -> None:
    """At the window's close: each instructor's summary (message and chart); forms dropped,
    and the ratings anonymised, in the one transaction that queues the summaries."""
    db = data.db
    lecture = await ratings.lecture(db, session_id)
    if lecture is None or lecture.cancelled:
        return
    dims = rating_views.dimensions_of(lecture)
    summary = rating_views.summarize(
        lecture, await ratings.scores_of(db, session_id), random.SystemRandom()
    )
    attendees = len(await ratings.attendees(db, session_id))
    sends = []
    for instructor in await ratings.instructors(db, session_id):
        if instructor.telegram_user_id is None:
            continue
        # Compared only with earlier lectures whose rating is over, so no live figures of
        # another session leak through the difference.
        earlier = [
            rating_views.stats_lecture(e, await ratings.scores_of(db, e.id))
            for e in await ratings.taught_lectures(db, instructor.person_id, until=lecture.ends_at)
            if e.id != session_id and rating_views.is_closed(e, now)
        ]
        delta = rating_stats.change(summary, earlier, dims)
        locale = rating_views.locale_for(instructor.locale, lecture)
        text = rating_views.summary_text(data.texts, locale, lecture, summary, delta, attendees)
        sends.append((instructor, locale, text))

    # No chart for nothing to draw, or for the figures of too few answers.
    chart = None
    if summary.responses and not summary.figures_withheld:
        chart = rating_chart.render([summary.averages[d] for d in dims], summary.distribution)

    async def write(tx: Tx) -> None:
        await ratings.drop_forms(tx, session_id)
        # The window is closed: the one-per-person rule needs the person no more.
        await ratings.anonymise(tx, session_id)
        for instructor, locale, text in sends:
            about = f"session:{session_id}:person:{instructor.person_id}"
            to = {"chat_id": instructor.telegram_user_id, "person_id": instructor.person_id}
            await enqueue(tx, key=f"rating:summary:{about}", payload=message(text), now=now, **to)
            if chart is not None:
                caption = rating_views.chart_caption(data.texts, locale, lecture)
                payload = photo(chart, filename=f"rating-{session_id}.png", caption=caption)
                await enqueue(
                    tx,
                    key=f"rating:chart:{about}",
                    method="sendPhoto",
                    payload=payload,
                    now=now,
                    **to,
                )

    await db.write(write)
    data.outbox.wake()
