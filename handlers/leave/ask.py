"""/leave (请假): the trainee writes a request, step by step, and sends it.

The request being written is a form (kind ``leave``), so a restart half-way loses nothing:
the picker's buttons, the reason and the preview all read it back. Steps: pick sessions ->
write the reason -> attach a photo or document, or skip -> preview -> send.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.buttons import LeaveCancel, LeaveDay, LeaveForm, LeavePick, LeaveStep, keyboard, one_button
from bot.context import Context
from bot.permissions import Capability
from bot.rules import leave as rules
from bot.rules import leave_limit
from handlers.common import StalePress, answer, viewer_of
from handlers.leave import flows
from handlers.leave.flows import Outcome
from handlers.leave.views import class_info, picker_keyboard, session_view, tally_of
from storage import forms, leave, sessions, updates
from storage.forms import Form, FormKind


async def start(update: Update, context: Context) -> None:
    """Answer /leave: offer the coming sessions, grouped by day."""
    viewer = viewer_of(context)
    message = update.effective_message
    classes = viewer.classes_where(Capability.ASK_LEAVE)
    if not classes:
        await message.reply_text(context.t("leave.no_class"))
        return
    now = context.bot_data.clock.now()
    until = now + timedelta(days=rules.PICK_DAYS_AHEAD)
    for membership in classes:  # the first class with sessions still to come
        info = await class_info(context.db, membership.klass.id)
        offered = await leave.open_sessions(
            context.db, membership.klass.id, viewer.person.id, now, until, rules.PICK_MAX_SESSIONS
        )
        if info and offered:
            break
    else:
        await message.reply_text(context.t("leave.no_sessions"))
        return
    form = {
        "class_id": info.row.id,
        "step": "pick",
        "chosen": [],
        "offered": [s.id for s in offered],
    }
    if not await _store(context, update, form, now):
        await message.reply_text(context.t("leave.duplicate"))
        return
    await message.reply_text(
        context.t("leave.pick", chosen=[], hours="0"),
        reply_markup=picker_keyboard(context.texts, context.locale, info.zone, offered, set()),
    )


async def _store(
    context: Context, update: Update, form: dict[str, Any] | None, now: datetime
) -> bool:
    person_id = viewer_of(context).person.id
    return await context.db.write(
        lambda tx: flows.save_form(tx, update.update_id, person_id, form, now)
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
    if flows.over_session(targets, now) is not None:
        await answer(query, context.label("leave.session_over_alert"))
        return
    ids = {s.id for s in targets}
    chosen = set(form["chosen"])
    chosen = chosen - ids if ids <= chosen else chosen | ids
    if not await _store(context, update, {**form, "chosen": sorted(chosen)}, now):
        await answer(query, context.label("leave.duplicate_alert"))
        return
    await answer(query)
    picked = [s for s in offered if s.id in chosen]
    await query.edit_message_text(
        context.t(
            "leave.pick",
            chosen=[session_view(s, info.zone) for s in picked],
            hours=leave_limit.show(leave_limit.total(s.hours for s in picked)),
        ),
        reply_markup=picker_keyboard(context.texts, context.locale, info.zone, offered, chosen),
    )


# The step each button belongs to: a press from another step is stale.
_STEP_OF = {LeaveStep.DONE: "pick", LeaveStep.SKIP: "attach", LeaveStep.SEND: "preview"}


async def pressed_step(update: Update, context: Context, button: LeaveForm) -> None:
    """A step button of the form: done picking, skip the attachment, send, abort."""
    query = update.callback_query
    form = await _form(context)
    now = context.bot_data.clock.now()
    step = button.step
    new: dict[str, Any] | None = None
    if step is not LeaveStep.ABORT and _STEP_OF[step] != form["step"]:
        raise StalePress
    if step is LeaveStep.SEND:
        await _send(update, context, form)
        return
    if step is LeaveStep.DONE:
        if not form["chosen"]:
            await answer(query, context.label("leave.pick_nothing"))
            return
        if flows.over_session(await sessions.by_ids(context.db, form["chosen"]), now):
            await answer(query, context.label("leave.session_over_alert"))
            return
        new = {**form, "step": "reason"}
    elif step is LeaveStep.SKIP:
        new = {**form, "step": "preview"}
    if not await _store(context, update, new, now):
        await answer(query, context.label("leave.duplicate_alert"))
        return
    await answer(query)
    if new is None:
        await query.edit_message_text(context.t("leave.aborted"))
    elif step is LeaveStep.DONE:
        await query.edit_message_text(context.t("leave.ask_reason", max=rules.MAX_REASON_CHARS))
    else:
        text, markup = await _preview(context, new)
        await query.edit_message_text(text, reply_markup=markup)


async def _preview(context: Context, form: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    info = await class_info(context.db, form["class_id"])
    assert info is not None
    chosen = await sessions.by_ids(context.db, form["chosen"])
    now = context.bot_data.clock.now()
    tally = await tally_of(context.db, info, viewer_of(context).person.id, now)
    hours = leave_limit.total(s.hours for s in chosen)
    text = context.t(
        "leave.preview",
        sessions=[session_view(s, info.zone) for s in chosen],
        reason=form["reason"],
        attachment=form.get("attachment_kind"),
        t=leave_limit.figures(tally, hours),
        levels=rules.levels_required(chosen, info.settings.leave_second_level_hours, info.zone),
    )
    buttons = [
        (context.label("leave.send"), LeaveForm(LeaveStep.SEND)),
        (context.label("leave.abort"), LeaveForm(LeaveStep.ABORT)),
    ]
    return text, keyboard([buttons])


async def typed(update: Update, context: Context, found: list[Form]) -> bool:
    """The reason (text) or the attachment (a photo, a document) the form waits for."""
    form = found[0]
    message = update.effective_message
    if form.updated_at < context.bot_data.clock.now() - rules.FORM_WAITS:
        return False  # left alone for long: free text goes to the features (a check-in code)
    if await updates.was_processed(context.db, update.update_id):
        await message.reply_text(context.t("leave.duplicate"))
        return True
    step, data = form.data["step"], form.data
    if step == "reason" and message.text is not None:
        reason = message.text.strip()
        problem = rules.reason_problem(reason)
        if problem == "empty":
            await message.reply_text(context.t("leave.reason_empty"))
            return True
        if problem == "too_long":
            await message.reply_text(
                context.t("leave.reason_too_long", max=rules.MAX_REASON_CHARS, length=len(reason))
            )
            return True
        new = {**data, "step": "attach", "reason": reason}
    elif step == "attach" and message.text is None:
        if not (message.photo or message.document):
            await message.reply_text(context.t("leave.expecting_attach"))
            return True
        kind = "photo" if message.photo else "document"
        file_id = message.photo[-1].file_id if message.photo else message.document.file_id
        new = {**data, "step": "preview", "attachment_kind": kind, "attachment_file_id": file_id}
    else:
        return False
    if not await _store(context, update, new, context.bot_data.clock.now()):
        await message.reply_text(context.t("leave.duplicate"))
    elif new["step"] == "attach":
        skip = one_button(context.label("leave.skip"), LeaveForm(LeaveStep.SKIP))
        await message.reply_text(context.t("leave.ask_attachment"), reply_markup=skip)
    else:
        text, markup = await _preview(context, new)
        await message.reply_text(text, reply_markup=markup)
    return True


async def _send(update: Update, context: Context, form: dict[str, Any]) -> None:
    """Turn the form into a pending request; the cards go to the class managers."""
    query = update.callback_query
    viewer = viewer_of(context)
    now = context.bot_data.clock.now()
    over = flows.over_session(await sessions.by_ids(context.db, form["chosen"]), now)
    if over is not None:
        await answer(query, context.label("leave.session_over_alert"))
        await query.message.reply_text(context.t("leave.session_over", title=over.title))
        return
    result = await context.db.write(
        lambda tx: flows.send_request(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            person_id=viewer.person.id,
            form=form,
            now=now,
        )
    )
    if result is Outcome.STALE:
        raise StalePress
    if isinstance(result, Outcome):
        await answer(query, context.label(f"leave.{result.value}"))
        return
    await answer(query)
    request = await leave.get_request(context.db, result)
    assert request is not None
    await query.edit_message_text(
        context.t(
            "leave.sent", levels=request.levels_required, hours=leave_limit.show(request.hours)
        ),
        reply_markup=one_button(context.label("leave.cancel_request"), LeaveCancel(result)),
    )
