"""/announce: a class manager or admin sends a notice to a class, after a preview.

``/announce <text>`` starts a form (table ``forms``, so a restart loses nothing): pick the
class (if more than one), the audience (everyone or trainees only), then send. The notice
goes through the outbox under ``announce:<id>:person:<id>``; the report button shows how
many received it, how many are waiting, and who could not be reached.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, pack, unpack
from bot.context import Context, Viewer
from bot.outbox import message
from bot.rules import class_settings
from bot.rules.locales import recipient_locale
from bot.rules.roles import Role
from handlers.common import PRIVATE, answer, viewer_of
from storage import announce as store
from storage import outbox
from storage.db import Tx

MAX_LENGTH = 3500  # Telegram allows 4096; the heading needs room
_ALLOWED = frozenset({Role.MANAGER.value, Role.ADMIN.value})
_ACTIONS = frozenset(
    {
        Action.ANNOUNCE_CLASS,
        Action.ANNOUNCE_AUDIENCE,
        Action.ANNOUNCE_SEND,
        Action.ANNOUNCE_CANCEL,
        Action.ANNOUNCE_REPORT,
    }
)


def _classes(viewer: Viewer) -> dict[int, str]:
    return {m.klass.id: m.klass.name for m in viewer.memberships if m.roles & _ALLOWED}


def _class_locale(viewer: Viewer, class_id: int) -> str:
    """The class's own language: what a recipient who chose none reads."""
    klass = next(m.klass for m in viewer.memberships if m.klass.id == class_id)
    return class_settings.from_json(klass.settings).locale


async def start(update: Update, context: Context) -> None:
    """Begin an announcement with the text after the command."""
    viewer = viewer_of(context)
    reply = update.effective_message.reply_text
    classes = _classes(viewer)
    if viewer.person is None or not classes:
        await reply(context.t("announce.not_allowed"))
        return
    text = (update.effective_message.text or "").split(maxsplit=1)
    body = text[1].strip() if len(text) > 1 else ""
    if not body:
        await reply(context.t("announce.usage"))
        return
    if len(body) > MAX_LENGTH:
        await reply(context.t("announce.too_long", limit=MAX_LENGTH))
        return
    form: dict[str, Any] = {"text": body, "class_id": None, "audience": None}
    if len(classes) == 1:
        form["class_id"] = next(iter(classes))
    person_id, now = viewer.person.id, context.bot_data.clock.now()
    await context.db.write(lambda tx: store.save_form(tx, person_id, form, now))
    text, keyboard = await _preview(context, classes, form)
    await reply(text, reply_markup=keyboard)


async def _preview(
    context: Context, classes: dict[int, str], form: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    class_id, audience = form["class_id"], form["audience"]
    rows: list[list[InlineKeyboardButton]] = []
    count = None
    if class_id is None:
        for cid, name in classes.items():
            rows.append(
                [InlineKeyboardButton(name, callback_data=pack(Action.ANNOUNCE_CLASS, cid))]
            )
    elif audience is None:
        for choice in ("all", "trainees"):
            label = context.label(f"announce.audience_{choice}")
            rows.append(
                [InlineKeyboardButton(label, callback_data=pack(Action.ANNOUNCE_AUDIENCE, choice))]
            )
    else:
        found = await store.audience(context.db, class_id, audience == "trainees")
        count = len(found.bound)
        label = context.label("announce.send_button", count=count)
        rows.append([InlineKeyboardButton(label, callback_data=pack(Action.ANNOUNCE_SEND))])
    rows.append(
        [
            InlineKeyboardButton(
                context.label("announce.cancel_button"), callback_data=pack(Action.ANNOUNCE_CANCEL)
            )
        ]
    )
    text = context.t(
        "announce.preview",
        class_name=classes.get(class_id) if class_id else None,
        audience=audience,
        count=count,
        text=form["text"],
    )
    return text, InlineKeyboardMarkup(rows)


async def press(update: Update, context: Context) -> None:
    """A button of the form or of the report."""
    query = update.callback_query
    callback = unpack(query.data)
    viewer = viewer_of(context)
    classes = _classes(viewer)
    if callback is None or viewer.person is None or not classes:
        await answer(query, context.label("buttons.stale"))
        return
    person_id, now = viewer.person.id, context.bot_data.clock.now()
    if callback.action is Action.ANNOUNCE_REPORT:
        await _report(update, context, int(callback.args[0]), person_id, classes)
        return
    form = await store.form(context.db, person_id)
    if form is None:
        await answer(query, context.label("buttons.stale"))
        return
    if callback.action is Action.ANNOUNCE_CANCEL:
        await context.db.write(lambda tx: store.drop_form(tx, person_id))
        await answer(query)
        await query.edit_message_text(context.t("announce.cancelled"))
        return
    if callback.action is Action.ANNOUNCE_SEND:
        await _send(update, context, form, person_id, classes)
        return
    if callback.action is Action.ANNOUNCE_CLASS and int(callback.args[0]) in classes:
        form = {**form, "class_id": int(callback.args[0])}
    elif callback.action is Action.ANNOUNCE_AUDIENCE and callback.args[0] in ("all", "trainees"):
        if form["class_id"] is None:
            await answer(query, context.label("buttons.stale"))
            return
        form = {**form, "audience": callback.args[0]}
    else:
        await answer(query, context.label("buttons.stale"))
        return
    await context.db.write(lambda tx: store.save_form(tx, person_id, form, now))
    text, keyboard = await _preview(context, classes, form)
    await answer(query)
    await query.edit_message_text(text, reply_markup=keyboard)


async def _send(
    update: Update, context: Context, form: dict[str, Any], person_id: int, classes: dict[int, str]
) -> None:
    query = update.callback_query
    class_id, audience = form.get("class_id"), form.get("audience")
    if class_id not in classes or audience not in ("all", "trainees"):
        await answer(query, context.label("buttons.stale"))
        return
    data, now = context.bot_data, context.bot_data.clock.now()
    sender = viewer_of(context).person
    assert sender is not None
    class_locale = _class_locale(viewer_of(context), class_id)

    async def op(tx: Tx) -> tuple[int, int, int] | None:
        if not await store.drop_form(tx, person_id):
            return None  # sent by an earlier press
        found = await store.audience(tx, class_id, audience == "trainees")
        details = {"audience": audience, "queued": len(found.bound), "unbound": found.unbound}
        announcement_id = await store.record(
            tx, actor_id=person_id, class_id=class_id, details=details, now=now
        )
        cache: dict[str, dict[str, Any]] = {}
        rows = []
        for pid, chat_id, locale in found.bound:
            loc = recipient_locale(locale, class_locale, data.config.locale)
            if loc not in cache:
                cache[loc] = message(
                    data.texts.render(
                        loc,
                        "announce.notice",
                        class_name=classes[class_id],
                        sender=sender.name,
                        text=form["text"],
                    )
                )
            rows.append(
                {
                    "key": f"announce:{announcement_id}:person:{pid}",
                    "chat_id": chat_id,
                    "person_id": pid,
                    "payload": cache[loc],
                }
            )
        await outbox.enqueue_many(tx, rows, now=now)
        return announcement_id, len(found.bound), found.unbound

    result = await context.db.write(op)
    if result is None:
        await answer(query, context.label("buttons.stale"))
        return
    data.outbox.wake()
    announcement_id, queued, unbound = result
    await answer(query)
    await query.edit_message_text(
        context.t("announce.queued", queued=queued, unbound=unbound, text=form["text"]),
        reply_markup=_report_button(context, announcement_id),
    )


def _report_button(context: Context, announcement_id: int) -> InlineKeyboardMarkup:
    label = context.label("announce.report_button")
    data = pack(Action.ANNOUNCE_REPORT, announcement_id)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


async def _report(
    update: Update, context: Context, announcement_id: int, person_id: int, classes: dict[int, str]
) -> None:
    query = update.callback_query
    found = await store.announcement(context.db, announcement_id)
    if found is None or (found.actor_id != person_id and found.class_id not in classes):
        await answer(query, context.label("buttons.stale"))
        return
    prefix = f"announce:{announcement_id}:"
    counts = await outbox.counts(context.db, prefix)
    names = await store.unreached(context.db, prefix)
    text = context.t(
        "announce.report",
        class_name=classes.get(found.class_id or 0, ""),
        sent=counts.get("sent", 0),
        pending=counts.get("pending", 0),
        unreached=names,
        unbound=found.details.get("unbound", 0),
    )
    await answer(query)
    try:
        await query.edit_message_text(text, reply_markup=_report_button(context, announcement_id))
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


def register(app: Application) -> None:
    """Add /announce and its buttons."""
    app.add_handler(CommandHandler("announce", start, filters=PRIVATE))
    app.add_handler(
        CallbackQueryHandler(
            press, pattern=lambda d: (c := unpack(d)) is not None and c.action in _ACTIONS
        )
    )
