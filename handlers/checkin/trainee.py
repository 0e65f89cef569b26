"""/checkin and the check-in button of a reminder (or of the which-session question)."""

from __future__ import annotations

from telegram import Update

from bot.buttons import CheckIn
from bot.context import Context
from bot.rules.attendance import CheckinVerdict, checkin_verdict
from handlers.checkin import codes, proofs
from handlers.checkin.record import pressed_session, trainee_sessions
from handlers.checkin.views import choice_keyboard, hhmm, open_for_checkin, window_of
from storage import forms
from storage.forms import FormKind


async def checkin_command(update: Update, context: Context) -> None:
    """/checkin [code]: check in to the session open now, asking which if there are two."""
    found = await trainee_sessions(update, context)
    if found is None:
        return
    person_id, near = found
    now = context.bot_data.clock.now()
    candidates = open_for_checkin(near, now)
    message = update.effective_message
    if not candidates:
        soon = [s for s in near if checkin_verdict(now, window_of(s)) is CheckinVerdict.TOO_EARLY]
        if soon:
            s = soon[0]
            opens = hhmm(window_of(s).checkin_opens, s)
            await message.reply_text(context.t("checkin.too_early", title=s.title, opens=opens))
        else:
            await message.reply_text(context.t("checkin.no_session"))
        return
    if context.args:
        proof = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
        typed = " ".join(context.args)
        await codes.code_typed(update, context, person_id, candidates, typed, proof=proof)
        return
    if len(candidates) > 1:
        keyboard = choice_keyboard(context, CheckIn, candidates)
        await message.reply_text(context.t("checkin.choose"), reply_markup=keyboard)
        return
    await proofs.start(update, context, person_id, candidates[0])


async def pressed_checkin(update: Update, context: Context, button: CheckIn) -> None:
    """The check-in button: the session it names, if it is not over."""
    session = await pressed_session(update, context, button.session_id)
    now = context.bot_data.clock.now()
    if session.cancelled or now >= session.ends_at:
        await update.effective_message.reply_text(
            context.t("checkin.session_over", title=session.title)
        )
        return
    await proofs.start(update, context, context.viewer.person.id, session)
