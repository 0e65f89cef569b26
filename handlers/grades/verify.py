"""/verify NUMBER CODE: anyone, bound to the bot or not, checks a certificate of completion.

The number finds the certificate issued; the code is computed again from its content as
stored and compared in constant time (bot/graduation/certificates.py). A wrong code, an
unknown number or a content changed behind the bot's back all get the same plain "not
found", so the answer tells a forger nothing. A genuine one shows what it says, for the
reader to compare with the paper: the name, unit, class, dates and hours printed on it, and
nothing more (no score, no phone).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import Context
from bot.graduation.certificates import (
    CertificateContent,
    certificate_secret,
    code_matches,
    typed_number,
)
from storage import classes, grades


async def verify_command(update: Update, context: Context) -> None:
    """Answer whether such a certificate was issued, and to whom."""
    message = update.effective_message
    args = context.args or []
    if len(args) < 2:
        await message.reply_text(context.t("grades.verify_usage"))
        return
    number, code = typed_number(args[0]), "".join(args[1:])
    found = await grades.certificate_by_number(context.db, number)
    secret = await certificate_secret(context.db, context.bot_data.config.cert_secret)
    if found is None or secret is None or not code_matches(secret, found.content, code):
        await message.reply_text(context.t("grades.verify_not_found"))
        return
    content = CertificateContent.from_canonical(found.content)
    klass = await classes.by_id(context.db, found.class_id)
    zone = ZoneInfo(klass.timezone if klass else "UTC")
    revoked = found.revoked_at.astimezone(zone).date() if found.revoked_at else None
    await message.reply_text(
        context.t(
            "grades.verify_found",
            c=content,
            start=date.fromisoformat(content.start_date),
            end=date.fromisoformat(content.end_date),
            issued=date.fromisoformat(content.issued),
            revoked=revoked,
        )
    )
