"""/audit [name]: the latest entries of the audit log of the viewer's class, newest first,
a page at a time; with a name, only what that person did or what was done about them."""

from __future__ import annotations

from telegram import Update

from bot import permissions
from bot.buttons import AuditPage, keyboard
from bot.context import Context
from bot.permissions import Capability
from handlers.common import StalePress, answer, edit_or_send, reply_pages, viewer_of
from handlers.records.views import audit_view
from storage import records, updates

MAX_NAME = 40  # characters of a name to look for


async def audit_command(update: Update, context: Context) -> None:
    """The first page of the class's log, or buttons to choose a class or a person."""
    message = update.effective_message
    if await updates.was_processed(context.db, update.update_id):
        return
    name = " ".join(context.args or []).strip()
    if len(name) > MAX_NAME:
        await message.reply_text(context.t("records.audit_bad_name", max=MAX_NAME))
        return
    found = [m.klass for m in viewer_of(context).classes_where(Capability.SEE_AUDIT)]
    choices: list[tuple[str, AuditPage]] = []
    for klass in found:
        if not name:
            choices.append((klass.name, AuditPage(klass.id, 0, 0)))
            continue
        for pid, who, unit in await records.people_named(context.db, klass.id, name):
            label = context.label(
                "records.audit_person", name=who, unit=unit or "", class_name=klass.name
            )
            choices.append((label, AuditPage(klass.id, pid, 0)))
    if not choices:
        await message.reply_text(context.t("records.audit_nobody", name=name))
    elif len(choices) == 1:
        button = choices[0][1]
        shown = await audit_view(context, button.class_id, button.person_id, 0)
        assert shown is not None
        await reply_pages(message, shown[0], reply_markup=shown[1])
    else:
        await message.reply_text(
            context.t("records.audit_choose", name=name),
            reply_markup=keyboard([[choice] for choice in choices[:20]]),
        )
    await context.db.write(
        lambda tx: updates.claim(tx, update.update_id, context.bot_data.clock.now())
    )


async def pressed_page(update: Update, context: Context, button: AuditPage) -> None:
    """A page of a class's log, if the presser may still see it."""
    person_id = viewer_of(context).person.id
    if not await permissions.holds(context.db, Capability.SEE_AUDIT, button.class_id, person_id):
        raise StalePress
    shown = await audit_view(context, button.class_id, button.person_id, button.page)
    if shown is None:
        raise StalePress
    await answer(update.callback_query)
    await edit_or_send(update.callback_query, shown[0], reply_markup=shown[1])
