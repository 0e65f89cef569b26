"""The steps every way of checking in shares: whose sessions, the button's session, asking
for the next proof, and the last step: record the check-in and say what it was."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot import permissions
from bot.context import Context
from bot.permissions import Capability
from bot.rules.attendance import CheckinVerdict, checkin_verdict, minutes_late
from handlers.checkin import flows
from handlers.checkin import sessions as cache
from handlers.checkin.views import hhmm, open_for_checkin, settings_of, window_of
from handlers.common import StalePress, answer, reply_only, viewer_of
from storage import sessions
from storage.sessions import Session


async def trainee_sessions(update: Update, context: Context) -> tuple[int, list[Session]] | None:
    """The speaker's person id and sessions near now as a trainee; None (answered) if none."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return None
    classes = viewer.classes_where(Capability.CHECK_IN)
    if not classes:
        await message.reply_text(context.t("checkin.not_trainee"))
        return None
    now = context.bot_data.clock.now()
    class_ids = [m.klass.id for m in classes]
    found = await cache.of_classes(context.db, class_ids, now)
    if not open_for_checkin(found, now):
        found = await cache.of_classes(context.db, class_ids, now, fresh=True)
    return viewer.person.id, found


async def pressed_session(update: Update, context: Context, session_id: int) -> Session:
    """The session a check-in or check-out button names, checked against the database now.

    A session that no longer exists, or a presser who is not (or no longer) a trainee of its
    class, makes the press stale. A valid press is answered (the spinner stops).
    """
    session = await sessions.by_id(context.db, session_id)
    person_id = viewer_of(context).person.id
    if session is None or not await permissions.holds(
        context.db, Capability.CHECK_IN, session.class_id, person_id
    ):
        raise StalePress
    await answer(update.callback_query)
    return session


async def record_and_reply(
    update: Update,
    context: Context,
    person_id: int,
    session: Session,
    method: str,
    *,
    retried: bool = False,
) -> None:
    """Record a proven check-in (once, whatever redelivery) and tell the trainee what it was."""
    now = context.bot_data.clock.now()
    w = window_of(session)
    message = update.effective_message
    verdict = checkin_verdict(now, w)
    if verdict is CheckinVerdict.CLOSED:
        await message.reply_text(context.t("checkin.closed", title=session.title))
        return
    if verdict is CheckinVerdict.TOO_EARLY:
        opens = hhmm(w.checkin_opens, session)
        await message.reply_text(context.t("checkin.too_early", title=session.title, opens=opens))
        return
    recorded, row = await context.db.write_in_thread(
        lambda tx: flows.check_in(tx, context.bot_data, session, person_id, now, method)
    )
    unlocked = row is None or (row.checkin_at is None and row.locked_at is None)
    if unlocked and not retried:
        # Nothing written and nothing that explains it: our copy of the session was stale.
        cache.forget(context.db, session.class_id)
        fresh = await sessions.by_id(context.db, session.id)
        if fresh is not None and not fresh.cancelled:
            await record_and_reply(update, context, person_id, fresh, method, retried=True)
            return
    remove = ReplyKeyboardRemove() if "location" in method else None
    if row is None or row.checkin_at is None:
        name = "checkin.locked" if row is not None and row.locked_at else "checkin.closed"
        await message.reply_text(context.t(name, title=session.title), reply_markup=remove)
        return
    values = {
        "title": session.title,
        "class_name": session.class_name,
        "time": hhmm(row.checkin_at, session),
        "late": minutes_late(row.checkin_at, w),
    }
    name = "checkin.recorded" if recorded else "checkin.already"
    # The hot path of a class checking in at once: the answer is not read (reply_only).
    await reply_only(message, context.t(name, **values), remove)


async def ask_next(
    update: Update,
    context: Context,
    session: Session,
    missing: set[str] | frozenset[str],
    what: str,
) -> None:
    """Ask for the next proof a check-in (``what="checkin"``) or check-out still needs."""
    message = update.effective_message
    if "code" in missing:
        await message.reply_text(context.t(f"checkin.{what}_ask_code", title=session.title))
        return
    live = settings_of(session).live_location_only
    if live:
        # The location button sends a point, never a live location: it cannot be offered.
        keyboard = None
    else:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(context.label("checkin.share_location"), request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    await message.reply_text(
        context.t(f"checkin.{what}_ask_location", title=session.title, live=live),
        reply_markup=keyboard,
    )
