"""/export: a class's workbook and a .zip of its training files, for its class managers and
admins. With several classes, a button per class (or ``/export NAME``, part of a name)."""

from __future__ import annotations

from telegram import Update

from bot import permissions
from bot.buttons import ExportClass, keyboard
from bot.context import Context
from bot.permissions import Capability
from bot.records import export
from handlers.common import StalePress, answer, viewer_of
from storage import classes, updates


async def export_command(update: Update, context: Context) -> None:
    """Export the viewer's class, or offer their classes to choose from."""
    message = update.effective_message
    if await updates.was_processed(context.db, update.update_id):
        return  # a redelivery: the documents went out the first time
    found = [m.klass for m in viewer_of(context).classes_where(Capability.EXPORT_RECORDS)]
    wanted = " ".join(context.args or []).strip()
    if wanted:
        found = [k for k in found if wanted.casefold() in k.name.casefold()]
        if not found:
            await message.reply_text(context.t("records.export_no_class", name=wanted))
            return
    if len(found) == 1:
        await _send(update, context, found[0].id)
    else:
        rows = [[(k.name, ExportClass(k.id))] for k in found]
        await message.reply_text(context.t("records.export_choose"), reply_markup=keyboard(rows))
    await context.db.write(
        lambda tx: updates.claim(tx, update.update_id, context.bot_data.clock.now())
    )


async def pressed_export(update: Update, context: Context, button: ExportClass) -> None:
    """A class's button: its records, if the presser may still export them."""
    person_id = viewer_of(context).person.id
    if not await permissions.holds(
        context.db, Capability.EXPORT_RECORDS, button.class_id, person_id
    ):
        raise StalePress
    await answer(update.callback_query)
    await _send(update, context, button.class_id)


async def _send(update: Update, context: Context, class_id: int) -> None:
    row = await classes.by_id(context.db, class_id)
    if row is None:
        raise StalePress
    message = update.effective_message
    now = context.bot_data.clock.now()
    book, archive = await export.as_documents(
        context.db, row, context.texts, now, secret=context.bot_data.config.cert_secret
    )
    await message.reply_document(
        document=book[1],
        filename=book[0],
        caption=context.t("records.export_workbook", class_name=row.name),
    )
    await message.reply_document(
        document=archive[1],
        filename=archive[0],
        caption=context.t("records.export_files", class_name=row.name),
    )
