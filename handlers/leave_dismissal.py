"""Recording the decision on a trainee over the leave limit: 责令退学 or 准予继续 (with a reason).

The over-limit notice to the managers and admins (storage/leave_effects.warn_limit) carries
the two buttons. Who may record is checked at the press, inside the transaction that records
it: a manager or admin of that class, now, never the trainee; the trainee must be over the
limit now. UNIQUE(class_id, person_id) of limit_decisions makes the first decision win; the
other deciders' notices are then edited to show it. The bot never removes anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import Action, unpack
from bot.context import BotData, Context
from bot.outbox import message
from bot.rules import leave as leave_rules
from handlers import leave_notices as notices
from handlers.common import answer, viewer_of
from storage import audit, leave, outbox, updates
from storage.db import Queryable, Tx
from storage.leave_effects import LIMIT_DECISIONS


async def _check(tx: Tx, class_id: int, person_id: int, decider_id: int, now: datetime) -> str:
    """Why this person may not record a decision on this trainee now ('' if they may)."""
    info = await notices.class_info(tx, class_id)
    if info is None or not await leave.is_trainee(tx, class_id, person_id):
        return "stale"
    if person_id == decider_id:
        return "limit_own"
    if not await leave.may_record_limit(tx, decider_id, class_id):
        return "limit_not_decider"
    if await leave.limit_decision(tx, class_id, person_id) is not None:
        return "limit_decided"
    if not (await notices.tally_of(tx, info, person_id, now)).over():
        return "limit_not_over"
    return ""


async def decided_view(
    db: Queryable, info: notices.ClassInfo, person_id: int, now: datetime
) -> dict[str, Any]:
    """The values of the ``limit_decided`` message: the figures now and the decision."""
    name, unit = await leave.person_name(db, person_id)
    return {
        "t": notices.tally_view(await notices.tally_of(db, info, person_id, now)),
        "name": name,
        "unit": unit,
        "class_name": info.row.name,
        "d": notices.limit_decision_view(
            await leave.limit_decision(db, info.row.id, person_id), info.zone
        ),
    }


async def _record(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    decider_id: int,
    class_id: int,
    person_id: int,
    decision: str,
    reason: str | None,
    now: datetime,
    own_message: tuple[int, int] | None,
) -> str:
    """Record the decision and edit the other deciders' notices; the refusal code, or 'done'."""
    refusal = await _check(tx, class_id, person_id, decider_id, now)
    if refusal:
        return refusal
    if not await updates.claim(tx, update_id, now):
        return "duplicate_alert"
    if not await leave.record_limit_decision(
        tx,
        class_id=class_id,
        person_id=person_id,
        decision=decision,
        reason=reason,
        decided_by=decider_id,
        now=now,
    ):
        return "limit_decided"
    await leave.drop_form(tx, decider_id, leave.FORM_LIMIT)  # a reason asked for, no longer
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=decider_id,
        action="leave.limit_decision",
        class_id=class_id,
        subject=f"person:{person_id}",
        details={"decision": decision, "reason": reason},
    )
    info = await notices.class_info(tx, class_id)
    values = await decided_view(tx, info, person_id, now)
    base = leave.limit_notice_key(class_id, person_id, 100)
    for sent in await leave.limit_notices(tx, class_id, person_id):
        if own_message == (sent.chat_id, sent.message_id):
            continue  # the handler edits the presser's own notice at once
        who = await leave.recipient(tx, sent.person_id) if sent.person_id else None
        locale = notices.locale_of(data, who, info) if who else info.settings.locale
        text = data.texts.render(locale, "leave.limit_decided", **values)
        if sent.status == "pending":  # not out yet: send the decided version instead
            await outbox.mark_failed(tx, sent.outbox_id, "dropped", "decision recorded first")
            key, method, payload = f"{base}:decided:to:{sent.person_id}", "sendMessage", {}
        elif sent.status == "sent" and sent.message_id is not None:
            key, method = f"{base}:decided:edit:{sent.outbox_id}", "editMessageText"
            payload = {"message_id": sent.message_id}
        else:
            continue
        await outbox.enqueue(
            tx,
            key=key,
            chat_id=sent.chat_id,
            person_id=sent.person_id,
            method=method,
            payload={**payload, **message(text)},
            now=now,
        )
    return "done"


async def _refuse(
    update: Update, context: Context, code: str, class_id: int, person_id: int
) -> None:
    """Answer a press that changes nothing, naming who recorded what when someone did."""
    if code == "stale":
        await answer(update.callback_query, context.label("buttons.stale"))
        return
    values: dict[str, Any] = {}
    if code == "limit_decided":
        info = await notices.class_info(context.db, class_id)
        decided = notices.limit_decision_view(
            await leave.limit_decision(context.db, class_id, person_id), info.zone
        )
        values = {k: decided[k] for k in ("name", "decision", "at")}
        code = "limit_decided_alert"
    await answer(update.callback_query, context.label(f"leave.{code}", **values))


async def pressed(update: Update, context: Context) -> None:
    """责令退学 records at once; 准予继续 first asks for the reason."""
    query = update.callback_query
    decoded = unpack(query.data)
    viewer = viewer_of(context)
    if viewer.person is None or decoded is None or decoded.args[2] not in LIMIT_DECISIONS:
        await answer(query, context.label("buttons.stale"))
        return
    class_id, person_id, decision = int(decoded.args[0]), int(decoded.args[1]), decoded.args[2]
    decider_id = viewer.person.id
    now = context.bot_data.clock.now()
    own = (query.message.chat.id, query.message.message_id) if query.message else None

    async def op(tx: Tx) -> str:
        if decision == "dismissed":
            return await _record(
                tx,
                context.bot_data,
                update_id=update.update_id,
                actor=f"telegram:{viewer.user_id}",
                decider_id=decider_id,
                class_id=class_id,
                person_id=person_id,
                decision=decision,
                reason=None,
                now=now,
                own_message=own,
            )
        refusal = await _check(tx, class_id, person_id, decider_id, now)
        if refusal:
            return refusal
        if not await updates.claim(tx, update.update_id, now):
            return "duplicate_alert"
        form = {"class_id": class_id, "person_id": person_id}
        await leave.drop_form(tx, decider_id, leave.FORM_REJECT)  # one reason form at a time
        await leave.save_form(tx, decider_id, leave.FORM_LIMIT, form, now)
        return "ask"

    result = await context.db.write(op)
    if result not in ("done", "ask"):
        await _refuse(update, context, result, class_id, person_id)
        return
    await answer(query)
    if result == "ask":
        name, _ = await leave.person_name(context.db, person_id)
        await query.message.reply_text(
            context.t("leave.ask_limit_reason", name=name, max=leave_rules.MAX_REASON_CHARS)
        )
        return
    context.bot_data.outbox.wake()
    info = await notices.class_info(context.db, class_id)
    values = await decided_view(context.db, info, person_id, now)
    await query.edit_message_text(context.t("leave.limit_decided", **values))
    await query.message.reply_text(context.t("leave.limit_recorded", decision=decision))


async def reason(update: Update, context: Context) -> None:
    """The reason for letting an over-limit trainee continue: record it (or say why not)."""
    text_message = update.effective_message
    viewer = viewer_of(context)
    decider_id = viewer.person.id
    form = await leave.get_form(context.db, decider_id, leave.FORM_LIMIT)
    if form is None:  # dropped since the message was routed here
        await text_message.reply_text(context.t("leave.limit_not_recorded"))
        return
    text = (text_message.text or "").strip()
    if await notices.refused_reason(text_message, context, text):
        return
    now = context.bot_data.clock.now()

    async def op(tx: Tx) -> str:
        result = await _record(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=f"telegram:{viewer.user_id}",
            decider_id=decider_id,
            class_id=form["class_id"],
            person_id=form["person_id"],
            decision="continues",
            reason=text,
            now=now,
            own_message=None,
        )
        if result != "duplicate_alert":
            # Nothing left to record (recording drops it too): the reason has nowhere to go.
            await leave.drop_form(tx, decider_id, leave.FORM_LIMIT)
        return result

    result = await context.db.write(op)
    if result == "done":
        context.bot_data.outbox.wake()
        await text_message.reply_text(context.t("leave.limit_recorded", decision="continues"))
    elif result == "duplicate_alert":
        await text_message.reply_text(context.t("leave.duplicate"))
    else:
        await text_message.reply_text(context.t("leave.limit_not_recorded"))


def register(app: Application, is_action: Callable[..., Any]) -> None:
    """Add the two buttons of the over-limit notice."""
    app.add_handler(CallbackQueryHandler(pressed, pattern=is_action(Action.LEAVE_LIMIT)))
