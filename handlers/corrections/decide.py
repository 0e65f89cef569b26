"""Deciding a correction request (补卡): Approve / Reject on the cards, the reason, cancel."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.buttons import FixApprove, FixCancel, FixReject
from bot.context import Context
from bot.rules import leave as leave_rules
from handlers import inputs
from handlers.common import StalePress, answer, viewer_of
from handlers.corrections import flows
from handlers.corrections.flows import Outcome
from handlers.corrections.views import request_view
from storage import corrections, forms
from storage.forms import Form, FormKind


async def _refuse(update: Update, context: Context, outcome: Outcome, correction_id: int) -> None:
    """Answer a press that changes nothing, naming who decided when someone did."""
    if outcome is Outcome.STALE:
        raise StalePress
    values: dict[str, Any] = {}
    if outcome is Outcome.CLOSED:
        request = await corrections.get(context.db, correction_id)
        view = await request_view(context.db, request) if request else None
        values = {"status": view["status"] if view else "", "name": view and view["decider"]}
    await answer(update.callback_query, context.label(f"fix.{outcome.value}", **values))


async def _decide(
    update: Update, context: Context, correction_id: int, approve: bool, reason: str | None
) -> Outcome:
    viewer = viewer_of(context)
    query = update.callback_query
    pressed = (
        (query.message.chat.id, query.message.message_id)
        if query is not None and query.message
        else None
    )

    async def op(tx: Any) -> Outcome:
        outcome = await flows.decide(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            person_id=viewer.person.id,
            correction_id=correction_id,
            approve=approve,
            reason=reason,
            now=context.bot_data.clock.now(),
            pressed=pressed,
        )
        if not approve and outcome in (Outcome.DONE, Outcome.CLOSED, Outcome.STALE):
            # Decided, by this person or someone faster: the reason has nowhere to go.
            await forms.drop(tx, viewer.person.id, FormKind.CORRECTION_REJECT)
        return outcome

    return await context.db.write(op)


async def pressed_approve(update: Update, context: Context, button: FixApprove) -> None:
    """Approve: the status is corrected, audited, and the trainee told; first one wins."""
    query = update.callback_query
    outcome = await _decide(update, context, button.correction_id, True, None)
    if outcome is not Outcome.DONE:
        await _refuse(update, context, outcome, button.correction_id)
        return
    await answer(query)
    request = await corrections.get(context.db, button.correction_id)
    assert request is not None
    view = await request_view(context.db, request)
    await query.edit_message_text(context.t("fix.card_closed", r=view))


async def pressed_reject(update: Update, context: Context, button: FixReject) -> None:
    """Reject: ask for the reason first; the decision is recorded when it arrives."""
    query = update.callback_query
    person_id = viewer_of(context).person.id
    now = context.bot_data.clock.now()
    outcome = await context.db.write(
        lambda tx: flows.ask_reject_reason(
            tx,
            update_id=update.update_id,
            person_id=person_id,
            correction_id=button.correction_id,
            now=now,
        )
    )
    if outcome is not Outcome.ASK_REASON:
        await _refuse(update, context, outcome, button.correction_id)
        return
    await answer(query)
    await query.message.reply_text(
        context.t("fix.ask_reject_reason", max=leave_rules.MAX_REASON_CHARS)
    )


async def typed_reason(update: Update, context: Context, found: list[Form]) -> bool:
    """The manager's reason for a rejection: record it (or say why not)."""
    form, message = found[0], update.effective_message
    now = context.bot_data.clock.now()
    if message.text is None or form.updated_at < now - leave_rules.FORM_WAITS:
        return False
    if await inputs.superseded(context, form):
        return False  # a newer form (a leave card's reason, say) takes the text
    reason = message.text.strip()
    problem = leave_rules.reason_problem(reason)
    if problem is not None:
        await message.reply_text(
            context.t(
                f"fix.reject_reason_{problem}", max=leave_rules.MAX_REASON_CHARS, length=len(reason)
            )
        )
        return True
    outcome = await _decide(update, context, int(form.data["correction_id"]), False, reason)
    name = {Outcome.DONE: "fix.rejected_done", Outcome.DUPLICATE: "fix.duplicate"}.get(
        outcome, "fix.reject_not_recorded"
    )
    await message.reply_text(context.t(name))
    return True


async def pressed_cancel(update: Update, context: Context, button: FixCancel) -> None:
    """The trainee cancels their pending request; the managers' cards say so."""
    query = update.callback_query
    viewer = viewer_of(context)
    outcome = await context.db.write(
        lambda tx: flows.cancel(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            person_id=viewer.person.id,
            correction_id=button.correction_id,
            now=context.bot_data.clock.now(),
        )
    )
    if outcome is not Outcome.DONE:
        await _refuse(update, context, outcome, button.correction_id)
        return
    await answer(query)
    await query.edit_message_text(context.t("fix.cancelled"))
