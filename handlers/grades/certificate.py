"""A graduate's certificate on demand, from /me: for those not bound when the results were
published (they were told nothing then) and for anyone who lost the file."""

from __future__ import annotations

from telegram import InputFile, Update

from bot import permissions
from bot.buttons import CertificateSend
from bot.context import Context
from bot.graduation.certificates import (
    CertificateContent,
    certificate_document,
    certificate_secret,
    file_name,
    shown_code,
    verification_code,
)
from bot.permissions import Capability
from handlers.common import StalePress, answer, viewer_of
from storage import classes, grades


async def pressed_send(update: Update, context: Context, button: CertificateSend) -> None:
    """Send the presser their certificate of the class, if one was issued and still holds."""
    person_id = viewer_of(context).person.id
    db = context.db
    if not await permissions.holds(db, Capability.CHECK_IN, button.class_id, person_id):
        raise StalePress
    found = await grades.certificate_of(db, button.class_id, person_id)
    told = await grades.result_of(db, button.class_id, person_id)
    secret = await certificate_secret(db, context.bot_data.config.cert_secret)
    klass = await classes.by_id(db, button.class_id)
    if (
        found is None
        or found.revoked_at is not None
        or told is None
        or not told.result["graduates"]
        or secret is None
        or klass is None
    ):
        raise StalePress  # not published to them, not a graduate, or revoked since
    await answer(update.callback_query)
    content = CertificateContent.from_canonical(found.content)
    code = verification_code(secret, found.content)
    data = certificate_document(context.texts, context.locale, content, code)
    caption = context.t(
        "grades.certificate_caption",
        class_name=klass.name,
        number=content.number,
        code=shown_code(code),
    )
    await update.effective_message.reply_document(
        InputFile(data, filename=file_name(content)), caption=caption
    )
