"""The rest of a correction request (补卡): the reason and the evidence, the preview, and
the step buttons (skip the evidence, send, discard)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.buttons import FixCancel, FixStep, FixStepKind, keyboard, one_button
from bot.context import Context
from bot.rules import leave as leave_rules
from bot.rules.class_settings import from_json
from handlers.checkin.views import settings_of
from handlers.common import StalePress, answer, viewer_of
from handlers.corrections import flows
from handlers.corrections.ask import store
from handlers.corrections.flows import Outcome
from handlers.corrections.views import request_view
from storage import corrections, forms, sessions, updates
from storage.forms import Form, FormKind


async def typed(update: Update, context: Context, found: list[Form]) -> bool:
    """The reason (text) or the evidence (a photo, a document) the form waits for."""
    form, message = found[0], update.effective_message
    if form.updated_at < context.bot_data.clock.now() - leave_rules.FORM_WAITS:
        return False
    if await updates.was_processed(context.db, update.update_id):
        await message.reply_text(context.t("fix.duplicate"))
        return True
    step, data = form.data.get("step"), form.data
    if step == "reason" and message.text is not None:
        reason = message.text.strip()
        problem = leave_rules.reason_problem(reason)
        if problem is not None:
            await message.reply_text(
                context.t(
                    f"fix.reason_{problem}", max=leave_rules.MAX_REASON_CHARS, length=len(reason)
                )
            )
            return True
        new = {**data, "step": "attach", "reason": reason}
    elif step == "attach" and message.text is None and (message.photo or message.document):
        kind = "photo" if message.photo else "document"
        file_id = message.photo[-1].file_id if message.photo else message.document.file_id
        new = {**data, "step": "preview", "attachment_kind": kind, "attachment_file_id": file_id}
    elif step == "attach":
        await message.reply_text(context.t("fix.ask_evidence"), reply_markup=_skip(context))
        return True
    else:
        return False
    if not await store(context, update, new):
        await message.reply_text(context.t("fix.duplicate"))
    elif new["step"] == "attach":
        await message.reply_text(context.t("fix.ask_evidence"), reply_markup=_skip(context))
    else:
        await message.reply_text(**await _preview(context, new))
    return True


def _skip(context: Context) -> Any:
    return one_button(context.label("fix.skip"), FixStep(FixStepKind.SKIP))


async def _preview(context: Context, form: dict[str, Any]) -> dict[str, Any]:
    session = await sessions.by_id(context.db, int(form["session_id"]))
    assert session is not None
    text = context.t(
        "fix.preview",
        title=session.title,
        class_name=session.class_name,
        before=form["status_before"],
        asked=form["status_asked"],
        reason=form["reason"],
        attachment=form.get("attachment_kind"),
    )
    buttons = [
        (context.label("fix.send"), FixStep(FixStepKind.SEND)),
        (context.label("fix.abort"), FixStep(FixStepKind.ABORT)),
    ]
    return {"text": text, "reply_markup": keyboard([buttons])}


async def pressed_step(update: Update, context: Context, button: FixStep) -> None:
    """Skip the evidence, send the request, or drop it."""
    query = update.callback_query
    viewer = viewer_of(context)
    form = await forms.get(context.db, viewer.person.id, FormKind.CORRECTION)
    if form is None:
        raise StalePress
    step = button.step
    if step is FixStepKind.ABORT:
        if await store(context, update, None):
            await answer(query)
            await query.edit_message_text(context.t("fix.aborted"))
        return
    if step is FixStepKind.SKIP:
        if form["step"] != "attach":
            raise StalePress
        new = {**form, "step": "preview"}
        if not await store(context, update, new):
            await answer(query, context.label("fix.duplicate_alert"))
            return
        await answer(query)
        await query.edit_message_text(**await _preview(context, new))
        return
    if form["step"] != "preview":
        raise StalePress
    now = context.bot_data.clock.now()
    result = await context.db.write(
        lambda tx: flows.send(
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
        session = await sessions.by_id(context.db, int(form["session_id"]))
        settings = settings_of(session) if session else from_json(None)
        values = {
            Outcome.TOO_LATE: {"days": settings.correction_days},
            Outcome.CAP: {"cap": settings.correction_max},
        }.get(result, {})
        await answer(query, context.label(f"fix.{result.value}", **values))
        return
    await answer(query)
    request = await corrections.get(context.db, result)
    assert request is not None
    await query.edit_message_text(
        context.t("fix.sent", r=await request_view(context.db, request)),
        reply_markup=one_button(context.label("fix.cancel"), FixCancel(result)),
    )
