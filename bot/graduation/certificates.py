"""Completion certificates (结业证书): their numbers, their verification codes, their .docx.

A certificate's verification code is an HMAC-SHA256, under a secret, of the canonical JSON
of what the certificate says (number, name, unit, class, dates, class hours, school, date of
issue), cut to 10 characters of an alphabet without 0/O, 1/I: short enough to type, 50 bits,
so guessing one through the bot is hopeless. /verify looks the number up, computes the code
again from the content *as stored* and compares in constant time: a forged number, a wrong
code or a stored content changed behind the bot's back all answer "not found"; a
certificate whose printed name or hours were altered shows, on /verify, what was really
issued.

The secret is TRAINEE_BOT_CERT_SECRET when set, else one the bot makes once and keeps in
its database (table app_secrets), so codes stay the same across restarts. Changing the
configured secret changes every code: set it before the first publication, or never. It is
never printed, logged or exported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Final

from bot import docx
from bot.config import Secret
from bot.rules.class_settings import ClassSettings
from bot.rules.locales import Locale
from bot.texts import Texts
from storage import grades
from storage.db import Queryable, Tx

SECRET_NAME: Final = "certificate_hmac"
# 32 symbols, none that reads as another: no 0/O, no 1/I.
ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_CHARS: Final = 10
SEQUENCE_DIGITS: Final = 3


@dataclass(frozen=True)
class CertificateContent:
    """What a certificate says: every field is covered by its verification code."""

    number: str
    name: str
    unit: str
    class_name: str
    start_date: str  # ISO local dates
    end_date: str
    hours: str  # the class's total class hours, as shown
    school: str
    issued: str  # the local date of the first publication

    def canonical(self) -> str:
        """The one serialisation the code is computed from (stored as is)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_canonical(cls, text: str) -> CertificateContent:
        """Read a stored content back."""
        return cls(**json.loads(text))


def verification_code(secret: str, canonical: str) -> str:
    """The code of a certificate's canonical content under the secret (10 characters)."""
    digest = hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_CHARS)
    chars = []
    for _ in range(CODE_CHARS):
        chars.append(ALPHABET[bits & 31])
        bits >>= 5
    return "".join(reversed(chars))


def shown_code(code: str) -> str:
    """A code as printed: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def typed_code(text: str) -> str:
    """A code as someone typed it, folded: any case, full-width, spaces and dashes off."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if ch not in " -_")


def code_matches(secret: str, canonical: str, typed: str) -> bool:
    """Whether a typed code is the code of this content (compared in constant time)."""
    return hmac.compare_digest(verification_code(secret, canonical), typed_code(typed))


def number_of(settings: ClassSettings, class_id: int, end_date: date, sequence: int) -> str:
    """A certificate's number: prefix-year-class code-sequence (XQDX-2026-CJ07-001)."""
    parts = [
        settings.certificate_prefix or "",
        str(settings.certificate_year or end_date.year),
        settings.class_code or f"{class_id:02d}",
        f"{sequence:0{SEQUENCE_DIGITS}d}",
    ]
    return "-".join(part for part in parts if part).upper()


def typed_number(text: str) -> str:
    """A number as someone typed it: full-width folded, spaces off, letters upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


async def certificate_secret(db: Queryable, configured: Secret | None) -> str | None:
    """The secret codes are computed with: the configured one, else the stored one (None
    before the bot made one, when no certificate can exist)."""
    if configured is not None:
        return configured.reveal()
    return await grades.stored_secret(db, SECRET_NAME)


async def issuing_secret(tx: Tx, configured: Secret | None, now: datetime) -> str:
    """The secret to issue with, made and kept the first time when none is configured."""
    if configured is not None:
        return configured.reveal()
    return await grades.secret(tx, SECRET_NAME, lambda: secrets.token_urlsafe(32), now)


def certificate_document(
    texts: Texts, locale: Locale, content: CertificateContent, code: str
) -> bytes:
    """A certificate as a .docx (A4 landscape), from templates/<locale>/certificate.xml."""
    body = texts.xml(
        locale,
        "certificate.certificate",
        c=content,
        start=date.fromisoformat(content.start_date),
        end=date.fromisoformat(content.end_date),
        issued=date.fromisoformat(content.issued),
        code=shown_code(code),
    )
    title = texts.plain(locale, "grades.certificate_title", number=content.number)
    return docx.document(body, title=title, landscape=True)


async def issued(
    db: Queryable, class_id: int, configured: Secret | None
) -> list[tuple[CertificateContent, str]]:
    """Every certificate of the class issued and not revoked, in number order, with its
    verification code: what ``trainee-bot certificates`` and the records export write."""
    secret = await certificate_secret(db, configured)
    if secret is None:
        return []  # no secret was ever made: no certificate was ever issued
    return [
        (CertificateContent.from_canonical(c.content), verification_code(secret, c.content))
        for c in (await grades.certificates_of_class(db, class_id)).values()
        if c.revoked_at is None
    ]


def file_name(content: CertificateContent) -> str:
    """The certificate's file name: its number and the graduate's name."""
    safe = "".join(ch for ch in content.name if ch not in '\\/:*?"<>|').strip() or "certificate"
    return f"{content.number}-{safe}.docx"
