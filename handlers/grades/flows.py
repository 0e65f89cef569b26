"""The work of graduation inside one transaction: publish a class's results (certificates
issued, re-issued or revoked, each trainee told through the outbox), a score typed in chat,
an appraisal. Each checks who may act at that moment, claims the update, changes, audits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from bot import permissions
from bot.context import BotData
from bot.graduation import ClassGrades, GradeOutcome, class_grades
from bot.graduation.certificates import (
    CertificateContent,
    certificate_document,
    file_name,
    issuing_secret,
    number_of,
    shown_code,
    verification_code,
)
from bot.outbox import document, message
from bot.permissions import Capability
from bot.rules.locales import recipient_locale
from storage import audit, classes, forms, grades, outbox, updates
from storage.db import Tx
from storage.forms import FormKind
from storage.people import Recipient


class Outcome(StrEnum):
    """What an action did; the value names the reply's template."""

    DONE = "done"
    SAME = "score_same"  # the score was that already
    DUPLICATE = "duplicate"  # this update was handled before
    STALE = "stale"  # no longer allowed, no such class or trainee
    NO_SCHEME = "no_scheme"
    NO_TRAINEES = "no_trainees"
    MISSING = "missing_confirm"  # scores are missing: publish only when confirmed
    NOTHING_CHANGED = "nothing_changed"
    NUMBER_TAKEN = "number_taken"


@dataclass
class Publication:
    """What a publication did, for the reply."""

    outcome: Outcome
    found: ClassGrades | None = None
    revision: int = 0
    told: int = 0
    unbound: int = 0
    certificates: int = 0
    revoked: int = 0
    number: str = ""  # a number another class holds
    missing: list[GradeOutcome] = field(default_factory=list)


class _NumberTaken(Exception):
    """A certificate number is another class's: the publication is rolled back whole."""

    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number


@dataclass(frozen=True)
class _Issue:
    """What a publication does to one graduate's certificate."""

    outcome: GradeOutcome
    content: CertificateContent | None  # None: revoke
    action: str  # "issue", "reissue", "revoke"


def _certificate_plan(found: ClassGrades, issued: date) -> list[_Issue]:
    """The certificates to issue, re-issue (content changed, or restored) and revoke."""
    plan = []
    for o in found.outcomes:
        existing = o.certificate
        if o.graduates and existing is None:
            plan.append(_Issue(o, None, "issue"))  # its number is given when written
        elif o.graduates and existing is not None:
            first = date.fromisoformat(CertificateContent.from_canonical(existing.content).issued)
            content = found.content_for(o, existing.number, first)
            if content.canonical() != existing.content or existing.revoked_at is not None:
                plan.append(_Issue(o, content, "reissue"))
        elif existing is not None and existing.revoked_at is None:
            plan.append(_Issue(o, None, "revoke"))
    return plan


async def publish(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    by: int,
    class_id: int,
    confirmed: bool,
    now: datetime,
) -> Publication:
    """Publish a class's results, or its corrections since the last publication."""
    if not await permissions.holds(tx, Capability.GRADE, class_id, by):
        return Publication(Outcome.STALE)
    found = await class_grades(tx, class_id, now, secret=data.config.cert_secret)
    if found is None:
        return Publication(Outcome.STALE)
    if not found.components:
        return Publication(Outcome.NO_SCHEME, found)
    if not found.outcomes:
        return Publication(Outcome.NO_TRAINEES, found)
    missing = [o for o in found.outcomes if o.missing]
    if missing and not confirmed:
        return Publication(Outcome.MISSING, found, missing=missing)
    zone = ZoneInfo(found.row.timezone)
    first = found.publication.first_at if found.publication else now
    certificates = _certificate_plan(found, first.astimezone(zone).date())
    changed = [o for o in found.outcomes if o.changed]
    if found.published and not changed and not certificates:
        return Publication(Outcome.NOTHING_CHANGED, found)
    if not await updates.claim(tx, update_id, now):
        return Publication(Outcome.DUPLICATE, found)
    try:
        return await _publish(tx, data, found, changed, certificates, actor, by, now)
    except _NumberTaken as taken:
        # Raised out of the write, which the database door then rolls back whole: nothing
        # of a publication half done is kept (run_publish turns it back into the answer).
        raise _Refused(Publication(Outcome.NUMBER_TAKEN, found, number=taken.number)) from None


class _Refused(Exception):
    """Carries a publication refused half-way out of its write, so that it rolls back."""

    def __init__(self, result: Publication) -> None:
        super().__init__(result.outcome.value)
        self.result = result


async def _publish(
    tx: Tx,
    data: BotData,
    found: ClassGrades,
    changed: list[GradeOutcome],
    certificates: list[_Issue],
    actor: str,
    by: int,
    now: datetime,
) -> Publication:
    class_id = found.row.id
    result = Publication(Outcome.DONE, found)
    result.revision = await grades.publish(tx, class_id, by, now)
    recipients = {r.person_id: r for r in await classes.members(tx, class_id, ["trainee"])}
    secret = await issuing_secret(tx, data.config.cert_secret, now) if certificates else ""
    sequence = await grades.next_sequence(tx, class_id)
    end = date.fromisoformat(found.row.end_date)
    zone = ZoneInfo(found.row.timezone)
    issued_on = (found.publication.first_at if found.publication else now).astimezone(zone)
    sent: dict[int, tuple[str, str]] = {}  # person id -> (number, code) of the certificate sent
    documents: list[tuple[Recipient, CertificateContent, str, int]] = []
    for plan in certificates:
        o = plan.outcome
        if plan.action == "issue":
            number = number_of(found.settings, class_id, end, sequence)
            if await grades.number_taken(tx, number):
                raise _NumberTaken(number)
            content = found.content_for(o, number, issued_on.date())
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
            details: dict[str, object] = {"number": number, "revision": 1}
        else:
            assert o.certificate is not None
            before = CertificateContent.from_canonical(o.certificate.content)
            content = plan.content or before
            await grades.revise(
                tx,
                o.certificate.id,
                content=content.canonical(),
                revoked=plan.action == "revoke",
                now=now,
            )
            details = {
                "number": o.certificate.number,
                "revision": o.certificate.revision + 1,
                "changed": {
                    k: [getattr(before, k), getattr(content, k)]
                    for k in (
                        "name",
                        "unit",
                        "class_name",
                        "start_date",
                        "end_date",
                        "hours",
                        "school",
                    )
                    if getattr(before, k) != getattr(content, k)
                },
            }
        await audit.record(
            tx,
            at=now,
            actor=actor,
            actor_id=by,
            action=f"certificate.{plan.action}",
            class_id=class_id,
            subject=f"person:{o.person_id}",
            details=details,
        )
        if plan.action == "revoke":
            result.revoked += 1
            continue
        result.certificates += 1
        code = verification_code(secret, content.canonical())
        sent[o.person_id] = (content.number, code)
        who = recipients.get(o.person_id)
        if who is not None and who.telegram_user_id is not None:
            documents.append((who, content, code, int(details["revision"])))  # type: ignore[call-overload]
    for o in changed:
        revision = await grades.save_result(tx, class_id, o.person_id, o.snapshot(), now)
        who = recipients.get(o.person_id)
        if who is None or who.telegram_user_id is None:
            result.unbound += 1
            continue
        number, code = sent.get(o.person_id) or _kept(o)
        locale = recipient_locale(who.locale, found.settings.locale, data.config.locale)
        text = data.texts.render(
            locale,
            "grades.result",
            class_name=found.row.name,
            r=o.snapshot(),
            certificate={"number": number, "code": shown_code(code)} if number else None,
            corrected=revision > 1,
        )
        await outbox.enqueue(
            tx,
            key=f"grades:{class_id}:result:{o.person_id}:{revision}",
            chat_id=who.telegram_user_id,
            person_id=o.person_id,
            payload=message(text),
            now=now,
        )
        result.told += 1
    # Each graduate's certificate follows the result that announces it.
    for who, content, code, revision in documents:
        await _send_certificate(tx, data, found, who, content, code, revision, now)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=by,
        action="grades.publish",
        class_id=class_id,
        subject=f"class:{class_id}",
        details={
            "revision": result.revision,
            "results": len(changed),
            "certificates": result.certificates,
            "revoked": result.revoked,
            "missing": [o.person_id for o in found.outcomes if o.missing],
        },
    )
    return result


def _kept(o: GradeOutcome) -> tuple[str, str]:
    """The certificate a graduate keeps unchanged: its number and code ('' if none)."""
    if not o.graduates or o.certificate is None or o.code is None:
        return "", ""
    return o.certificate.number, o.code


async def _send_certificate(
    tx: Tx,
    data: BotData,
    found: ClassGrades,
    who: Recipient,
    content: CertificateContent,
    code: str,
    revision: int,
    now: datetime,
) -> None:
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
        chat_id=who.telegram_user_id or 0,
        person_id=who.person_id,
        payload=payload,
        method="sendDocument",
        now=now,
    )


async def run_publish(data: BotData, **kwargs: Any) -> Publication:
    """Publish in one write; a refusal half-way (a number taken) rolls it all back."""
    try:
        return await data.db.write(lambda tx: publish(tx, data, **kwargs))
    except _Refused as refused:
        return refused.result


# -- a score typed in chat --------------------------------------------------------------------


@dataclass
class Scored:
    """What entering a score did."""

    outcome: Outcome
    before: Fraction | None = None


async def enter_score(
    tx: Tx,
    *,
    update_id: int,
    actor: str,
    by: int,
    class_id: int,
    person_id: int,
    component: str,
    score: Fraction,
    reason: str,
    now: datetime,
) -> Scored:
    """Store a class manager's score for one trainee, with the reason in the audit log."""
    if not await permissions.holds(
        tx, Capability.GRADE, class_id, by
    ) or not await classes.holds_role(tx, class_id, person_id, ["trainee"]):
        return Scored(Outcome.STALE)
    if component not in {name for name, _ in await grades.scheme(tx, class_id)}:
        return Scored(Outcome.STALE)  # the scheme changed since the command was read
    if not await updates.claim(tx, update_id, now):
        return Scored(Outcome.DUPLICATE)
    done, before = await grades.set_score(
        tx,
        class_id=class_id,
        person_id=person_id,
        component=component,
        score=score,
        source="chat",
        by=by,
        now=now,
    )
    if not done:
        return Scored(Outcome.SAME, before)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=by,
        action="grades.score",
        class_id=class_id,
        subject=f"person:{person_id}",
        details={
            "component": component,
            "before": None if before is None else grades.exact(before),
            "after": grades.exact(score),
            "reason": reason,
        },
    )
    return Scored(Outcome.DONE, before)


# -- appraisals -------------------------------------------------------------------------------


async def save_appraisal(
    tx: Tx,
    *,
    update_id: int,
    actor: str,
    by: int,
    class_id: int,
    person_id: int,
    text: str,
    now: datetime,
) -> Outcome:
    """Store a class manager's appraisal of a trainee and close the form."""
    if not await permissions.holds(
        tx, Capability.GRADE, class_id, by
    ) or not await classes.holds_role(tx, class_id, person_id, ["trainee"]):
        await forms.drop(tx, by, FormKind.APPRAISAL)
        return Outcome.STALE
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    before = await grades.save_appraisal(
        tx, class_id=class_id, person_id=person_id, text=text, by=by, now=now
    )
    await forms.drop(tx, by, FormKind.APPRAISAL)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=by,
        action="grades.appraisal",
        class_id=class_id,
        subject=f"person:{person_id}",
        details={"before": before, "after": text},
    )
    return Outcome.DONE
