"""Changing one's mind and coming back: cancel, withdraw, and report back (销假)."""

from __future__ import annotations

from telegram import Update

from bot.buttons import LeaveBack, LeaveCancel
from bot.context import Context
from bot.rules import leave_limit
from handlers.common import StalePress, answer, viewer_of
from handlers.leave import flows
from handlers.leave.flows import Outcome


async def pressed_cancel(update: Update, context: Context, button: LeaveCancel) -> None:
    """Cancel a pending request or withdraw an approved one before it starts."""
    query = update.callback_query
    viewer = viewer_of(context)
    outcome = await context.db.write(
        lambda tx: flows.cancel(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            person_id=viewer.person.id,
            request_id=button.request_id,
            now=context.bot_data.clock.now(),
        )
    )
    if outcome is Outcome.STALE:
        raise StalePress
    if outcome not in (Outcome.CANCELLED, Outcome.WITHDRAWN):
        await answer(query, context.label(f"leave.{outcome.value}"))
        return
    await answer(query)
    await query.edit_message_text(context.t(f"leave.{outcome.value}"))


async def back_command(update: Update, context: Context) -> None:
    """/back: report back (销假) from every leave that has begun; during one, it ends it."""
    await _report_back(update, context, None)


async def pressed_back(update: Update, context: Context, button: LeaveBack) -> None:
    """The report-back button of the notice that the leave has ended."""
    await _report_back(update, context, button.request_id)


async def _report_back(update: Update, context: Context, only: int | None) -> None:
    viewer = viewer_of(context)
    outcome, given = await context.db.write(
        lambda tx: flows.report_back(
            tx,
            update_id=update.update_id,
            actor=viewer.actor,
            person_id=viewer.person.id,
            only=only,
            now=context.bot_data.clock.now(),
        )
    )
    if update.callback_query is not None:
        await answer(update.callback_query)
    name = {Outcome.DONE: "back_done", Outcome.DUPLICATE: "duplicate"}.get(outcome, outcome.value)
    await update.effective_message.reply_text(
        context.t(f"leave.{name}", given_back=leave_limit.show(given))
    )
