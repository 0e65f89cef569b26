"""Recording the decision on a trainee over the leave limit: 责令退学, or 准予继续 with a reason.

The over-limit notice to the deciders (handlers/leave/limit.py) carries the two buttons;
handlers/leave/decisions.py checks and records. The bot never removes anyone.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.buttons import LimitDecide
from bot.context import Context
from bot.rules import leave as rules
from bot.rules.leave_limit import LimitDecision
from handlers.common import StalePress, answer, viewer_of
from handlers.leave import decisions
from handlers.leave.decide import accepted_reason, waits
from handlers.leave.flows import Outcome
from handlers.leave.info import class_info
from handlers.leave.views import decided_view, limit_decision_view
from storage import forms, leave, people
from storage.forms import Form, FormKind


async def _refuse(
    update: Update, context: Context, outcome: Outcome, class_id: int, person_id: int
) -> None:
    """Answer a press that changes nothing, naming who recorded what when someone did."""
    if outcome is Outcome.STALE:
        raise StalePress
    name, values = outcome.value, {}
    if outcome is Outcome.LIMIT_DECIDED:
        info = await class_info(context.db, class_id)
        assert info is not None
        decided = limit_decision_view(
            await leave.limit_decision(context.db, class_id, person_id), info.zone
        )
        name, values = "limit_decided_alert", {k: decided[k] for k in ("name", "decision", "at")}
    await answer(update.callback_query, context.label(f"leave.{name}", **values))


async def pressed(update: Update, context: Context, button: LimitDecide) -> None:
    """责令退学 records at once; 准予继续 first asks for the reason."""
    query = update.callback_query
    viewer = viewer_of(context)
    now = context.bot_data.clock.now()
    common: dict[str, Any] = {
        "update_id": update.update_id,
        "class_id": button.class_id,
        "person_id": button.person_id,
        "now": now,
    }
    if button.decision is LimitDecision.DISMISSED:
        pressed = (query.message.chat.id, query.message.message_id) if query.message else None
        outcome = await context.db.write(
            lambda tx: decisions.record_limit_decision(
                tx,
                context.bot_data,
                actor=viewer.actor,
                decider_id=viewer.person.id,
                decision=button.decision,
                reason=None,
                pressed=pressed,
                **common,
            )
        )
    else:
        outcome = await context.db.write(
            lambda tx: decisions.ask_limit_reason(tx, decider_id=viewer.person.id, **common)
        )
    if outcome not in (Outcome.DONE, Outcome.ASK_REASON):
        await _refuse(update, context, outcome, button.class_id, button.person_id)
        return
    await answer(query)
    if outcome is Outcome.ASK_REASON:
        name, _ = await people.name_and_unit(context.db, button.person_id)
        await query.message.reply_text(
            context.t("leave.ask_limit_reason", name=name, max=rules.MAX_REASON_CHARS)
        )
        return
    info = await class_info(context.db, button.class_id)
    assert info is not None
    values = await decided_view(context.db, info, button.person_id, now)
    await query.edit_message_text(context.t("leave.limit_decided", **values))
    await query.message.reply_text(
        context.t("leave.limit_recorded", decision=button.decision.value)
    )


async def typed_reason(update: Update, context: Context, found: list[Form]) -> bool:
    """The reason for letting an over-limit trainee continue: record it (or say why not)."""
    message = update.effective_message
    if not waits(found[0], context.bot_data.clock.now(), message.text):
        return False
    form = found[0].data
    text = await accepted_reason(update, context)
    if text is None:
        return True
    viewer = viewer_of(context)
    decider_id = viewer.person.id

    async def op(tx: Any) -> Outcome:
        outcome = await decisions.record_limit_decision(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            decider_id=decider_id,
            class_id=form["class_id"],
            person_id=form["person_id"],
            decision=LimitDecision.CONTINUES,
            reason=text,
            now=context.bot_data.clock.now(),
            pressed=None,
        )
        if outcome is not Outcome.DUPLICATE:
            # Nothing left to record (recording drops it too): the reason has nowhere to go.
            await forms.drop(tx, decider_id, FormKind.LEAVE_LIMIT)
        return outcome

    outcome = await context.db.write(op)
    if outcome is Outcome.DONE:
        await message.reply_text(context.t("leave.limit_recorded", decision="continues"))
    elif outcome is Outcome.DUPLICATE:
        await message.reply_text(context.t("leave.duplicate"))
    else:
        await message.reply_text(context.t("leave.limit_not_recorded"))
    return True
