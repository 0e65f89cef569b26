"""/rate: for a trainee, what they can still rate; for a class manager, who has not answered.

A class manager sees names only of those who have not answered yet (to remind them), and
counts; never anyone's answers.
"""

from __future__ import annotations

from telegram import Update

from bot.buttons import RateOpen, keyboard
from bot.context import Context
from bot.permissions import Capability
from bot.rules import rating as rating_rules
from handlers.common import reply_pages, viewer_of
from handlers.ratings import views
from handlers.ratings.jobs import HORIZON
from storage import ratings, sessions

# Names listed per session at most, so a large class still fits one message.
MAX_NAMES = 40


async def show_rate(update: Update, context: Context) -> None:
    """/rate: for a trainee, what they can still rate; for a manager, who has not answered."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.may(Capability.FOLLOW_RATINGS):
        followed = [m.klass.id for m in viewer.classes_where(Capability.FOLLOW_RATINGS)]
        await reply_pages(message, await _progress(context, followed))
    if viewer.may(Capability.RATE):
        await _trainee_list(update, context, viewer.person.id)


async def _trainee_list(update: Update, context: Context, person_id: int) -> None:
    now = context.bot_data.clock.now()
    items, buttons = [], []
    for lecture in await ratings.attended_sessions(context.db, person_id, now - HORIZON):
        w = rating_rules.window(lecture.ends_at, views.settings_of(lecture))
        if not w.opens <= now < w.closes:
            continue
        rated = await ratings.rating_of(context.db, lecture.id, person_id) is not None
        items.append(
            {"title": lecture.title, "rated": rated, "closes": views.local(w.closes, lecture)}
        )
        buttons.append(
            [(context.label("ratings.rate", title=lecture.title[:40]), RateOpen(lecture.id))]
        )
    if not items:
        await update.effective_message.reply_text(context.t("ratings.rate_none"))
        return
    await reply_pages(
        update.effective_message,
        context.t("ratings.rate_list", items=items),
        reply_markup=keyboard(buttons),
    )


async def _progress(context: Context, class_ids: list[int]) -> str:
    """A class manager's view: per open session, how many answered and who has not. No scores."""
    now = context.bot_data.clock.now()
    shown = []
    # Only windows open now: a session not ended yet has none (the bound keeps this small).
    for lecture in await sessions.ending_since(context.db, now - HORIZON, now):
        w = rating_rules.window(lecture.ends_at, views.settings_of(lecture))
        if lecture.class_id not in class_ids or not w.opens <= now < w.closes:
            continue
        people = await ratings.attendees(context.db, lecture.id)
        done = await ratings.responders(context.db, lecture.id)
        pending = [p.name for p in people if p.person_id not in done]
        # A manager who also gave the lecture sees the counts only: who has not answered,
        # next to the figures their summary shows, would tell them who answered what.
        teachers = {t.person_id for t in await sessions.instructors(context.db, lecture.id)}
        own = viewer_of(context).person.id in teachers
        shown.append(
            {
                "title": lecture.title,
                "class_name": lecture.class_name,
                "responses": len(people) - len(pending),
                "attendees": len(people),
                "closes": views.local(w.closes, lecture),
                "pending": [] if own else pending[:MAX_NAMES],
                "more": 0 if own else max(0, len(pending) - MAX_NAMES),
                "own": own,
            }
        )
    if not shown:
        return context.t("ratings.rate_none")
    return context.t("ratings.manager_list", sessions=shown)
