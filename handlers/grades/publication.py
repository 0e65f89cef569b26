"""Publishing a class's results, in one transaction: who may, whether scores are missing,
what changed since the last publication; then the certificates (certify.py), each changed
result stored as published and told to its trainee through the outbox, and the audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.graduation import ClassGrades, GradeOutcome, class_grades
from bot.graduation.certificates import shown_code
from bot.outbox import message
from bot.permissions import Capability
from bot.rules.locales import recipient_locale
from handlers.grades import certify
from handlers.grades.flows import Outcome
from storage import audit, classes, grades, outbox, updates
from storage.db import Tx


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


class _Refused(Exception):
    """Carries a publication refused half-way out of its write, so that it rolls back."""

    def __init__(self, result: Publication) -> None:
        super().__init__(result.outcome.value)
        self.result = result


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
    plan = certify.changes(found)
    changed = [o for o in found.outcomes if o.changed]
    if found.published and not changed and not plan:
        return Publication(Outcome.NOTHING_CHANGED, found)
    if not await updates.claim(tx, update_id, now):
        return Publication(Outcome.DUPLICATE, found)
    try:
        return await _publish(tx, data, found, changed, plan, actor, by, now)
    except certify.NumberTaken as taken:
        # Raised out of the write, which the database door then rolls back whole: nothing
        # of a publication half done is kept (run_publish turns it back into the answer).
        raise _Refused(Publication(Outcome.NUMBER_TAKEN, found, number=taken.number)) from None


async def run_publish(data: BotData, **kwargs: Any) -> Publication:
    """Publish in one write; a refusal half-way (a number taken) rolls it all back."""
    try:
        return await data.db.write(lambda tx: publish(tx, data, **kwargs))
    except _Refused as refused:
        return refused.result


async def _publish(
    tx: Tx,
    data: BotData,
    found: ClassGrades,
    changed: list[GradeOutcome],
    plan: list[certify.Change],
    actor: str,
    by: int,
    now: datetime,
) -> Publication:
    class_id = found.row.id
    result = Publication(Outcome.DONE, found)
    result.revision = await grades.publish(tx, class_id, by, now)
    certified = await certify.apply(tx, data, found, plan, actor=actor, by=by, now=now)
    result.certificates, result.revoked = certified.issued, certified.revoked
    recipients = {r.person_id: r for r in await classes.members(tx, class_id, ["trainee"])}
    for o in changed:
        revision = await grades.save_result(tx, class_id, o.person_id, o.snapshot(), now)
        who = recipients.get(o.person_id)
        if who is None or who.telegram_user_id is None:
            result.unbound += 1
            continue
        number, code = certified.codes.get(o.person_id) or certify.kept(o)
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
    for o, content, code, revision in certified.documents:
        who = recipients.get(o.person_id)
        if who is not None and who.telegram_user_id is not None:
            await certify.send(tx, data, found, who, content, code, revision, now)
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
