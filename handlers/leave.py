"""/leave (请假), /back (销假), cancelling and withdrawing: the trainee's side of leave.

The request being written lives in the ``forms`` table (kind "leave"), so a restart halfway
through loses nothing: the picker's buttons, the reason and the preview all read it back.
Steps: pick sessions -> write the reason -> attach a note or skip -> preview -> send.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import Action, pack, unpack
from bot.context import Context
from bot.rules import leave as leave_rules
from bot.rules import leave_limit
from bot.rules.roles import Role
from handlers import identity, leave_back, leave_decide, leave_dismissal, leave_jobs
from handlers import leave_notices as notices
from handlers.common import PRIVATE, answer, viewer_of
from storage import audit, leave, updates
from storage.db import Tx

# The reason, note, rejection reason and over-limit reason are caught before every feature
# and before the identity guard, only while a leave form waits for them (the ratings
# comment uses -2).
FORM_GROUP = -3


def _is(*actions: Action) -> Any:
    def check(data: object) -> bool:
        decoded = unpack(data) if isinstance(data, str) else None
        return decoded is not None and decoded.action in actions

    return check


def _trainee_class_ids(context: Context) -> list[int]:
    viewer = viewer_of(context)
    return [m.klass.id for m in viewer.memberships if Role.TRAINEE in m.roles]


async def _alert(update: Update, context: Context, label: str, **values: Any) -> None:
    await answer(update.callback_query, context.label(f"leave.{label}", **values))


# -- /leave and the picker ---------------------------------------------------------------


async def start_leave(update: Update, context: Context) -> None:
    """Answer /leave: offer the coming sessions, grouped by day."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    class_ids = _trainee_class_ids(context)
    if not class_ids:
        await message.reply_text(context.t("leave.no_class"))
        return
    now = context.bot_data.clock.now()
    person_id = viewer.person.id
    for class_id in class_ids:  # the first class with sessions still to come
        info = await notices.class_info(context.db, class_id)
        offered = await leave.open_sessions(
            context.db,
            class_id,
            person_id,
            now,
            now + timedelta(days=leave_rules.PICK_DAYS_AHEAD),
            leave_rules.PICK_MAX_SESSIONS,
        )
        if info and offered:
            break
    else:
        await message.reply_text(context.t("leave.no_sessions"))
        return
    form = {"class_id": class_id, "step": "pick", "chosen": [], "offered": [s.id for s in offered]}

    if not await _store_form(context, update.update_id, person_id, form, now):
        await message.reply_text(context.t("leave.duplicate"))
        return
    await message.reply_text(
        context.t("leave.pick", chosen=[], hours="0"),
        reply_markup=_picker(context, info, offered, set()),
    )


def _picker(
    context: Context, info: notices.ClassInfo, offered: list[leave.LeaveSession], chosen: set[int]
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    by_id = {s.id: s for s in offered}
    for day, slots in leave_rules.group_by_day([s.slot for s in offered], info.zone):
        whole = all(s.id in chosen for s in slots)
        rows.append(
            [
                InlineKeyboardButton(
                    context.label("leave.day_button", day=day, chosen=whole),
                    callback_data=pack(Action.LEAVE_DAY, day.isoformat()),
                )
            ]
        )
        for slot in slots:
            view = notices.session_view(by_id[slot.id], info.zone)
            rows.append(
                [
                    InlineKeyboardButton(
                        context.label("leave.session_button", s=view, chosen=slot.id in chosen),
                        callback_data=pack(Action.LEAVE_PICK, slot.id),
                    )
                ]
            )
    rows.append(
        [
            InlineKeyboardButton(
                context.label("leave.done"), callback_data=pack(Action.LEAVE_FORM, "done")
            ),
            InlineKeyboardButton(
                context.label("leave.abort"), callback_data=pack(Action.LEAVE_FORM, "abort")
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _form_or_stale(update: Update, context: Context) -> dict[str, Any] | None:
    viewer = viewer_of(context)
    if viewer.person is None:
        await answer(update.callback_query, context.label("buttons.stale"))
        return None
    form = await leave.get_form(context.db, viewer.person.id, leave.FORM_ASK)
    if form is None:
        await answer(update.callback_query, context.label("buttons.stale"))
    return form


async def pressed_pick(update: Update, context: Context) -> None:
    """Toggle a session or a whole day in the picker."""
    query = update.callback_query
    decoded = unpack(query.data)
    form = await _form_or_stale(update, context)
    if form is None or decoded is None:
        return
    if form["step"] != "pick":
        await answer(query, context.label("buttons.stale"))
        return
    now = context.bot_data.clock.now()
    info = await notices.class_info(context.db, form["class_id"])
    offered = await leave.sessions_by_id(context.db, form["offered"])
    if decoded.action is Action.LEAVE_PICK:
        targets = [s for s in offered if s.id == decoded.args[0]]
    else:
        targets = [
            s
            for s in offered
            if s.starts_at.astimezone(info.zone).date().isoformat() == decoded.args[0]
        ]
    if not targets or info is None:
        await answer(query, context.label("buttons.stale"))
        return
    if not all(leave_rules.can_be_chosen(s.slot, now) for s in targets):
        await _alert(update, context, "session_over_alert")
        return
    chosen = set(form["chosen"])
    ids = {s.id for s in targets}
    chosen = chosen - ids if ids <= chosen else chosen | ids
    form = {**form, "chosen": sorted(chosen)}
    person_id = viewer_of(context).person.id

    if not await _store_form(context, update.update_id, person_id, form, now):
        await _alert(update, context, "duplicate_alert")
        return
    await answer(query)
    picked = [s for s in offered if s.id in chosen]
    await query.edit_message_text(
        context.t(
            "leave.pick",
            chosen=[notices.session_view(s, info.zone) for s in picked],
            hours=leave_limit.show(leave_limit.total(s.hours for s in picked)),
        ),
        reply_markup=_picker(context, info, offered, chosen),
    )


async def pressed_form(update: Update, context: Context) -> None:
    """A step button of the form: done picking, skip the attachment, send, abort."""
    query = update.callback_query
    decoded = unpack(query.data)
    form = await _form_or_stale(update, context)
    if form is None or decoded is None:
        return
    step = decoded.args[0]
    person_id = viewer_of(context).person.id
    now = context.bot_data.clock.now()
    expected = {"done": "pick", "skip": "attach", "send": "preview"}
    if step == "abort":
        new: dict[str, Any] | None = None
    elif expected.get(str(step)) != form["step"]:
        await answer(query, context.label("buttons.stale"))
        return
    elif step == "done":
        if not form["chosen"]:
            await _alert(update, context, "pick_nothing")
            return
        if await _over_session(context, form) is not None:
            await _alert(update, context, "session_over_alert")
            return
        new = {**form, "step": "reason"}
    elif step == "skip":
        new = {**form, "step": "preview"}
    else:
        await send_request(update, context, form)
        return

    if not await _store_form(context, update.update_id, person_id, new, now):
        await _alert(update, context, "duplicate_alert")
        return
    await answer(query)
    if new is None:
        await query.edit_message_text(context.t("leave.aborted"))
    elif step == "done":
        await query.edit_message_text(
            context.t("leave.ask_reason", max=leave_rules.MAX_REASON_CHARS)
        )
    else:
        text, keyboard = await _preview(context, new)
        await query.edit_message_text(text, reply_markup=keyboard)


async def _over_session(context: Context, form: dict[str, Any]) -> leave.LeaveSession | None:
    now = context.bot_data.clock.now()
    for s in await leave.sessions_by_id(context.db, form["chosen"]):
        if not leave_rules.can_be_chosen(s.slot, now):
            return s
    return None


async def _preview(context: Context, form: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    info = await notices.class_info(context.db, form["class_id"])
    sessions = await leave.sessions_by_id(context.db, form["chosen"])
    now = context.bot_data.clock.now()
    tally = await notices.tally_of(context.db, info, viewer_of(context).person.id, now)
    hours = leave_limit.total(s.hours for s in sessions)
    levels = leave_rules.levels_required(
        [s.slot for s in sessions], info.settings.leave_second_level_hours, info.zone
    )
    text = context.t(
        "leave.preview",
        sessions=[notices.session_view(s, info.zone) for s in sessions],
        reason=form["reason"],
        attachment=form.get("attachment_kind"),
        t=notices.tally_view(tally, hours),
        levels=levels,
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.label("leave.send"), callback_data=pack(Action.LEAVE_FORM, "send")
                ),
                InlineKeyboardButton(
                    context.label("leave.abort"), callback_data=pack(Action.LEAVE_FORM, "abort")
                ),
            ]
        ]
    )
    return text, keyboard


# -- the reason and the attachment ---------------------------------------------------------


async def on_message(update: Update, context: Context) -> None:
    """Text, photos and documents while a leave form waits for them; else pass through.

    Runs in its own group before the identity guard (like the ratings comment), so it
    resolves the speaker itself and stops the update only when it took it.
    """
    await identity.identify(update, context)
    viewer = context.viewer
    if viewer is None or viewer.person is None:
        return
    # A form left alone for long no longer claims free text: it would swallow a check-in code.
    since = context.bot_data.clock.now() - leave_rules.FORM_WAITS
    message = update.effective_message
    person_id = viewer.person.id
    if message.text is not None and await leave.get_form(
        context.db, person_id, leave.FORM_REJECT, since=since
    ):
        await leave_decide.reject_reason(update, context)
        raise ApplicationHandlerStop
    if message.text is not None and await leave.get_form(
        context.db, person_id, leave.FORM_LIMIT, since=since
    ):
        await leave_dismissal.reason(update, context)
        raise ApplicationHandlerStop
    form = await leave.get_form(context.db, person_id, leave.FORM_ASK, since=since)
    if form is not None and await leave.was_processed(context.db, update.update_id):
        await message.reply_text(context.t("leave.duplicate"))
        raise ApplicationHandlerStop
    wants_text = form is not None and form["step"] == "reason" and message.text is not None
    wants_file = form is not None and form["step"] == "attach" and message.text is None
    if wants_text or wants_file:
        await _form_message(update, context, form)
        raise ApplicationHandlerStop


async def _form_message(update: Update, context: Context, form: dict[str, Any]) -> None:
    message = update.effective_message
    person_id = viewer_of(context).person.id
    now = context.bot_data.clock.now()
    step = form["step"]
    if step == "reason" and message.text is not None:
        reason = message.text.strip()
        if not reason:
            await message.reply_text(context.t("leave.reason_empty"))
            return
        if len(reason) > leave_rules.MAX_REASON_CHARS:
            await message.reply_text(
                context.t(
                    "leave.reason_too_long", max=leave_rules.MAX_REASON_CHARS, length=len(reason)
                )
            )
            return
        new = {**form, "step": "attach", "reason": reason}
    elif step == "attach" and (message.photo or message.document):
        if message.photo:
            new = {**form, "step": "preview", "attachment_kind": "photo"}
            new["attachment_file_id"] = message.photo[-1].file_id
        else:
            new = {**form, "step": "preview", "attachment_kind": "document"}
            new["attachment_file_id"] = message.document.file_id
    else:
        await message.reply_text(context.t("leave.expecting_attach"))
        return

    if not await _store_form(context, update.update_id, person_id, new, now):
        await message.reply_text(context.t("leave.duplicate"))
        return
    if new["step"] == "attach":
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.label("leave.skip"), callback_data=pack(Action.LEAVE_FORM, "skip")
                    )
                ]
            ]
        )
        await message.reply_text(context.t("leave.ask_attachment"), reply_markup=keyboard)
    else:
        text, keyboard = await _preview(context, new)
        await message.reply_text(text, reply_markup=keyboard)


# -- sending -----------------------------------------------------------------------------


async def _store_form(
    context: Context,
    update_id: int,
    person_id: int,
    form: dict[str, Any] | None,
    now: datetime,
) -> bool:
    """Save the request being written (drop it, for None), once per update; False if seen."""

    async def op(tx: Tx) -> bool:
        if not await updates.claim(tx, update_id, now):
            return False
        if form is None:
            await leave.drop_form(tx, person_id, leave.FORM_ASK)
        else:
            await leave.save_form(tx, person_id, leave.FORM_ASK, form, now)
        return True

    return await context.db.write(op)


async def send_request(update: Update, context: Context, form: dict[str, Any]) -> None:
    """Turn the form into a pending request and queue the cards to the class managers."""
    query = update.callback_query
    viewer = viewer_of(context)
    person_id = viewer.person.id
    now = context.bot_data.clock.now()
    data = context.bot_data
    over = await _over_session(context, form)
    if over is not None:
        await _alert(update, context, "session_over_alert")
        await query.message.reply_text(context.t("leave.session_over", title=over.title))
        return

    async def send(tx: Tx) -> str | int:
        if not await updates.claim(tx, update.update_id, now):
            return "duplicate"
        current = await leave.get_form(tx, person_id, leave.FORM_ASK)
        if current != form:
            return "stale"
        if not await leave.is_trainee(tx, form["class_id"], person_id):
            return "stale"
        info = await notices.class_info(tx, form["class_id"])
        sessions = await leave.sessions_by_id(tx, form["chosen"])
        levels = leave_rules.levels_required(
            [s.slot for s in sessions], info.settings.leave_second_level_hours, info.zone
        )
        request_id = await leave.create_request(
            tx,
            class_id=form["class_id"],
            person_id=person_id,
            reason=form["reason"],
            attachment_file_id=form.get("attachment_file_id"),
            attachment_kind=form.get("attachment_kind"),
            sessions=sessions,
            levels_required=levels,
            now=now,
        )
        if request_id is None:
            return "taken"
        await leave.drop_form(tx, person_id, leave.FORM_ASK)
        await audit.record(
            tx,
            at=now,
            actor=f"telegram:{viewer.user_id}",
            actor_id=person_id,
            action="leave.request",
            class_id=form["class_id"],
            subject=f"leave:{request_id}",
            details={"sessions": form["chosen"], "levels": levels},
        )
        request = await leave.get_request(tx, request_id)
        await notices.queue_cards(tx, data, info, request, 1, now)
        return request_id

    result = await context.db.write(send)
    if isinstance(result, str):
        label = {"duplicate": "duplicate_alert", "taken": "taken"}.get(result)
        if label:
            await _alert(update, context, label)
        else:
            await answer(query, context.label("buttons.stale"))
        return
    data.outbox.wake()
    await answer(query)
    await leave_jobs.replan(data)
    request = await leave.get_request(context.db, result)
    await query.edit_message_text(
        context.t(
            "leave.sent", levels=request.levels_required, hours=leave_limit.show(request.hours)
        ),
        reply_markup=notices.one_button(
            context.texts, context.locale, "cancel_request", pack(Action.LEAVE_CANCEL, result)
        ),
    )


def register(app: Application) -> None:
    """Add /leave, /back, /pending, the leave buttons, and the form's text/photo/document."""
    app.add_handler(CommandHandler("leave", start_leave, filters=PRIVATE))
    app.add_handler(CommandHandler("back", leave_back.report_back, filters=PRIVATE))
    app.add_handler(
        CallbackQueryHandler(pressed_pick, pattern=_is(Action.LEAVE_PICK, Action.LEAVE_DAY))
    )
    app.add_handler(CallbackQueryHandler(pressed_form, pattern=_is(Action.LEAVE_FORM)))
    app.add_handler(
        CallbackQueryHandler(leave_back.pressed_cancel, pattern=_is(Action.LEAVE_CANCEL))
    )
    app.add_handler(CallbackQueryHandler(leave_back.report_back, pattern=_is(Action.LEAVE_BACK)))
    leave_decide.register(app, _is)
    leave_dismissal.register(app, _is)
    # Free text, photos and documents: taken only while a leave form waits for them.
    app.add_handler(
        MessageHandler(
            PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL),
            on_message,
        ),
        group=FORM_GROUP,
    )
