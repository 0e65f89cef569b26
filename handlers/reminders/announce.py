"""/announce: a class manager or admin sends a notice to a class, after a preview.

``/announce <text>`` starts a form (kind ``announce``, so a restart loses nothing): pick the
class (if more than one), the audience (everyone or trainees only), then send. The notice
goes through the outbox under ``announce:<id>:person:<id>``; the report button shows how
many received it, how many are waiting, and who could not be reached.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.buttons import (
    AnnounceAudience,
    AnnounceCancel,
    AnnounceClass,
    AnnounceReport,
    AnnounceSend,
    Audience,
    Button,
    keyboard,
    one_button,
)
from bot.context import Context, Viewer
from bot.outbox import messages
from bot.permissions import Capability
from bot.rules.class_settings import from_json
from bot.rules.locales import Locale
from bot.rules.roles import Role
from bot.texts import MESSAGE_LIMIT, utf16_len
from handlers.common import StalePress, answer, viewer_of
from handlers.reminders import flows
from storage import audit, classes, forms, outbox
from storage.forms import FormKind

MAX_LENGTH = 3500  # UTF-16 units: Telegram allows 4096; the heading needs room
FormButton = AnnounceClass | AnnounceAudience | AnnounceSend | AnnounceCancel


def _classes(viewer: Viewer) -> dict[int, str]:
    return {m.klass.id: m.klass.name for m in viewer.classes_where(Capability.ANNOUNCE)}


async def start(update: Update, context: Context) -> None:
    """Begin an announcement with the text after the command."""
    viewer = viewer_of(context)
    reply = update.effective_message.reply_text
    classes_ = _classes(viewer)
    text = (update.effective_message.text or "").split(maxsplit=1)
    body = text[1].strip() if len(text) > 1 else ""
    if not body:
        await reply(context.t("announce.usage"))
        return
    if utf16_len(body) > MAX_LENGTH:  # as Telegram counts: an emoji is two
        await reply(context.t("announce.too_long", limit=MAX_LENGTH))
        return
    form: dict[str, Any] = {"text": body, "class_id": None, "audience": None}
    if len(classes_) == 1:
        form["class_id"] = next(iter(classes_))
    person_id, now = viewer.person.id, context.bot_data.clock.now()
    text, markup = await _preview(context, classes_, form)
    if utf16_len(text) > MESSAGE_LIMIT:  # the preview is edited in place: one message
        await reply(context.t("announce.too_long", limit=MAX_LENGTH))
        return
    await context.db.write(lambda tx: forms.save(tx, person_id, FormKind.ANNOUNCE, form, now))
    await reply(text, reply_markup=markup)


def _roles(audience: str) -> frozenset[Role]:
    return frozenset({Role.TRAINEE}) if audience == Audience.TRAINEES else frozenset(Role)


async def _preview(
    context: Context, classes_: dict[int, str], form: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    class_id, audience = form["class_id"], form["audience"]
    rows: list[list[tuple[str, Button]]] = []
    count = unbound = None
    if class_id is None:
        rows += [[(name, AnnounceClass(cid))] for cid, name in classes_.items()]
    elif audience is None:
        rows += [
            [(context.label(f"announce.audience_{choice.value}"), AnnounceAudience(choice))]
            for choice in Audience
        ]
    else:
        found = await classes.members(context.db, class_id, _roles(audience))
        count = sum(1 for p in found if p.telegram_user_id is not None)
        unbound = len(found) - count  # said before sending, not only after
        rows.append([(context.label("announce.send_button", count=count), AnnounceSend())])
    rows.append([(context.label("announce.cancel_button"), AnnounceCancel())])
    text = context.t(
        "announce.preview",
        class_name=classes_.get(class_id) if class_id else None,
        audience=audience,
        count=count,
        unbound=unbound,
        text=form["text"],
    )
    return text, keyboard(rows)


async def pressed(update: Update, context: Context, button: FormButton) -> None:
    """A button of the form: class, audience, send or cancel."""
    query = update.callback_query
    viewer = viewer_of(context)
    classes_ = _classes(viewer)
    person_id, now = viewer.person.id, context.bot_data.clock.now()
    form = await forms.get(context.db, person_id, FormKind.ANNOUNCE)
    if not classes_ or form is None:
        raise StalePress
    if isinstance(button, AnnounceCancel):
        await context.db.write(lambda tx: forms.drop(tx, person_id, FormKind.ANNOUNCE))
        await answer(query)
        await query.edit_message_text(context.t("announce.cancelled"))
        return
    if isinstance(button, AnnounceSend):
        await _send(update, context, form, classes_)
        return
    if isinstance(button, AnnounceClass) and button.class_id in classes_:
        form = {**form, "class_id": button.class_id}
    elif isinstance(button, AnnounceAudience) and form["class_id"] is not None:
        form = {**form, "audience": button.audience.value}
    else:
        raise StalePress
    await context.db.write(lambda tx: forms.save(tx, person_id, FormKind.ANNOUNCE, form, now))
    text, markup = await _preview(context, classes_, form)
    await answer(query)
    await query.edit_message_text(text, reply_markup=markup)


async def _send(
    update: Update, context: Context, form: dict[str, Any], classes_: dict[int, str]
) -> None:
    query = update.callback_query
    class_id, audience = form.get("class_id"), form.get("audience")
    if class_id not in classes_ or audience not in set(Audience):
        raise StalePress
    viewer = viewer_of(context)
    data, now = context.bot_data, context.bot_data.clock.now()
    klass = next(m.klass for m in viewer.memberships if m.klass.id == class_id)

    def render(locale: Locale) -> list[dict[str, Any]]:
        text = data.texts.render(
            locale,
            "announce.notice",
            class_name=classes_[class_id],
            sender=viewer.person.name,
            text=form["text"],
        )
        return messages(text)

    async def op(tx: Any) -> tuple[int, int, int] | None:
        people = await classes.members(tx, class_id, _roles(audience))
        sent = await flows.send_announcement(
            tx,
            person_id=viewer.person.id,
            class_id=class_id,
            audience=audience,
            people=people,
            render=render,
            class_locale=from_json(klass.settings).locale,
            data=data,
            now=now,
        )
        return None if sent is None else (*sent, len(people) - sent[1])

    result = await context.db.write(op)
    if result is None:
        raise StalePress
    announcement_id, queued, unbound = result
    await answer(query)
    await query.edit_message_text(
        context.t("announce.queued", queued=queued, unbound=unbound, text=form["text"]),
        reply_markup=_report_button(context, announcement_id),
    )


def _report_button(context: Context, announcement_id: int) -> InlineKeyboardMarkup:
    return one_button(context.label("announce.report_button"), AnnounceReport(announcement_id))


async def pressed_report(update: Update, context: Context, button: AnnounceReport) -> None:
    """Who received an announcement so far, who is waiting, who could not be reached."""
    query = update.callback_query
    viewer = viewer_of(context)
    classes_ = _classes(viewer)
    found = await audit.announcement(context.db, button.announcement_id)
    if (
        not classes_
        or found is None
        or (found.actor_id != viewer.person.id and found.class_id not in classes_)
    ):
        raise StalePress
    prefix = f"announce:{button.announcement_id}:"
    counts = await outbox.counts(context.db, prefix)
    text = context.t(
        "announce.report",
        class_name=classes_.get(found.class_id or 0, ""),
        sent=counts.get("sent", 0),
        pending=counts.get("pending", 0),
        unreached=await outbox.unreached_names(context.db, prefix),
        unbound=found.details.get("unbound", 0),
    )
    await answer(query)
    try:
        await query.edit_message_text(
            text, reply_markup=_report_button(context, button.announcement_id)
        )
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
