"""/leave (请假): the request being written, its sessions and its type.

The request being written is a form (kind ``leave``), so a restart half-way loses nothing:
the picker's buttons, the type, the reason and the preview all read it back. Steps: pick
sessions -> pick the type (the class's leave_types: 病假, 事假, 公假 by default) -> write
the reason -> attach a photo or document, or skip -> preview -> send (the last four in
handlers/leave/write.py). The picker offers the coming sessions and those over for less
than the class's correction_days that the trainee did not attend: leave after the fact
(补假), for someone who fell ill in the night. A class manager writes the same form for a
trainee who asked by phone (handlers/leave/behalf.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update

from bot.buttons import LeaveDay, LeaveForm, LeaveKind, LeavePick, LeaveStep
from bot.context import Context
from bot.permissions import Capability
from bot.rules import leave as rules
from bot.rules import leave_limit
from handlers.common import StalePress, answer, viewer_of
from handlers.leave import flows, write
from handlers.leave.info import ClassInfo, class_info
from handlers.leave.views import picker_keyboard, session_view, type_keyboard
from storage import forms, leave, sessions
from storage.forms import FormKind
from storage.people import Recipient
from storage.sessions import Session


async def start(update: Update, context: Context) -> None:
    """Answer /leave: offer the sessions leave may cover, grouped by day."""
    viewer = viewer_of(context)
    message = update.effective_message
    classes = viewer.classes_where(Capability.ASK_LEAVE)
    if not classes:
        name = "leave.behalf_usage" if viewer.may(Capability.RECORD_LEAVE) else "leave.no_class"
        await message.reply_text(context.t(name))
        return
    for membership in classes:  # the first class with sessions on offer
        info, offered = await offer(context, membership.klass.id, viewer.person.id)
        if info and offered:
            break
    else:
        await message.reply_text(context.t("leave.no_sessions"))
        return
    await begin(update, context, info, offered, None)


async def offer(
    context: Context, class_id: int, person_id: int
) -> tuple[ClassInfo | None, list[Session]]:
    """The class and the sessions a new request of this person may cover."""
    info = await class_info(context.db, class_id)
    if info is None:
        return None, []
    now = context.bot_data.clock.now()
    offered = await leave.open_sessions(
        context.db,
        class_id,
        person_id,
        now,
        now + timedelta(days=rules.PICK_DAYS_AHEAD),
        rules.PICK_MAX_SESSIONS,
        ended_since=now - timedelta(days=info.settings.correction_days),
    )
    return info, offered


async def begin(
    update: Update,
    context: Context,
    info: ClassInfo,
    offered: list[Session],
    for_person: Recipient | None,
) -> None:
    """Open the form (for oneself, or for a trainee) and show the picker."""
    now = context.bot_data.clock.now()
    form: dict[str, Any] = {
        "class_id": info.row.id,
        "step": "pick",
        "chosen": [],
        "offered": [s.id for s in offered],
    }
    if for_person is not None:
        form |= {"for_person": for_person.person_id, "for_name": for_person.name}
    message = update.effective_message
    if not await write.store(context, update, form, now):
        await message.reply_text(context.t("leave.duplicate"))
        return
    await message.reply_text(
        context.t("leave.pick", chosen=[], hours="0", for_name=form.get("for_name")),
        reply_markup=picker_keyboard(context.texts, context.locale, info.zone, offered, set(), now),
    )


async def _form(context: Context) -> dict[str, Any]:
    form = await forms.get(context.db, viewer_of(context).person.id, FormKind.LEAVE)
    if form is None:
        raise StalePress
    return form


async def pressed_pick(update: Update, context: Context, button: LeavePick | LeaveDay) -> None:
    """Toggle a session or a whole day in the picker."""
    query = update.callback_query
    form = await _form(context)
    info = await class_info(context.db, form["class_id"])
    if form["step"] != "pick" or info is None:
        raise StalePress
    now = context.bot_data.clock.now()
    offered = await sessions.by_ids(context.db, form["offered"])
    if isinstance(button, LeavePick):
        targets = [s for s in offered if s.id == button.session_id]
    else:
        targets = [
            s for s in offered if s.starts_at.astimezone(info.zone).date().isoformat() == button.day
        ]
    if not targets:
        raise StalePress
    days = info.settings.correction_days
    if flows.over_session(targets, now, days) is not None:
        await answer(query, context.label("leave.session_over_alert", days=days))
        return
    ids = {s.id for s in targets}
    chosen = set(form["chosen"])
    chosen = chosen - ids if ids <= chosen else chosen | ids
    if not await write.store(context, update, {**form, "chosen": sorted(chosen)}, now):
        await answer(query, context.label("leave.duplicate_alert"))
        return
    await answer(query)
    picked = [s for s in offered if s.id in chosen]
    await query.edit_message_text(
        context.t(
            "leave.pick",
            chosen=[session_view(s, info.zone, now) for s in picked],
            hours=leave_limit.show(leave_limit.total(s.hours for s in picked)),
            for_name=form.get("for_name"),
        ),
        reply_markup=picker_keyboard(
            context.texts, context.locale, info.zone, offered, chosen, now
        ),
    )


# The step each button belongs to: a press from another step is stale.
_STEP_OF = {LeaveStep.DONE: "pick", LeaveStep.SKIP: "attach", LeaveStep.SEND: "preview"}


async def pressed_step(update: Update, context: Context, button: LeaveForm) -> None:
    """A step button of the form: done picking, skip the attachment, send, abort."""
    query = update.callback_query
    form = await _form(context)
    now = context.bot_data.clock.now()
    step = button.step
    if step is not LeaveStep.ABORT and _STEP_OF[step] != form["step"]:
        raise StalePress
    if step is LeaveStep.SEND:
        await write.send(update, context, form)
        return
    if step is LeaveStep.SKIP:
        await write.to_preview(update, context, {**form, "step": "preview"})
        return
    if step is LeaveStep.ABORT:
        if not await write.store(context, update, None, now):
            await answer(query, context.label("leave.duplicate_alert"))
            return
        await answer(query)
        await query.edit_message_text(context.t("leave.aborted"))
        return
    if not form["chosen"]:
        await answer(query, context.label("leave.pick_nothing"))
        return
    info = await class_info(context.db, form["class_id"])
    assert info is not None
    days = info.settings.correction_days
    if flows.over_session(await sessions.by_ids(context.db, form["chosen"]), now, days):
        await answer(query, context.label("leave.session_over_alert", days=days))
        return
    types = info.settings.leave_types
    if len(types) == 1:  # nothing to choose
        new = {**form, "step": "reason", "leave_type": types[0].name}
    else:
        new = {**form, "step": "type"}
    if not await write.store(context, update, new, now):
        await answer(query, context.label("leave.duplicate_alert"))
        return
    await answer(query)
    if new["step"] == "type":
        keyboard = type_keyboard(context.texts, context.locale, info.settings)
        await query.edit_message_text(context.t("leave.ask_type"), reply_markup=keyboard)
    else:
        await query.edit_message_text(context.t("leave.ask_reason", max=rules.MAX_REASON_CHARS))


async def pressed_kind(update: Update, context: Context, button: LeaveKind) -> None:
    """The type of the leave: one of the class's types, then the reason is asked."""
    query = update.callback_query
    form = await _form(context)
    info = await class_info(context.db, form["class_id"])
    if form["step"] != "type" or info is None:
        raise StalePress
    types = info.settings.leave_types
    if not 0 <= button.index < len(types):
        await answer(query, context.label("leave.no_such_type"))
        return
    new = {**form, "step": "reason", "leave_type": types[button.index].name}
    if not await write.store(context, update, new, context.bot_data.clock.now()):
        await answer(query, context.label("leave.duplicate_alert"))
        return
    await answer(query)
    await query.edit_message_text(context.t("leave.ask_reason", max=rules.MAX_REASON_CHARS))
