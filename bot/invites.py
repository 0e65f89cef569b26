"""Printable invitations: a sheet of cards, one per person, with a QR code of their link.

For schools that hand invitations out on paper (a class meeting, a registration desk): each
card has the person's name, unit and class and a QR code of their personal t.me link, which a
phone's camera opens in Telegram; pressing Start binds them. Written as .docx through
bot/docx.py (the project's one way to write Word documents: no font to embed, WPS and Word
lay out Chinese with their own), two cards a row and four rows an A4 page, to cut apart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno

from bot import docx
from bot.rules.locales import Locale
from bot.texts import Texts

QR_SCALE = 6  # pixels a module: sharp at 2.8 cm when printed


@dataclass(frozen=True)
class Invite:
    """One person's invitation."""

    class_name: str
    name: str
    unit: str | None
    code: str
    link: str


def qr_png(link: str) -> bytes:
    """The QR code of a link as PNG (segno: error correction M, as /code's QR)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=QR_SCALE, border=2)
    return out.getvalue()


def cards_docx(texts: Texts, locale: Locale, invites: Sequence[Invite]) -> bytes:
    """The .docx of every invitation's card, in the order given."""
    cards = [
        {
            "class_name": invite.class_name,
            "name": invite.name,
            "unit": invite.unit,
            "code": invite.code,
            "image": n,
        }
        for n, invite in enumerate(invites, start=1)
    ]
    body = texts.xml(locale, "invites.cards", cards=cards)
    return docx.document(
        body,
        title=texts.plain(locale, "cli.invites_title"),
        images=[qr_png(invite.link) for invite in invites],
    )
