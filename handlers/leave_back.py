"""Changing one's mind and coming back: cancel, withdraw, and report back (销假)."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import Callback, unpack
from bot.context import Context
from bot.rules import leave as leave_rules
from bot.rules import leave_limit
from bot.rules.roles import Role
from handlers import leave_jobs
from handlers import leave_notices as notices
from handlers.common import answer, viewer_of
from storage import attendance, audit, leave, updates
from storage.db import Tx


async def pressed_cancel(update: Update, context: Context) -> None:
    """Cancel a pending request or withdraw an approved one before it starts."""
    query = update.callback_query
    decoded = unpack(query.data)
    viewer = viewer_of(context)
    if viewer.person is None or decoded is None:
        await answer(query, context.label("buttons.stale"))
        return
    request_id = int(decoded.args[0])
    now = context.bot_data.clock.now()
    data = context.bot_data

    async def change(tx: Tx) -> str:
        request = await leave.get_request(tx, request_id)
        if request is None or request.person_id != viewer.person.id:
            return "stale"
        if leave_rules.can_cancel(request.status):
            new, action = "cancelled", "leave.cancel"
        elif leave_rules.can_withdraw(request.status, request.slots, now):
            new, action = "withdrawn", "leave.withdraw"
        else:
            return "cannot_cancel"
        if not await updates.claim(tx, update.update_id, now):
            return "duplicate_alert"
        level = await leave.waiting_level(tx, request)
        await leave.set_status(tx, request_id, request.status, new, now)
        await audit.record(
            tx,
            at=now,
            actor=f"telegram:{viewer.user_id}",
            actor_id=viewer.person.id,
            action=action,
            class_id=request.class_id,
            subject=f"leave:{request_id}",
            details={"from": request.status},
        )
        info = await notices.class_info(tx, request.class_id)
        if level is not None:
            await notices.close_cards(tx, data, info, request_id, level, now)
        view = await notices.request_view(tx, info, await leave.get_request(tx, request_id), now)
        roles = ("manager", "admin") if request.levels_required == 2 else ("manager",)
        await notices.tell_staff(
            tx, data, info, roles, f"leave:{request_id}:{new}", f"staff_{new}", now, r=view
        )
        return new

    result = await context.db.write(change)
    if result not in ("cancelled", "withdrawn"):
        if result == "stale":
            await answer(query, context.label("buttons.stale"))
        else:
            await answer(query, context.label(f"leave.{result}"))
        return
    data.outbox.wake()
    await answer(query)
    await leave_jobs.replan(data)
    await query.edit_message_text(context.t(f"leave.{result}"))


async def report_back(update: Update, context: Context) -> None:
    """/back or the button: report back (销假); during the leave, this ends it early."""
    viewer = viewer_of(context)
    query = update.callback_query
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    if not any(Role.TRAINEE in m.roles for m in viewer.memberships) and query is None:
        await message.reply_text(context.t("leave.no_class"))
        return
    decoded: Callback | None = unpack(query.data) if query else None
    if query is not None and decoded is None:
        await answer(query, context.label("buttons.stale"))
        return
    only = int(decoded.args[0]) if decoded else None
    person_id = viewer.person.id
    now = context.bot_data.clock.now()

    async def back(tx: Tx) -> tuple[str, str]:
        started = [
            r
            for r in await leave.unreported_leave(tx, person_id)
            if r.sessions
            and leave_rules.first_start(r.slots) <= now
            and (only is None or r.id == only)
        ]
        if not started:
            return "back_nothing", "0"
        if not await updates.claim(tx, update.update_id, now):
            return "duplicate", "0"
        given_back = leave_limit.total([])
        for request in started:
            if leave_rules.last_start(request.slots) > now and request.ended_early_at is None:
                attended = await attendance.checked_in(
                    tx, person_id, [s.id for s in request.sessions]
                )
                kept = leave_rules.covered_after_early_end(request.slots, now, attended)
                hours = leave_limit.total(s.hours for s in kept)
                await leave.end_early(tx, request.id, now, [s.id for s in kept], hours)
                given_back += request.hours - hours
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor=f"telegram:{viewer.user_id}",
                actor_id=person_id,
                action="leave.report_back",
                class_id=request.class_id,
                subject=f"leave:{request.id}",
                details={"given_back": str(given_back)},
            )
        return "back_done", leave_limit.show(given_back)

    result, given = await context.db.write(back)
    if query is not None:
        await answer(query)
    await message.reply_text(context.t(f"leave.{result}", given_back=given))
