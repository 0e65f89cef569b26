"""The timed work of ratings: the prompt at a session's end, one reminder, the summary.

Every job is idempotent: messages are queued under keys naming their cause
(``rating:prompt:session:42:person:7``), the chart photo too (``bot.outbox.photo``), right
after its summary in the same transaction, so running a job twice sends nothing twice and
the chart never arrives before the text.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.context import BotData
from bot.jobs import PlannedJob
from bot.outbox import message, messages, paged_key, photo
from bot.rules import rating as rating_rules
from bot.rules import rating_stats, reminders
from handlers.ratings import chart, flows, views
from storage import outbox, ratings, sessions
from storage.db import Database

# Sessions that ended longer ago than this are past every window a class would set.
HORIZON = timedelta(days=45)


async def plan(db: Database, now: datetime) -> Iterable[PlannedJob]:
    """The prompt, reminder and summary of every session whose rating is not over."""
    jobs = []
    # A rating window opens at its session's end, so a session ending past the scheduler's
    # horizon has nothing to plan yet: without the bound, start-up read every future session.
    until = now + reminders.HORIZON
    for lecture in await sessions.ending_since(db, now - HORIZON, until):
        settings = views.settings_of(lecture)
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
    lecture = await sessions.by_id(data.db, session_id)
    if lecture is None or lecture.cancelled:
        return
    people = await ratings.attendees(data.db, session_id)
    done = await ratings.responders(data.db, session_id) if reminder else set()
    kind = "remind" if reminder else "prompt"
    rows = []
    for person in people:
        if person.telegram_user_id is None or person.person_id in done:
            continue
        locale = views.locale_of(person, lecture, data.config.locale)
        if reminder:
            closes = views.local(views.window_of(lecture).closes, lecture)
            text = data.texts.render(locale, "ratings.reminder", title=lecture.title, closes=closes)
            keyboard = views.reopen_keyboard(data.texts, locale, lecture, "rate_now")
        else:
            form = rating_rules.start(views.dimensions_of(lecture), None)
            text, keyboard = views.form_view(data.texts, locale, lecture, form)
        rows.append(
            {
                "key": f"rating:{kind}:session:{session_id}:person:{person.person_id}",
                "chat_id": person.telegram_user_id,
                "person_id": person.person_id,
                "payload": message(text, keyboard=keyboard),
            }
        )
    if rows:
        await data.db.write(lambda tx: outbox.enqueue_many(tx, rows, now=now))


async def summarize(session_id: int, data: BotData, now: datetime) -> None:
    """At the window's close: each instructor's summary (message and chart); forms dropped,
    and the ratings anonymised, in the one transaction that queues the summaries."""
    db = data.db
    lecture = await sessions.by_id(db, session_id)
    if lecture is None or lecture.cancelled:
        return
    dims = views.dimensions_of(lecture)
    summary = views.summarize(
        lecture, await ratings.scores_of(db, session_id), random.SystemRandom()
    )
    attendees = len(await ratings.attendees(db, session_id))
    # No chart for nothing to draw, or for the figures of too few answers. One drawing per
    # language, in a thread: drawing takes tens of milliseconds the event loop must not wait.
    drawable = bool(summary.responses) and not summary.figures_withheld
    averages = [summary.averages[d] for d in dims] if drawable else []
    drawn: dict[str, bytes] = {}
    sends: list[dict[str, Any]] = []
    for instructor in await sessions.instructors(db, session_id):
        if instructor.telegram_user_id is None:
            continue
        # Compared only with earlier lectures whose rating is over, so no live figures of
        # another session leak through the difference.
        earlier = [
            views.stats_lecture(e, await ratings.scores_of(db, e.id))
            for e in await sessions.taught_by(db, instructor.person_id, until=lecture.ends_at)
            if e.id != session_id and views.is_closed(e, now)
        ]
        delta = rating_stats.change(summary, earlier, dims)
        locale = views.locale_of(instructor, lecture, data.config.locale)
        text = views.summary_text(data.texts, locale, lecture, summary, delta, attendees)
        about = f"session:{session_id}:person:{instructor.person_id}"
        to = {"chat_id": instructor.telegram_user_id, "person_id": instructor.person_id}
        for n, payload in enumerate(messages(text), start=1):  # many long comments: pages
            sends.append({"key": paged_key(f"rating:summary:{about}", n), "payload": payload, **to})
        if drawable:
            if locale not in drawn:
                words = views.chart_texts(data.texts, locale, lecture)
                drawn[locale] = await asyncio.to_thread(
                    chart.render, averages, summary.distribution, words
                )
            png = drawn[locale]
            caption = views.chart_caption(data.texts, locale, lecture)
            payload = photo(png, filename=f"rating-{session_id}.png", caption=caption)
            sends.append(
                {"key": f"rating:chart:{about}", "method": "sendPhoto", "payload": payload, **to}
            )
    await db.write(lambda tx: flows.close_window(tx, session_id, sends, now))
