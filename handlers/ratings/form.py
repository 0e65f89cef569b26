"""Rating a lecture: the form's buttons and the typed comment (/rate: progress.py).

The form lives in one message (queued by handlers/ratings/jobs.py when the session ends, or
opened from /rate) and is edited as the trainee answers; its state is a form (kind
``rating``, one per session). Every press is checked again here, against the database: who
presses, whether they attended, whether the window is open. The button's data names the
session, not the person: a press counts only on a form in the presser's own private chat,
so nobody rates through another's prompt. Nothing here shows anyone's rating to anyone but
its author.
"""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import Update
from telegram.error import BadRequest

from bot.buttons import RateAsk, RateComment, RateOpen, RateScore, RateSubmit
from bot.context import Context
from bot.rules import rating as rating_rules
from bot.rules.rating import Form
from handlers.common import StalePress, answer, viewer_of
from handlers.ratings import flows, views
from handlers.ratings.flows import Outcome
from storage import forms, ratings, sessions
from storage.forms import FormKind
from storage.sessions import Session

RateButton = RateOpen | RateScore | RateAsk | RateComment | RateSubmit


async def _refusal(context: Context, lecture: Session, person_id: int) -> str | None:
    """The label of why this person may not rate this lecture now, else None."""
    reason = rating_rules.refusal(
        attended=await ratings.attended(context.db, lecture.id, person_id),
        cancelled=lecture.cancelled,
        window=views.window_of(lecture),
        now=context.bot_data.clock.now(),
        anonymised=await ratings.anonymised(context.db, lecture.id),
    )
    return None if reason is None else context.label(f"ratings.{reason.value}")


async def pressed(update: Update, context: Context, button: RateButton) -> None:
    """Every button of the form: check, change the stored form, edit the one message."""
    query = update.callback_query
    if query.message is None or query.message.chat.id != query.from_user.id:
        # Someone else's form (a message in another chat, or an inline one): the data would
        # rate as the presser, on a message that is not theirs. Refused, nothing stored.
        await answer(query, context.label("ratings.not_yours"), alert=True)
        return
    lecture = await sessions.by_id(context.db, button.session_id)
    if lecture is None:
        raise StalePress
    person_id = viewer_of(context).person.id
    refused = await _refusal(context, lecture, person_id)
    if refused:
        await answer(query, refused, alert=True)
        return
    dims = views.dimensions_of(lecture)
    stored = await forms.get(context.db, person_id, FormKind.RATING, session_id=lecture.id)
    form = Form.from_json(stored) if stored else None
    if isinstance(button, RateSubmit):
        await _submit(update, context, lecture, form)
        return
    if form is None:
        form = rating_rules.start(dims, await ratings.rating_of(context.db, lecture.id, person_id))
    changed = _apply(button, form, dims)
    if changed is None:  # forged: a question or score that does not exist
        raise StalePress
    changed.message_id = query.message.message_id
    now = context.bot_data.clock.now()
    await context.db.write(lambda tx: flows.save_form(tx, person_id, lecture.id, changed, now))
    await answer(query, context.label("ratings.type_comment") if changed.awaiting_comment else None)
    text, keyboard = views.form_view(context.texts, context.locale, lecture, changed)
    await _edit(query.edit_message_text(text, reply_markup=keyboard))


def _apply(button: RateButton, form: Form, dims: tuple[str, ...]) -> Form | None:
    """The form after this press, or None for a press that cannot be real."""
    if isinstance(button, RateScore):
        if not 0 <= button.question < len(dims) or not 1 <= button.score <= 5:
            return None
        return rating_rules.answer(form, dims, dims[button.question], button.score)
    if isinstance(button, RateAsk):
        if not 0 <= button.question < len(dims):
            return None
        asking = dims[button.question]
        return Form(form.scores, form.comment, asking, False, form.message_id, form.comment_update)
    if isinstance(button, RateComment):
        if not rating_rules.complete(form, dims):
            return form
        return Form(form.scores, form.comment, None, True, form.message_id, form.comment_update)
    return form  # RateOpen: show the form as it stands


async def _submit(update: Update, context: Context, lecture: Session, form: Form | None) -> None:
    query = update.callback_query
    outcome = await context.db.write(
        lambda tx: flows.submit(
            tx,
            update_id=update.update_id,
            person_id=viewer_of(context).person.id,
            session_id=lecture.id,
            dims=views.dimensions_of(lecture),
            now=context.bot_data.clock.now(),
        )
    )
    if outcome is not Outcome.SAVED or form is None:
        alert = outcome is not Outcome.SAVED
        await answer(query, context.label(f"ratings.{outcome.value}"), alert=alert)
        return
    # A confirmation, not news: a toast that goes by itself (an alert would need a tap).
    await answer(query, context.label("ratings.saved"), alert=False)
    text, keyboard = views.submitted_view(context.texts, context.locale, lecture, form)
    await _edit(query.edit_message_text(text, reply_markup=keyboard))


async def typed_comment(update: Update, context: Context, found: list[forms.Form]) -> bool:
    """A message while a rating form waits for its comment (the input step's); else not ours."""
    message = update.effective_message
    if message.text is None:
        return False
    person_id = viewer_of(context).person.id
    if any(f.data.get("comment_update") == update.update_id for f in found):
        await message.reply_text(context.t("ratings.already"))  # Telegram delivered it again
        return True
    waiting = {
        f.session_id: Form.from_json(f.data) for f in found if f.data.get("awaiting_comment")
    }
    if not waiting:
        return False
    session_id, form = min(waiting.items())
    assert session_id is not None
    lecture = await sessions.by_id(context.db, session_id)
    refused = (
        await _refusal(context, lecture, person_id) if lecture else context.label("ratings.closed")
    )
    comment = message.text.strip()
    problem = rating_rules.comment_problem(comment)
    if refused:
        await message.reply_text(context.t("ratings.refused", text=refused))
    elif problem == "too_long":
        await message.reply_text(
            context.t("ratings.comment_too_long", length=len(comment), max=rating_rules.MAX_COMMENT)
        )
    elif problem == "empty":
        await message.reply_text(context.t("ratings.comment_empty"))
    else:
        await _keep_comment(update, context, lecture, session_id, form, comment)
    return True


async def _keep_comment(
    update: Update,
    context: Context,
    lecture: Session | None,
    session_id: int,
    form: Form,
    comment: str,
) -> None:
    message = update.effective_message
    done = Form(form.scores, comment, None, False, form.message_id, update.update_id)
    saved = await context.db.write(
        lambda tx: flows.save_comment(
            tx,
            update_id=update.update_id,
            person_id=viewer_of(context).person.id,
            session_id=session_id,
            form=done,
            now=context.bot_data.clock.now(),
        )
    )
    if not saved:
        await message.reply_text(context.t("ratings.already"))
        return
    if done.message_id is not None and lecture is not None:
        text, keyboard = views.form_view(context.texts, context.locale, lecture, done)
        await _edit(
            context.bot.edit_message_text(
                text, chat_id=message.chat_id, message_id=done.message_id, reply_markup=keyboard
            )
        )
    await message.reply_text(context.t("ratings.comment_saved"))


async def _edit(call: Awaitable[object]) -> None:
    """Await an edit; an unchanged message (the same press twice) is not an error."""
    try:
        await call
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
