"""/checkout: signing out at the end (双签到); before the window it asks for a confirmation.

Where the class says so, the check-out first asks for the check-in's proof
(handlers/checkin/checkout_proofs.py) and goes on here once it is given (``resume``).
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.buttons import CheckOut, CheckOutEarly, CheckOutStay, keyboard
from bot.context import Context
from bot.permissions import Capability, roles_for
from bot.rules.attendance import CheckoutVerdict, checkout_verdict
from handlers.checkin import checkout_proofs, flows
from handlers.checkin.record import pressed_session
from handlers.checkin.views import choice_keyboard, hhmm, settings_of, window_of
from handlers.common import answer, drop_keyboard, edit_or_send, viewer_of
from storage import attendance, sessions
from storage.sessions import Session

# Check-in opens at most this long before a start and a session closes at most this long
# after its end (bot/rules/attendance.py's windows).
_NEAR = timedelta(days=1)
_TRAINEE = sorted(roles_for(Capability.CHECK_IN))


async def checkout_command(update: Update, context: Context) -> None:
    """/checkout: sign out of the session one checked in to."""
    viewer = viewer_of(context)
    message = update.effective_message
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    near = await sessions.of_person_around(
        context.db, person_id, _TRAINEE, now - _NEAR, now + _NEAR
    )
    near = [s for s in near if window_of(s).checkin_opens <= now < window_of(s).checkout_closes]
    if not near:
        await message.reply_text(context.t("checkin.no_session"))
        return
    double = [s for s in near if settings_of(s).double_checkin]
    if not double:
        await message.reply_text(context.t("checkin.no_double"))
        return
    records = {s.id: await attendance.record_of(context.db, s.id, person_id) for s in double}
    open_ = [
        s
        for s in double
        if (r := records[s.id]) is not None and r.checkin_at is not None and r.checkout_at is None
    ]
    if not open_:
        done = [s for s in double if (r := records[s.id]) is not None and r.checkout_at is not None]
        if done:
            s = done[0]
            when = hhmm(records[s.id].checkout_at, s)  # type: ignore[union-attr,arg-type]
            await message.reply_text(context.t("checkin.already_out", title=s.title, time=when))
        else:
            await message.reply_text(context.t("checkin.not_checked_in", title=double[0].title))
        return
    if len(open_) > 1:
        keyboard = choice_keyboard(context, CheckOut, open_)
        await message.reply_text(context.t("checkin.choose"), reply_markup=keyboard)
        return
    if await checkout_proofs.require(update, context, person_id, open_[0]):
        await _checkout(update, context, person_id, open_[0], confirmed=False)


async def resume(update: Update, context: Context, person_id: int, session: Session) -> None:
    """Every proof the check-out asked for is given: go on as /checkout would."""
    await _checkout(update, context, person_id, session, confirmed=False)


async def pressed_checkout(
    update: Update, context: Context, button: CheckOut | CheckOutEarly
) -> None:
    """The which-session and the confirm-leaving-early buttons."""
    session = await pressed_session(update, context, button.session_id)
    # A check-out that needs proof goes no further without it, whatever button was pressed.
    if not await checkout_proofs.require(update, context, context.viewer.person.id, session):
        return
    confirmed = isinstance(button, CheckOutEarly)
    await _checkout(update, context, context.viewer.person.id, session, confirmed=confirmed)
    if confirmed:
        # Only once the check-out is recorded: if this edit fails (a double tap found the
        # button gone), the check-out stands.
        await drop_keyboard(update.callback_query)


async def pressed_stay(update: Update, context: Context, button: CheckOutStay) -> None:
    """The early prompt's cancel: nothing is recorded; the prompt says so, without buttons."""
    session = await pressed_session(update, context, button.session_id)
    query = update.callback_query
    await answer(query)
    opens = hhmm(window_of(session).checkout_opens, session)
    await edit_or_send(query, context.t("checkin.stayed", title=session.title, opens=opens))


async def _checkout(
    update: Update, context: Context, person_id: int, session: Session, *, confirmed: bool
) -> None:
    message = update.effective_message
    now = context.bot_data.clock.now()
    w = window_of(session)
    verdict = checkout_verdict(now, w)
    if verdict is CheckoutVerdict.CLOSED or session.cancelled:
        await message.reply_text(context.t("checkin.checkout_closed", title=session.title))
        return
    if verdict is CheckoutVerdict.EARLY and not confirmed:
        buttons = keyboard(
            [
                [
                    (context.label("checkin.confirm_early"), CheckOutEarly(session.id)),
                    (context.label("checkin.stay"), CheckOutStay(session.id)),
                ]
            ]
        )
        await message.reply_text(
            context.t(
                "checkin.confirm_early",
                title=session.title,
                opens=hhmm(w.checkout_opens, session),
            ),
            reply_markup=buttons,
        )
        return
    method = "early" if verdict is CheckoutVerdict.EARLY else "normal"
    recorded, row = await context.db.write(
        lambda tx: flows.check_out(
            tx,
            update_id=update.update_id,
            session_id=session.id,
            person_id=person_id,
            now=now,
            method=method,
        )
    )
    if row is None or row.checkin_at is None:
        await message.reply_text(context.t("checkin.not_checked_in", title=session.title))
        return
    if row.checkout_at is None:  # pragma: no cover - the conditional update cannot miss here
        await message.reply_text(context.t("checkin.checkout_closed", title=session.title))
        return
    when = hhmm(row.checkout_at, session)
    if not recorded:  # a second press, or Telegram delivering the first again
        await message.reply_text(context.t("checkin.already_out", title=session.title, time=when))
        return
    early = row.checkout_at < w.checkout_opens
    await message.reply_text(
        context.t("checkin.checked_out", title=session.title, time=when, early=early)
    )
