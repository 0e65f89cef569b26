"""Deciding leave: Approve / Reject on the cards, the rejection's reason, and /pending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update

from bot.buttons import LeaveApprove, LeaveReject
from bot.context import Context
from bot.rules import leave as rules
from handlers.common import StalePress, answer, viewer_of
from handlers.leave import decisions
from handlers.leave.flows import Outcome
from handlers.leave.info import class_info
from handlers.leave.views import moment_view, request_view
from storage import forms, leave
from storage.forms import Form, FormKind


async def _refuse(update: Update, context: Context, outcome: Outcome, request_id: int) -> None:
    """Answer a press that changes nothing, naming who decided when someone did."""
    if outcome is Outcome.STALE:
        raise StalePress
    values: dict[str, Any] = {}
    closed = outcome is Outcome.CLOSED
    if closed and (request := await leave.get_request(context.db, request_id)) is not None:
        info = await class_info(context.db, request.class_id)
        assert info is not None
        decided = await leave.decisions_of(context.db, request_id)
        last = decided[-1] if decided else None
        values = {
            "status": request.status,
            "name": last.decider_name if last else "",
            "at": moment_view(last.decided_at, info.zone) if last else None,
        }
    await answer(update.callback_query, context.label(f"leave.{outcome.value}", **values))


async def _decide(
    update: Update, context: Context, request_id: int, level: int, decision: str, reason: str | None
) -> Outcome:
    viewer = viewer_of(context)
    query = update.callback_query
    pressed = (query.message.chat.id, query.message.message_id) if query and query.message else None
    return await context.db.write(
        lambda tx: decisions.decide(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            person_id=viewer.person.id,
            request_id=request_id,
            level=level,
            decision=decision,
            reason=reason,
            now=context.bot_data.clock.now(),
            pressed=pressed,
        )
    )


async def pressed_approve(update: Update, context: Context, button: LeaveApprove) -> None:
    """Approve at one level, if this press is the first and the presser may."""
    query = update.callback_query
    outcome = await _decide(update, context, button.request_id, button.level, "approve", None)
    if outcome is not Outcome.DONE:
        await _refuse(update, context, outcome, button.request_id)
        return
    await answer(query)
    request = await leave.get_request(context.db, button.request_id)
    info = await class_info(context.db, request.class_id)
    view = await request_view(context.db, info, request, context.bot_data.clock.now())
    await query.edit_message_text(context.t("leave.card_closed", r=view, level=button.level))


async def pressed_reject(update: Update, context: Context, button: LeaveReject) -> None:
    """Reject: ask for the reason first; the decision is recorded when it arrives."""
    query = update.callback_query
    person_id = viewer_of(context).person.id
    now = context.bot_data.clock.now()
    outcome = await context.db.write(
        lambda tx: decisions.ask_reject_reason(
            tx,
            update_id=update.update_id,
            person_id=person_id,
            request_id=button.request_id,
            level=button.level,
            now=now,
        )
    )
    if outcome is not Outcome.ASK_REASON:
        await _refuse(update, context, outcome, button.request_id)
        return
    await answer(query)
    await query.message.reply_text(context.t("leave.ask_reject_reason", max=rules.MAX_REASON_CHARS))


async def accepted_reason(update: Update, context: Context) -> str | None:
    """A decider's typed reason, or None once they are told why it cannot be taken."""
    message = update.effective_message
    reason = (message.text or "").strip()
    problem = rules.reason_problem(reason)
    if problem == "empty":
        await message.reply_text(context.t("leave.reject_reason_empty"))
    elif problem == "too_long":
        await message.reply_text(
            context.t("leave.reason_too_long", max=rules.MAX_REASON_CHARS, length=len(reason))
        )
    return None if problem else reason


def waits(form: Form, now: datetime, message_text: str | None) -> bool:
    """Whether a reason form takes this message: text, and the form not left alone for long."""
    return message_text is not None and form.updated_at >= now - rules.FORM_WAITS


async def typed_reason(update: Update, context: Context, found: list[Form]) -> bool:
    """The decider's reason for a rejection: record the rejection (or say why not)."""
    message = update.effective_message
    if not waits(found[0], context.bot_data.clock.now(), message.text):
        return False
    form = found[0].data
    reason = await accepted_reason(update, context)
    if reason is None:
        return True
    person_id = viewer_of(context).person.id

    async def reject(tx: Any) -> Outcome:
        outcome = await decisions.decide(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer_of(context).actor,
            person_id=person_id,
            request_id=form["request_id"],
            level=form["level"],
            decision="reject",
            reason=reason,
            now=context.bot_data.clock.now(),
            pressed=None,
        )
        if outcome in (Outcome.DONE, Outcome.CLOSED, Outcome.STALE):
            # Decided, by this person or someone faster: the reason has nowhere to go.
            await forms.drop(tx, person_id, FormKind.LEAVE_REJECT)
        return outcome

    outcome = await context.db.write(reject)
    if outcome is Outcome.DONE:
        await message.reply_text(context.t("leave.rejected_done"))
    elif outcome is Outcome.DUPLICATE:
        await message.reply_text(context.t("leave.duplicate"))
    else:
        await message.reply_text(context.t("leave.reject_not_recorded"))
    return True
