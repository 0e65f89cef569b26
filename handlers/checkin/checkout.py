"""/checkout: signing out at the end (双签到); before the window it asks for a confirmation."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import Action, pack
from bot.context import Context
from bot.rules.attendance import CheckoutVerdict, checkout_verdict
from bot.rules.roles import Role
from handlers.checkin.common import (
    choice_keyboard,
    hhmm,
    pressed_session,
    settings_of,
    window_of,
)
from handlers.common import viewer_of
from storage import attendance, updates
from storage.attendance import SessionRow
from storage.db import Tx


async def checkout_command(update: Update, context: Context) -> None:
    """/checkout: sign out of the session one checked in to."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    if not any(Role.TRAINEE in m.roles for m in viewer.memberships):
        await message.reply_text(context.t("checkin.not_trainee"))
        return
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    sessions = [
        s
        for s in await attendance.sessions_near(context.db, person_id, Role.TRAINEE, now)
        if window_of(s).checkin_opens <= now < window_of(s).checkout_closes
    ]
    if not sessions:
        await message.reply_text(context.t("checkin.no_session"))
        return
    double = [s for s in sessions if settings_of(s.settings).double_checkin]
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
        keyboard = choice_keyboard(context, Action.CHECKOUT, open_)
        await message.reply_text(context.t("checkin.choose"), reply_markup=keyboard)
        return
    await _checkout(update, context, person_id, open_[0], confirmed=False)


async def checkout_button(update: Update, context: Context) -> None:
    """The which-session and the confirm-leaving-early buttons."""
    pressed = await pressed_session(update, context)
    if pressed is None:
        return
    decoded, session, person_id = pressed
    confirmed = decoded.action is Action.CHECKOUT_EARLY
    if confirmed:
        await update.callback_query.edit_message_reply_markup(None)
    await _checkout(update, context, person_id, session, confirmed=confirmed)


async def _checkout(
    update: Update, context: Context, person_id: int, session: SessionRow, *, confirmed: bool
) -> None:
    message = update.effective_message
    now = context.bot_data.clock.now()
    w = window_of(session)
    verdict = checkout_verdict(now, w)
    if verdict is CheckoutVerdict.CLOSED or session.cancelled:
        await message.reply_text(context.t("checkin.checkout_closed", title=session.title))
        return
    if verdict is CheckoutVerdict.EARLY and not confirmed:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.label("checkin.confirm_early"),
                        callback_data=pack(Action.CHECKOUT_EARLY, session.id),
                    )
                ]
            ]
        )
        await message.reply_text(
            context.t(
                "checkin.confirm_early",
                title=session.title,
                opens=hhmm(w.checkout_opens, session),
            ),
            reply_markup=keyboard,
        )
        return
    update_id = update.update_id
    method = "early" if verdict is CheckoutVerdict.EARLY else "normal"

    async def op(tx: Tx) -> tuple[bool, attendance.AttendanceRow | None]:
        recorded = False
        if await updates.claim(tx, update_id, now):
            recorded = await attendance.record_checkout(tx, session.id, person_id, now, method)
        return recorded, await attendance.record_of(tx, session.id, person_id)

    recorded, row = await context.db.write(op)
    if row is None or row.checkin_at is None:
        await message.reply_text(context.t("checkin.not_checked_in", title=session.title))
        return
    if row.checkout_at is None:  # pragma: no cover - the conditional update cannot miss here
        await message.reply_text(context.t("checkin.checkout_closed", title=session.title))
        return
    name = "checkin.checked_out" if recorded else "checkin.already_out"
    await message.reply_text(
        context.t(
            name,
            title=session.title,
            time=hhmm(row.checkout_at, session),
            early=row.checkout_at < w.checkout_opens,
        )
    )
