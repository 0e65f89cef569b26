"""/fix (补卡): a trainee asks the class managers to correct their status in a past session.

As DingTalk's and WeCom's make-up clock-in requests: pick a session whose status is final
and that ended less than the class's correction_days ago, say what it should be and why,
attach evidence (a photo, a document) or skip, check the preview, send. The request being
written is a form (kind ``correction``), so a restart half-way loses nothing. The class's
correction_max caps the requests (pending or approved) a trainee may make.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.buttons import (
    FixOpen,
    FixPick,
    FixStatus,
)
from bot.context import Context
from bot.permissions import Capability
from bot.rules import leave as leave_rules
from bot.rules.class_settings import from_json
from handlers.checkin.views import settings_of, status_at
from handlers.common import StalePress, answer, viewer_of
from handlers.corrections.views import (
    ASKABLE,
    CORRECTABLE,
    offered,
    open_for_correction,
    picker,
    status_keyboard,
)
from storage import corrections, forms, sessions
from storage.forms import FormKind


async def start(update: Update, context: Context) -> None:
    """/fix: the sessions one may ask to correct, in the first class that has any."""
    viewer = viewer_of(context)
    message = update.effective_message
    now = context.bot_data.clock.now()
    refusal = "fix.nothing"
    for membership in viewer.classes_where(Capability.ASK_CORRECTION):
        klass = membership.klass
        settings = from_json(klass.settings)
        if settings.correction_max == 0:
            refusal = "fix.off"
            continue
        if (
            await corrections.used(context.db, klass.id, viewer.person.id)
            >= settings.correction_max
        ):
            await message.reply_text(context.t("fix.cap_reached", cap=settings.correction_max))
            return
        found = await offered(context.db, klass.id, viewer.person.id, now)
        if not found:
            continue
        form = {"class_id": klass.id, "step": "pick", "offered": [s.id for s, _ in found]}
        if not await store(context, update, form):
            await message.reply_text(context.t("fix.duplicate"))
            return
        await message.reply_text(
            context.t("fix.pick", class_name=klass.name, days=settings.correction_days),
            reply_markup=picker(context.texts, context.locale, found),
        )
        return
    await message.reply_text(context.t(refusal))


async def pressed_open(update: Update, context: Context, button: FixOpen) -> None:
    """The /me button: the same as /fix."""
    del button
    await answer(update.callback_query)
    await start(update, context)


async def store(context: Context, update: Update, form: dict[str, Any] | None) -> bool:
    """Save the form (drop it, for None), once per update; False if this update was seen."""
    person_id = viewer_of(context).person.id
    now = context.bot_data.clock.now()
    return await context.db.write(
        lambda tx: forms.save_once(tx, update.update_id, person_id, FormKind.CORRECTION, form, now)
    )


async def _form(context: Context, step: str) -> dict[str, Any]:
    form = await forms.get(context.db, viewer_of(context).person.id, FormKind.CORRECTION)
    if form is None or form.get("step") != step:
        raise StalePress
    return form


async def pressed_pick(update: Update, context: Context, button: FixPick) -> None:
    """The session: if it may still be corrected, ask what it should be."""
    query = update.callback_query
    form = await _form(context, "pick")
    session = await sessions.by_id(context.db, button.session_id)
    if session is None or button.session_id not in form["offered"]:
        raise StalePress
    now = context.bot_data.clock.now()
    if not open_for_correction(session, now):
        await answer(
            query, context.label("fix.too_late", days=settings_of(session).correction_days)
        )
        return
    person_id = viewer_of(context).person.id
    current = (await status_at(context.db, session, person_id, now)).status
    if current not in CORRECTABLE:
        await answer(query, context.label("fix.nothing_to_fix"))
        return
    if await corrections.pending_for(context.db, session.id, person_id) is not None:
        await answer(query, context.label("fix.pending_exists"))
        return
    new = {**form, "step": "status", "session_id": session.id, "status_before": current.value}
    if not await store(context, update, new):
        await answer(query, context.label("fix.duplicate_alert"))
        return
    await answer(query)
    await query.edit_message_text(
        context.t("fix.ask_status", title=session.title, status=current.value),
        reply_markup=status_keyboard(context.texts, context.locale, current.value),
    )


async def pressed_status(update: Update, context: Context, button: FixStatus) -> None:
    """What the status should be: then the reason is asked."""
    query = update.callback_query
    form = await _form(context, "status")
    if button.status not in ASKABLE or button.status.value == form["status_before"]:
        raise StalePress
    if not await store(
        context, update, {**form, "step": "reason", "status_asked": button.status.value}
    ):
        await answer(query, context.label("fix.duplicate_alert"))
        return
    await answer(query)
    await query.edit_message_text(context.t("fix.ask_reason", max=leave_rules.MAX_REASON_CHARS))
