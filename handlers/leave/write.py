"""The rest of the leave form: the reason and the attachment, the preview, and sending.

A trainee's request goes to the class managers as a pending request (handlers/leave/flows.py);
a class manager's record for a trainee is approved by the recording
(handlers/leave/recorded.py). The preview shows the type, whether it counts toward the
limit, and whether it is leave after the fact (补假).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.buttons import LeaveCancel, LeaveForm, LeaveStep, keyboard, one_button
from bot.context import Context
from bot.rules import leave as rules
from bot.rules import leave_limit
from handlers.common import StalePress, answer, viewer_of
from handlers.leave import flows, recorded
from handlers.leave.figures import missed_among, tally_of
from handlers.leave.flows import Outcome
from handlers.leave.info import class_info
from handlers.leave.views import session_view
from storage import forms, leave, sessions, updates
from storage.forms import Form, FormKind


async def store(
    context: Context, update: Update, form: dict[str, Any] | None, now: datetime
) -> bool:
    """Save the form (drop it, for None), once per update; False if this update was seen."""
    person_id = viewer_of(context).person.id
    return await context.db.write(
        lambda tx: forms.save_once(tx, update.update_id, person_id, FormKind.LEAVE, form, now)
    )


async def preview(context: Context, form: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    """The request as it would be sent, with the trainee's figures against the limit."""
    info = await class_info(context.db, form["class_id"])
    assert info is not None
    chosen = await sessions.by_ids(context.db, form["chosen"])
    now = context.bot_data.clock.now()
    trainee = form.get("for_person", viewer_of(context).person.id)
    tally = await tally_of(context.db, info, trainee, now)
    hours = leave_limit.total(s.hours for s in chosen)
    counts = info.settings.leave_type_counts(form["leave_type"])
    if counts:  # sessions counted absent now would count as leave instead
        tally = tally.replacing(await missed_among(context.db, info, trainee, chosen, now))
    text = context.t(
        "leave.preview",
        sessions=[session_view(s, info.zone, now) for s in chosen],
        reason=form["reason"],
        attachment=form.get("attachment_kind"),
        attachment_name=form.get("attachment_name"),
        t=leave_limit.figures(tally, hours if counts else leave_limit.total(())),
        levels=rules.levels_required(chosen, info.settings.leave_second_level_hours, info.zone),
        leave_type=form["leave_type"],
        counts=counts,
        retroactive=rules.after_the_fact(chosen, now),
        for_name=form.get("for_name"),
    )
    buttons = [
        (context.label("leave.send"), LeaveForm(LeaveStep.SEND)),
        (context.label("leave.abort"), LeaveForm(LeaveStep.ABORT)),
    ]
    return text, keyboard([buttons])


async def to_preview(update: Update, context: Context, new: dict[str, Any]) -> None:
    """No attachment (the skip button): show the preview in place."""
    query = update.callback_query
    if not await store(context, update, new, context.bot_data.clock.now()):
        await answer(query, context.label("leave.duplicate_alert"))
        return
    await answer(query)
    text, markup = await preview(context, new)
    await query.edit_message_text(text, reply_markup=markup)


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
        # The file's name, so the preview says which file goes with the request.
        name = None if message.photo else message.document.file_name
        new = {
            **data,
            "step": "preview",
            "attachment_kind": kind,
            "attachment_file_id": file_id,
            "attachment_name": name,
        }
    else:
        return False
    if not await store(context, update, new, context.bot_data.clock.now()):
        await message.reply_text(context.t("leave.duplicate"))
    elif new["step"] == "attach":
        skip = one_button(context.label("leave.skip"), LeaveForm(LeaveStep.SKIP))
        await message.reply_text(context.t("leave.ask_attachment"), reply_markup=skip)
    else:
        text, markup = await preview(context, new)
        await message.reply_text(text, reply_markup=markup)
    return True


async def send(update: Update, context: Context, form: dict[str, Any]) -> None:
    """Send the request (the cards go to the class managers), or record it for a trainee."""
    query = update.callback_query
    viewer = viewer_of(context)
    now = context.bot_data.clock.now()
    info = await class_info(context.db, form["class_id"])
    if info is None:
        raise StalePress
    days = info.settings.correction_days
    over = flows.over_session(await sessions.by_ids(context.db, form["chosen"]), now, days)
    if over is not None:
        await answer(query, context.label("leave.session_over_alert", days=days))
        await query.message.reply_text(context.t("leave.session_over", title=over.title, days=days))
        return
    common = {"update_id": update.update_id, "actor": viewer.actor, "form": form, "now": now}
    if "for_person" in form:
        result = await context.db.write(
            lambda tx: recorded.record_for(
                tx, context.bot_data, manager_id=viewer.person.id, **common
            )
        )
    else:
        result = await context.db.write(
            lambda tx: flows.send_request(
                tx, context.bot_data, person_id=viewer.person.id, **common
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
    hours = leave_limit.show(request.hours)
    if "for_person" in form:
        text = context.t(
            "leave.recorded_done",
            name=form.get("for_name"),
            levels=request.levels_required,
            hours=hours,
        )
        await query.edit_message_text(text)
        return
    await query.edit_message_text(
        context.t("leave.sent", levels=request.levels_required, hours=hours),
        reply_markup=one_button(context.label("leave.cancel_request"), LeaveCancel(result)),
    )
