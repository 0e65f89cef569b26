"""/appraise NAME: a class manager writes a trainee's appraisal (学员鉴定) for the training
file. The form waits in the database for the text, so a restart in between loses nothing."""

from __future__ import annotations

from telegram import Update

from bot.buttons import AppraiseCancel, one_button
from bot.context import Context
from handlers import inputs
from handlers.common import StalePress, answer, edit_or_send, viewer_of
from handlers.grades import flows
from handlers.grades.flows import Outcome
from handlers.grades.score import typed_after_command
from handlers.grades.views import trainees_named
from storage import forms, grades, people
from storage.forms import Form, FormKind

MAX_APPRAISAL_CHARS = 500


async def appraise_command(update: Update, context: Context) -> None:
    """Open the appraisal form for the trainee named, showing the appraisal so far."""
    message = update.effective_message
    viewer = viewer_of(context)
    text = typed_after_command(update)
    if not text:
        await message.reply_text(context.t("grades.appraise_usage"))
        return
    matches = [m for m in await trainees_named(context, viewer, text) if not m.rest]
    if not matches:
        await message.reply_text(context.t("grades.score_who", text=text))
        return
    if len(matches) > 1:
        names = [m.name for m in matches]
        await message.reply_text(context.t("grades.score_ambiguous", names=names))
        return
    who = matches[0]
    data = {"class_id": who.class_id, "person_id": who.person_id}
    now = context.bot_data.clock.now()
    saved = await context.db.write(
        lambda tx: forms.save_once(
            tx, update.update_id, viewer.person.id, FormKind.APPRAISAL, data, now
        )
    )
    if not saved:
        await message.reply_text(context.t("grades.duplicate"))
        return
    current = (await grades.appraisals_of_class(context.db, who.class_id)).get(who.person_id)
    await message.reply_text(
        context.t("grades.appraise_ask", name=who.name, current=current, max=MAX_APPRAISAL_CHARS),
        reply_markup=one_button(context.label("grades.appraise_cancel"), AppraiseCancel()),
    )


async def typed(update: Update, context: Context, found: list[Form]) -> bool:
    """The appraisal's text: save it (or say why not); False leaves the message to others."""
    form = found[0]
    if await inputs.superseded(context, form):
        return False
    message = update.effective_message
    if not message.text:
        await message.reply_text(context.t("grades.appraise_not_text"))
        return True
    text = message.text.strip()
    if len(text) > MAX_APPRAISAL_CHARS:
        await message.reply_text(
            context.t("grades.appraise_too_long", max=MAX_APPRAISAL_CHARS, length=len(text))
        )
        return True
    viewer = viewer_of(context)
    outcome = await context.db.write(
        lambda tx: flows.save_appraisal(
            tx,
            update_id=update.update_id,
            actor=viewer.actor,
            by=viewer.person.id,
            class_id=form.data["class_id"],
            person_id=form.data["person_id"],
            text=text,
            now=context.bot_data.clock.now(),
        )
    )
    if outcome is Outcome.DONE:
        name, _ = await people.name_and_unit(context.db, form.data["person_id"])
        await message.reply_text(context.t("grades.appraise_saved", name=name))
    elif outcome is Outcome.DUPLICATE:
        await message.reply_text(context.t("grades.duplicate"))
    else:
        await message.reply_text(context.t("grades.appraise_stale"))
    return True


async def pressed_cancel(update: Update, context: Context, button: AppraiseCancel) -> None:
    """Drop the appraisal being written; a form already gone makes the button stale."""
    person_id = viewer_of(context).person.id
    dropped = await context.db.write(lambda tx: forms.drop(tx, person_id, FormKind.APPRAISAL))
    if not dropped:
        raise StalePress
    await answer(update.callback_query)
    await edit_or_send(update.callback_query, context.t("grades.appraise_cancelled"))
