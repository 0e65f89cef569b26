"""Rating a lecture: the form's buttons and the typed comment (/rate: rating_progress.py).

The form lives in one message (queued by bot/rating_jobs.py when the session ends, or opened
from /rate) and is edited as the trainee answers; its state is a row of the forms table.
Every press is checked again here, against the database: who presses, whether they attended,
whether the window is open. The button's data names the session, not the person: a press
counts only on a form in the presser's own private chat, so nobody rates through another's
prompt. Nothing here shows anyone's rating to anyone but its author.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
)

from bot import rating_views
from bot.callbacks import Action, Callback, unpack
from bot.context import Context
from bot.rules import rating as rating_rules
from bot.rules.rating import Form
from handlers import inputs, rating_progress
from handlers.common import PRIVATE, answer, viewer_of
from storage import ratings, updates
from storage.db import Tx
from storage.forms import Form as StoredForm
from storage.forms import FormKind
from storage.ratings import Lecture

_ACTIONS = (
    Action.RATE_OPEN,
    Action.RATE_SCORE,
    Action.RATE_ASK,
    Action.RATE_COMMENT,
    Action.RATE_SUBMIT,
)


def _is_rating_button(data: object) -> bool:
    decoded = unpack(data) if isinstance(data, str) else None
    return decoded is not None and decoded.action in _ACTIONS


async def _refusal(context: Context, lecture: Lecture, person_id: int) -> str | None:
    """The label of why this person may not rate this lecture now, else None."""
    attended = await ratings.attended(context.db, lecture.id, person_id)
    reason = rating_rules.refusal(
        attended=attended,
        cancelled=lecture.cancelled,
        window=rating_views.window_of(lecture),
        now=context.bot_data.clock.now(),
        anonymised=await ratings.anonymised(context.db, lecture.id),
    )
    return None if reason is None else context.label(f"ratings.{reason.value}")


async def pressed(update: Update, context: Context) -> None:
    """Every button of the form: check, change the stored form, edit the one message."""
    query = update.callback_query
    viewer = viewer_of(context)
    if query.message is None or query.message.chat.id != query.from_user.id:
        # Someone else's form (a message in another chat, or an inline one): the data would
        # rate as the presser, on a message that is not theirs. Refused, nothing stored.
        await answer(query, context.label("ratings.not_yours"), alert=True)
        return
    decoded = unpack(query.data)
    lecture = await ratings.lecture(context.db, int(decoded.args[0])) if decoded else None
    if viewer.person is None or decoded is None or lecture is None:
        await answer(query, context.label("buttons.stale"), alert=True)
        return
    person_id = viewer.person.id
    refused = await _refusal(context, lecture, person_id)
    if refused:
        await answer(query, refused, alert=True)
        return
    dims = rating_views.dimensions_of(lecture)
    stored = await ratings.form(context.db, person_id, lecture.id)
    form = Form.from_json(stored) if stored else None
    if decoded.action is Action.RATE_SUBMIT:
        await _submit(update, context, lecture, form)
        return
    if form is None:
        form = rating_rules.start(dims, await ratings.rating_of(context.db, lecture.id, person_id))
    changed = _apply(decoded, form, dims)
    if changed is None:  # forged: a question or score that does not exist
        await answer(query, context.label("buttons.stale"), alert=True)
        return
    changed.message_id = query.message.message_id if query.message else form.message_id
    now = context.bot_data.clock.now()
    await context.db.write(lambda tx: _save(tx, person_id, lecture.id, changed, now))
    await answer(query, context.label("ratings.type_comment") if changed.awaiting_comment else None)
    text, keyboard = rating_views.form_view(context.texts, context.locale, lecture, changed)
    await _edit(query.edit_message_text(text, reply_markup=keyboard))


def _apply(decoded: Callback, form: Form, dims: tuple[str, ...]) -> Form | None:
    """The form after this press, or None for a press that cannot be real."""
    args = decoded.args
    if decoded.action is Action.RATE_SCORE:
        index, score = int(args[1]), int(args[2])
        if not 0 <= index < len(dims) or not 1 <= score <= 5:
            return None
        return rating_rules.answer(form, dims, dims[index], score)
    if decoded.action is Action.RATE_ASK:
        index = int(args[1])
        if not 0 <= index < len(dims):
            return None
        return Form(
            form.scores, form.comment, dims[index], False, form.message_id, form.comment_update
        )
    if decoded.action is Action.RATE_COMMENT:
        if not rating_rules.complete(form, dims):
            return form
        return Form(form.scores, form.comment, None, True, form.message_id, form.comment_update)
    return form  # RATE_OPEN: show the form as it stands


async def _save(tx: Tx, person_id: int, session_id: int, form: Form, now: datetime) -> None:
    if form.awaiting_comment:  # one comment awaited at a time: the latest form asked
        for other, data in (await ratings.forms_of(tx, person_id)).items():
            if other != session_id and data.get("awaiting_comment"):
                await ratings.save_form(
                    tx, person_id, other, {**data, "awaiting_comment": False}, now
                )
    await ratings.save_form(tx, person_id, session_id, form.to_json(), now)


async def _submit(update: Update, context: Context, lecture: Lecture, form: Form | None) -> None:
    query = update.callback_query
    person_id = viewer_of(context).person.id
    dims = rating_views.dimensions_of(lecture)
    now = context.bot_data.clock.now()

    async def submit(tx: Tx) -> str:
        if not await updates.claim(tx, update.update_id, now):
            return "already"
        stored = await ratings.form(tx, person_id, lecture.id)
        current = Form.from_json(stored) if stored else None
        if current is None:
            mine = await ratings.rating_of(tx, lecture.id, person_id)
            return "already" if mine else "incomplete"
        if not rating_rules.complete(current, dims):
            return "incomplete"
        scores = {d: current.scores[d] for d in dims}
        await ratings.save_rating(tx, lecture.id, person_id, scores, current.comment, now)
        await ratings.delete_form(tx, person_id, lecture.id)
        return "saved"

    result = await context.db.write(submit)
    if result != "saved" or form is None:
        await answer(query, context.label(f"ratings.{result}"), alert=result != "saved")
        return
    await answer(query, context.label("ratings.saved"))
    text, keyboard = rating_views.submitted_view(context.texts, context.locale, lecture, form)
    await _edit(query.edit_message_text(text, reply_markup=keyboard))


async def typed_comment(update: Update, context: Context, found: list[StoredForm]) -> bool:
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
    lecture = await ratings.lecture(context.db, session_id)
    refused = (
        await _refusal(context, lecture, person_id) if lecture else context.label("ratings.closed")
    )
    comment = (message.text or "").strip()
    problem = rating_rules.comment_problem(comment)
    if refused:
        await message.reply_text(context.t("ratings.refused", text=refused))
        return True
    if problem == "too_long":
        reply = context.t(
            "ratings.comment_too_long", length=len(comment), max=rating_rules.MAX_COMMENT
        )
        await message.reply_text(reply)
        return True
    if problem == "empty":
        await message.reply_text(context.t("ratings.comment_empty"))
        return True
    now = context.bot_data.clock.now()
    done = Form(form.scores, comment, None, False, form.message_id, update.update_id)

    async def save(tx: Tx) -> bool:
        if not await updates.claim(tx, update.update_id, now):
            return False
        await ratings.save_form(tx, person_id, session_id, done.to_json(), now)
        return True

    if not await context.db.write(save):
        await message.reply_text(context.t("ratings.already"))
        return True
    if done.message_id is not None and lecture is not None:
        text, keyboard = rating_views.form_view(context.texts, context.locale, lecture, done)
        await _edit(
            context.bot.edit_message_text(
                text, chat_id=message.chat_id, message_id=done.message_id, reply_markup=keyboard
            )
        )
    await message.reply_text(context.t("ratings.comment_saved"))
    return True


async def _edit(call: object) -> None:
    """Await an edit; an unchanged message (the same press twice) is not an error."""
    try:
        await call  # type: ignore[misc]
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


def register(app: Application) -> None:
    """Add the typed comment (before every feature), /rate and the form's buttons."""
    inputs.accept(app, FormKind.RATING, typed_comment)
    app.add_handler(CommandHandler("rate", rating_progress.show_rate, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(pressed, pattern=_is_rating_button))
