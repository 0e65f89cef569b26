"""Deciding leave: Approve / Reject on the cards, the rejection's reason, and /pending.

Who may decide is checked at the press, inside the transaction that records the decision:
a manager of the request's class for level 1, an admin of it for level 2, never the
requester. The UNIQUE(request_id, level) of leave_decisions makes the first decision win.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, pack, unpack
from bot.context import BotData, Context
from bot.rules import leave as leave_rules
from handlers import leave_jobs
from handlers import leave_notices as notices
from handlers.common import PRIVATE, answer, viewer_of
from storage import audit, leave, leave_effects, updates
from storage.db import Tx

# Requests listed by /pending at most, so the answer stays a few messages.
MAX_PENDING = 20


async def _check(
    tx: Tx, request_id: int, level: int, person_id: int
) -> tuple[str, leave.LeaveRequest | None]:
    """Why this person may not decide this level now ('' if they may)."""
    request = await leave.get_request(tx, request_id)
    if request is None or level not in (1, 2) or level > request.levels_required:
        return "stale", None
    if request.person_id == person_id:
        return "own_request", request
    if not await leave.may_decide(tx, person_id, request.class_id, level):
        return "not_decider" if level == 1 else "not_admin", request
    if request.status != "pending":
        return "closed", request
    decisions = {d.level: d for d in await leave.decisions_of(tx, request_id)}
    if level in decisions:
        return "closed", request
    if level == 2 and 1 not in decisions:
        return "waiting_first", request
    if level == 2 and decisions[1].decided_by == person_id:
        return "both_levels", request
    return "", request


async def _apply(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    request_id: int,
    level: int,
    decision: str,
    reason: str | None,
    now: datetime,
    own_card: tuple[int, int] | None,
) -> str:
    """Record a decision and queue everything it causes; the refusal code, or 'done'."""
    refusal, request = await _check(tx, request_id, level, person_id)
    if refusal:
        return refusal
    if not await updates.claim(tx, update_id, now):
        return "duplicate_alert"
    outcome = await leave.decide(
        tx,
        request_id=request_id,
        level=level,
        decided_by=person_id,
        decision=decision,
        reason=reason,
        now=now,
    )
    if outcome is not leave.Outcome.DONE:
        return "closed"
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action="leave.decide",
        class_id=request.class_id,
        subject=f"leave:{request_id}",
        details={"level": level, "decision": decision, "reason": reason},
    )
    info = await notices.class_info(tx, request.class_id)
    await notices.close_cards(tx, data, info, request_id, level, now, skip_message=own_card)
    after = await leave.get_request(tx, request_id)
    view = await notices.request_view(tx, info, after, now)
    key = f"leave:{request_id}:decided:{level}"
    if after.status == "pending":  # approved at level 1; the school decides next
        await notices.queue_cards(tx, data, info, after, 2, now)
        await notices.tell_person(
            tx, data, info, after.person_id, key, "trainee_level1", now, r=view
        )
    elif after.status == "approved":
        await notices.tell_person(
            tx,
            data,
            info,
            after.person_id,
            key,
            "trainee_approved",
            now,
            keyboard=("withdraw", pack(Action.LEAVE_CANCEL, request_id)),
            r=view,
        )
        await leave_effects.warn_limit(
            tx, class_id=request.class_id, person_id=after.person_id, now=now
        )
    else:
        await notices.tell_person(
            tx, data, info, after.person_id, key, "trainee_rejected", now, r=view
        )
    return "done"


async def _refuse(update: Update, context: Context, code: str, request_id: int) -> None:
    """Answer a press that changes nothing, naming who decided when someone did."""
    query = update.callback_query
    if code == "stale":
        await answer(query, context.label("buttons.stale"))
        return
    values: dict[str, Any] = {}
    if code == "closed":
        request = await leave.get_request(context.db, request_id)
        decided = await leave.decisions_of(context.db, request_id)
        info = await notices.class_info(context.db, request.class_id)
        last = decided[-1] if decided else None
        values = {
            "status": request.status,
            "name": last.decider_name if last else "",
            "at": notices.moment_view(last.decided_at, info.zone) if last else None,
        }
    await answer(query, context.label(f"leave.{code}", **values))


async def pressed_approve(update: Update, context: Context) -> None:
    """Approve at one level, if this press is the first and the presser may."""
    query = update.callback_query
    decoded = unpack(query.data)
    viewer = viewer_of(context)
    if viewer.person is None or decoded is None:
        await answer(query, context.label("buttons.stale"))
        return
    request_id, level = int(decoded.args[0]), int(decoded.args[1])
    now = context.bot_data.clock.now()
    own = (query.message.chat.id, query.message.message_id) if query.message else None
    result = await context.db.write(
        lambda tx: _apply(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=f"telegram:{viewer.user_id}",
            person_id=viewer.person.id,
            request_id=request_id,
            level=level,
            decision="approve",
            reason=None,
            now=now,
            own_card=own,
        )
    )
    if result != "done":
        await _refuse(update, context, result, request_id)
        return
    context.bot_data.outbox.wake()
    await answer(query)
    await leave_jobs.replan(context.bot_data)
    await _edit_own_card(context, query, request_id, level)


async def _edit_own_card(context: Context, query: Any, request_id: int, level: int) -> None:
    request = await leave.get_request(context.db, request_id)
    info = await notices.class_info(context.db, request.class_id)
    view = await notices.request_view(context.db, info, request, context.bot_data.clock.now())
    await query.edit_message_text(context.t("leave.card_closed", r=view, level=level))


async def pressed_reject(update: Update, context: Context) -> None:
    """Reject: ask for the reason first; the decision is recorded when it arrives."""
    query = update.callback_query
    decoded = unpack(query.data)
    viewer = viewer_of(context)
    if viewer.person is None or decoded is None:
        await answer(query, context.label("buttons.stale"))
        return
    request_id, level = int(decoded.args[0]), int(decoded.args[1])
    now = context.bot_data.clock.now()
    person_id = viewer.person.id

    async def ask(tx: Tx) -> str:
        refusal, _ = await _check(tx, request_id, level, person_id)
        if refusal:
            return refusal
        if not await updates.claim(tx, update.update_id, now):
            return "duplicate_alert"
        form = {"request_id": request_id, "level": level}
        await leave.drop_form(tx, person_id, leave.FORM_LIMIT)  # one reason form at a time
        await leave.save_form(tx, person_id, leave.FORM_REJECT, form, now)
        return ""

    result = await context.db.write(ask)
    if result:
        await _refuse(update, context, result, request_id)
        return
    await answer(query)
    await query.message.reply_text(
        context.t("leave.ask_reject_reason", max=leave_rules.MAX_REASON_CHARS)
    )


async def reject_reason(update: Update, context: Context) -> None:
    """The decider's reason for a rejection: record the rejection (or say why not)."""
    message = update.effective_message
    viewer = viewer_of(context)
    person_id = viewer.person.id
    form = await leave.get_form(context.db, person_id, leave.FORM_REJECT)
    if form is None:  # dropped since the message was routed here
        await message.reply_text(context.t("leave.reject_not_recorded"))
        return
    reason = (message.text or "").strip()
    if await notices.refused_reason(message, context, reason):
        return
    now = context.bot_data.clock.now()

    async def reject(tx: Tx) -> str:
        result = await _apply(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=f"telegram:{viewer.user_id}",
            person_id=person_id,
            request_id=form["request_id"],
            level=form["level"],
            decision="reject",
            reason=reason,
            now=now,
            own_card=None,
        )
        if result in ("done", "closed", "stale"):
            # Decided, by this person or someone faster: the reason has nowhere to go.
            await leave.drop_form(tx, person_id, leave.FORM_REJECT)
        return result

    result = await context.db.write(reject)
    if result == "done":
        context.bot_data.outbox.wake()
        await leave_jobs.replan(context.bot_data)
        await message.reply_text(context.t("leave.rejected_done"))
    elif result == "duplicate_alert":
        await message.reply_text(context.t("leave.duplicate"))
    else:
        await message.reply_text(context.t("leave.reject_not_recorded"))


async def show_pending(update: Update, context: Context) -> None:
    """/pending: every request waiting for this manager (level 1) or admin (level 2)."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    levels: dict[int, list[int]] = {}
    for m in viewer.memberships:
        for role, level in (("manager", 1), ("admin", 2)):
            if role in m.roles:
                levels.setdefault(m.klass.id, []).append(level)
    if not levels:
        await message.reply_text(context.t("leave.pending_not_allowed"))
        return
    now = context.bot_data.clock.now()
    waiting: list[tuple[leave.LeaveRequest, int]] = []
    for class_id, can in levels.items():
        for request in await leave.pending_requests(context.db, class_id):
            level = await leave.waiting_level(context.db, request)
            if level in can and request.person_id != viewer.person.id:
                waiting.append((request, level))
    if not waiting:
        await message.reply_text(context.t("leave.pending_none"))
        return
    await message.reply_text(context.t("leave.pending_header", count=len(waiting)))
    for request, level in waiting[:MAX_PENDING]:
        info = await notices.class_info(context.db, request.class_id)
        view = await notices.request_view(context.db, info, request, now)
        await message.reply_text(
            context.t("leave.card", r=view, level=level, nudge=None),
            reply_markup=notices.decide_keyboard(context.texts, context.locale, request.id, level),
        )


def register(app: Application, is_action: Callable[..., Any]) -> None:
    """Add the decision buttons and /pending."""
    app.add_handler(CommandHandler("pending", show_pending, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(pressed_approve, pattern=is_action(Action.LEAVE_APPROVE)))
    app.add_handler(CallbackQueryHandler(pressed_reject, pattern=is_action(Action.LEAVE_REJECT)))
