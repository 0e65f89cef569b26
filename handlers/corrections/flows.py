"""The work of correction requests (补卡) inside one transaction; each returns an Outcome.

Who may do something is asked here, at the moment of the act, in the transaction that does
it: a trainee of the session's class asks, within the class's correction_days and its cap
(correction_max); a class manager of the class decides, never on their own request; the
first decision wins (storage/corrections.py). An approval writes the asked status as a
hand marking, with the audit log's before, after, who and why, and tells the trainee
(handlers/checkin/marking.py ``correct``). The update is claimed in the same transaction, so
a redelivered update changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.permissions import Capability
from bot.rules.attendance import Status
from handlers.checkin import marking
from handlers.checkin.views import settings_of, status_at
from handlers.corrections import notify
from handlers.corrections.views import ASKABLE, CORRECTABLE, open_for_correction
from storage import audit, corrections, forms, sessions, updates
from storage.corrections import Correction
from storage.db import Tx
from storage.forms import FormKind


class Outcome(StrEnum):
    """What came of a correction action; each refusal names the text that explains it."""

    DONE = "done"
    STALE = "stale"  # the form, session or request is gone or not the presser's
    DUPLICATE = "duplicate_alert"  # this update was handled before
    TOO_LATE = "too_late"  # the session is over for longer than the class allows
    NOTHING_TO_FIX = "nothing_to_fix"  # the status is no longer one to correct
    PENDING = "pending_exists"  # a request for this session waits already
    CAP = "cap_reached"  # the class's correction_max is used up
    NOT_DECIDER = "not_decider"
    OWN = "own_request"
    CLOSED = "closed"  # decided or cancelled already
    ASK_REASON = "ask_reason"


async def send(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    form: dict[str, Any],
    now: datetime,
) -> Outcome | int:
    """Turn the form into a pending request and queue the managers' cards; its id."""
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    session = await sessions.by_id(tx, int(form["session_id"]))
    if (
        session is None
        or await forms.get(tx, person_id, FormKind.CORRECTION) != form
        or Status(form["status_asked"]) not in ASKABLE
        or not await permissions.holds(tx, Capability.ASK_CORRECTION, session.class_id, person_id)
    ):
        return Outcome.STALE
    if not open_for_correction(session, now):
        return Outcome.TOO_LATE
    current = (await status_at(tx, session, person_id, now)).status
    if current not in CORRECTABLE or current.value == form["status_asked"]:
        return Outcome.NOTHING_TO_FIX
    if await corrections.pending_for(tx, session.id, person_id) is not None:
        return Outcome.PENDING
    if (
        await corrections.used(tx, session.class_id, person_id)
        >= settings_of(session).correction_max
    ):
        return Outcome.CAP
    correction_id = await corrections.create(
        tx,
        class_id=session.class_id,
        session_id=session.id,
        person_id=person_id,
        status_before=current.value,
        status_asked=form["status_asked"],
        reason=form["reason"],
        attachment_file_id=form.get("attachment_file_id"),
        attachment_kind=form.get("attachment_kind"),
        now=now,
    )
    if correction_id is None:  # pragma: no cover - pending_for above sees the same rows
        return Outcome.PENDING
    await forms.drop(tx, person_id, FormKind.CORRECTION)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action="correction.request",
        class_id=session.class_id,
        subject=f"correction:{correction_id}",
        details={
            "session": session.id,
            "before": current.value,
            "asked": form["status_asked"],
            "reason": form["reason"],
        },
    )
    request = await corrections.get(tx, correction_id)
    assert request is not None
    await notify.queue_cards(tx, data, request, now)
    return correction_id


async def _check_decider(tx: Tx, request: Correction | None, person_id: int) -> Outcome | None:
    if request is None:
        return Outcome.STALE
    if request.person_id == person_id:
        return Outcome.OWN
    if not await permissions.holds(tx, Capability.DECIDE_CORRECTION, request.class_id, person_id):
        return Outcome.NOT_DECIDER
    if request.status != "pending":
        return Outcome.CLOSED
    return None


async def decide(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    correction_id: int,
    approve: bool,
    reason: str | None,
    now: datetime,
    pressed: tuple[int, int] | None,
) -> Outcome:
    """Approve (the status is corrected) or reject (with a reason); the first one wins.

    ``pressed`` is the card pressed (chat, message id), which the handler edits itself.
    """
    request = await corrections.get(tx, correction_id)
    refusal = await _check_decider(tx, request, person_id)
    if refusal is not None:
        return refusal
    assert request is not None
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    if not await corrections.decide(
        tx, correction_id, approve=approve, decided_by=person_id, reason=reason, now=now
    ):
        return Outcome.CLOSED
    await forms.drop(tx, person_id, FormKind.CORRECTION_REJECT)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action="correction.decide",
        class_id=request.class_id,
        subject=f"correction:{correction_id}",
        details={"decision": "approve" if approve else "reject", "reason": reason},
    )
    after = await corrections.get(tx, correction_id)
    assert after is not None
    session = await sessions.by_id(tx, request.session_id)
    key = f"correction:{correction_id}:decided"
    if approve and session is not None:
        await marking.correct(
            tx,
            data,
            actor=actor,
            actor_id=person_id,
            session=session,
            person_id=request.person_id,
            status=request.status_asked,
            reason=request.reason,
            action="attendance.correction",
            key=key,
            now=now,
            notice="fix.approved_notice",
        )
    else:
        await notify.tell_trainee(tx, data, after, "rejected_notice", f"{key}:tell", now)
    await notify.close_cards(tx, data, after, now, skip=pressed)
    return Outcome.DONE


async def ask_reject_reason(
    tx: Tx, *, update_id: int, person_id: int, correction_id: int, now: datetime
) -> Outcome:
    """A Reject press: check it, and keep the form that waits for the reason."""
    refusal = await _check_decider(tx, await corrections.get(tx, correction_id), person_id)
    if refusal is not None:
        return refusal
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    data = {"correction_id": correction_id}
    await forms.save(tx, person_id, FormKind.CORRECTION_REJECT, data, now)
    return Outcome.ASK_REASON


async def cancel(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    correction_id: int,
    now: datetime,
) -> Outcome:
    """Cancel one's own pending request; the managers' cards say so."""
    request = await corrections.get(tx, correction_id)
    if request is None or request.person_id != person_id:
        return Outcome.STALE
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    if not await corrections.cancel(tx, correction_id, person_id, now):
        return Outcome.CLOSED
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action="correction.cancel",
        class_id=request.class_id,
        subject=f"correction:{correction_id}",
    )
    after = await corrections.get(tx, correction_id)
    assert after is not None
    await notify.close_cards(tx, data, after, now)
    return Outcome.DONE
