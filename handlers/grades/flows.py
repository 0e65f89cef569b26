"""The work of graduation inside one transaction: a score typed in chat and an appraisal
(publication is publication.py). Each checks who may act at that moment, claims the update,
changes, audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from bot import permissions
from bot.permissions import Capability
from storage import audit, classes, forms, grades, updates
from storage.db import Tx
from storage.forms import FormKind


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


async def _may_grade(tx: Tx, by: int, class_id: int, person_id: int) -> bool:
    """Whether ``by`` may grade in the class now, and ``person_id`` is still its trainee."""
    return await permissions.holds(tx, Capability.GRADE, class_id, by) and await classes.holds_role(
        tx, class_id, person_id, permissions.roles_for(Capability.CHECK_IN)
    )


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
    if not await _may_grade(tx, by, class_id, person_id):
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
    if not await _may_grade(tx, by, class_id, person_id):
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
