"""What a publication does to certificates, inside its transaction: issue one to each new
graduate (the next number of the class), re-issue under its number one whose content
changed (or that is restored), revoke one whose holder no longer graduates; each audited
with what changed. The documents go out through the outbox after the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.context import BotData
from bot.graduation import ClassGrades, GradeOutcome
from bot.graduation.certificates import (
    CertificateContent,
    certificate_document,
    file_name,
    issuing_secret,
    number_of,
    shown_code,
    verification_code,
)
from bot.outbox import document
from bot.rules.locales import recipient_locale
from storage import audit, grades, outbox
from storage.db import Tx
from storage.people import Recipient

# The fields of a certificate a re-issue reports as changed.
_FIELDS = ("name", "unit", "class_name", "start_date", "end_date", "hours", "school")


class NumberTaken(Exception):
    """A certificate number is another class's: the publication must not happen."""

    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number


@dataclass(frozen=True)
class Change:
    """What a publication does to one trainee's certificate."""

    outcome: GradeOutcome
    content: CertificateContent | None  # a re-issue's new content; None for the others
    action: str  # "issue", "reissue", "revoke"


def changes(found: ClassGrades) -> list[Change]:
    """The certificates to issue, re-issue (content changed, or restored) and revoke."""
    plan = []
    for o in found.outcomes:
        existing = o.certificate
        if o.graduates and existing is None:
            plan.append(Change(o, None, "issue"))  # its number is given when written
        elif o.graduates and existing is not None:
            first = CertificateContent.from_canonical(existing.content).issued
            content = found.content_for(o, existing.number, date.fromisoformat(first))
            if content.canonical() != existing.content or existing.revoked_at is not None:
                plan.append(Change(o, content, "reissue"))
        elif existing is not None and existing.revoked_at is None:
            plan.append(Change(o, None, "revoke"))
    return plan


@dataclass
class Certified:
    """What applying the changes did."""

    issued: int = 0  # issued or re-issued
    revoked: int = 0
    codes: dict[int, tuple[str, str]] = field(default_factory=dict)  # person -> number, code
    documents: list[tuple[GradeOutcome, CertificateContent, str, int]] = field(default_factory=list)


async def apply(
    tx: Tx,
    data: BotData,
    found: ClassGrades,
    plan: list[Change],
    *,
    actor: str,
    by: int,
    now: datetime,
) -> Certified:
    """Write the changes, audited; raise NumberTaken before the first write that would
    give a number another class holds."""
    done = Certified()
    if not plan:
        return done
    class_id = found.row.id
    secret = await issuing_secret(tx, data.config.cert_secret, now)
    sequence = await grades.next_sequence(tx, class_id)
    end = date.fromisoformat(found.row.end_date)
    first = found.publication.first_at if found.publication else now
    issued_on = first.astimezone(ZoneInfo(found.row.timezone)).date()
    for change in plan:
        o = change.outcome
        if change.action == "issue":
            number = number_of(found.settings, class_id, end, sequence)
            if await grades.number_taken(tx, number):
                raise NumberTaken(number)
            content = found.content_for(o, number, issued_on)
            await grades.issue(
                tx,
                class_id=class_id,
                person_id=o.person_id,
                sequence=sequence,
                number=number,
                content=content.canonical(),
                now=now,
            )
            sequence += 1
            revision, details = 1, {"number": number, "revision": 1}
        else:
            assert o.certificate is not None
            before = CertificateContent.from_canonical(o.certificate.content)
            content = change.content or before
            revoked = change.action == "revoke"
            await grades.revise(
                tx, o.certificate.id, content=content.canonical(), revoked=revoked, now=now
            )
            revision = o.certificate.revision + 1
            details = {
                "number": o.certificate.number,
                "revision": revision,
                "changed": {
                    k: [getattr(before, k), getattr(content, k)]
                    for k in _FIELDS
                    if getattr(before, k) != getattr(content, k)
                },
            }
        await audit.record(
            tx,
            at=now,
            actor=actor,
            actor_id=by,
            action=f"certificate.{change.action}",
            class_id=class_id,
            subject=f"person:{o.person_id}",
            details=details,
        )
        if change.action == "revoke":
            done.revoked += 1
            continue
        done.issued += 1
        code = verification_code(secret, content.canonical())
        done.codes[o.person_id] = (content.number, code)
        done.documents.append((o, content, code, revision))
    return done


def kept(o: GradeOutcome) -> tuple[str, str]:
    """The certificate a graduate keeps unchanged: its number and code ('' if none)."""
    if not o.graduates or o.certificate is None or o.code is None:
        return "", ""
    return o.certificate.number, o.code


async def send(
    tx: Tx,
    data: BotData,
    found: ClassGrades,
    who: Recipient,
    content: CertificateContent,
    code: str,
    revision: int,
    now: datetime,
) -> None:
    """Queue a certificate's .docx to its graduate, once per revision."""
    assert who.telegram_user_id is not None
    locale = recipient_locale(who.locale, found.settings.locale, data.config.locale)
    caption = data.texts.render(
        locale,
        "grades.certificate_caption",
        class_name=found.row.name,
        number=content.number,
        code=shown_code(code),
    )
    payload = document(
        certificate_document(data.texts, locale, content, code),
        filename=file_name(content),
        caption=caption,
    )
    await outbox.enqueue(
        tx,
        key=f"grades:{found.row.id}:certificate:{content.number}:{revision}",
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        payload=payload,
        method="sendDocument",
        now=now,
    )
