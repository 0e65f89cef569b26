"""The deciders' work, inside one transaction: approving or rejecting leave at a level, and
recording the decision on a trainee over the limit (责令退学 or 准予继续).

Who may decide is checked here, at the moment of the decision, in the transaction that
records it: a class manager of the request's class for level 1, an admin of it for level 2,
never the requester, never both levels; a manager or admin of the class for the over-limit
decision, never on oneself, and only while the trainee is over the limit. The first
decision wins (the UNIQUE constraints of storage/leave.py), and the other deciders' cards
and notices are edited to show it.
"""

from __future__ import annotations

from datetime import datetime

from bot import permissions
from bot.buttons import LeaveCancel
from bot.context import BotData
from bot.outbox import message
from bot.permissions import Capability
from bot.rules import leave as rules
from bot.rules.leave_limit import LimitDecision
from handlers.leave import limit, notify
from handlers.leave.figures import tally_of
from handlers.leave.flows import Outcome
from handlers.leave.info import ClassInfo, class_info
from handlers.leave.views import decided_view, request_view
from storage import audit, forms, leave, outbox, people, updates
from storage.db import Tx
from storage.forms import FormKind


async def check_decider(
    tx: Tx, request_id: int, level: int, person_id: int
) -> tuple[Outcome | None, leave.LeaveRequest | None]:
    """Why this person may not decide this level now (None if they may), and the request."""
    request = await leave.get_request(tx, request_id)
    if request is None or level not in (1, 2) or level > request.levels_required:
        return Outcome.STALE, None
    if request.person_id == person_id:
        return Outcome.OWN_REQUEST, request
    capability = permissions.level_capability(level)
    if not await permissions.holds(tx, capability, request.class_id, person_id):
        return (Outcome.NOT_DECIDER if level == 1 else Outcome.NOT_ADMIN), request
    if request.status != "pending":
        return Outcome.CLOSED, request
    decisions = {d.level: d for d in await leave.decisions_of(tx, request_id)}
    if level in decisions:
        return Outcome.CLOSED, request
    if level == 2 and 1 not in decisions:
        return Outcome.WAITING_FIRST, request
    if level == 2 and decisions[1].decided_by == person_id:
        return Outcome.BOTH_LEVELS, request
    return None, request


async def decide(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    request_id: int,
    level: int,
    decision: str,
    reason: str | None,
    now: datetime,
    pressed: tuple[int, int] | None,
) -> Outcome:
    """Record a decision and queue everything it causes."""
    refusal, request = await check_decider(tx, request_id, level, person_id)
    if refusal is not None:
        return refusal
    assert request is not None
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    recorded = await leave.decide(
        tx,
        request_id=request_id,
        level=level,
        decided_by=person_id,
        decision=decision,
        reason=reason,
        now=now,
    )
    if recorded is not leave.Recorded.DONE:
        return Outcome.CLOSED
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action="leave.decide",
        class_id=request.class_id,
        subject=f"leave:{request_id}",
        details={"level": level, "decision": decision, "reason": reason},
    )
    info = await class_info(tx, request.class_id)
    assert info is not None
    await notify.close_cards(tx, data, info, request_id, level, now, skip=pressed)
    after = await leave.get_request(tx, request_id)
    assert after is not None
    view = await request_view(tx, info, after, now)
    key = f"leave:{request_id}:decided:{level}"
    if after.status == "pending":  # approved at level 1; the school decides next
        await notify.queue_cards(tx, data, info, after, 2, now)
        await notify.tell_person(
            tx, data, info, after.person_id, key, "trainee_level1", now, r=view
        )
    elif after.status == "approved":
        if rules.leave_ends(after.sessions) <= now:
            # Leave after the fact, wholly past: nothing to come back from (no prompt).
            await leave.mark_reported_back(tx, request_id, now)
            after = await leave.get_request(tx, request_id)
            assert after is not None
            view = await request_view(tx, info, after, now)
        await notify.tell_person(
            tx,
            data,
            info,
            after.person_id,
            key,
            "trainee_approved",
            now,
            # Withdrawing is possible until it starts: leave after the fact has no button.
            button=("withdraw", LeaveCancel(request_id))
            if rules.first_start(after.sessions) > now
            else None,
            r=view,
        )
        await limit.warn_limit(tx, data, info, person_id=after.person_id, now=now)
    else:
        await notify.tell_person(
            tx, data, info, after.person_id, key, "trainee_rejected", now, r=view
        )
    return Outcome.DONE


async def ask_reject_reason(
    tx: Tx, *, update_id: int, person_id: int, request_id: int, level: int, now: datetime
) -> Outcome:
    """A Reject press: check it, and keep the form that waits for the reason."""
    refusal, _ = await check_decider(tx, request_id, level, person_id)
    if refusal is not None:
        return refusal
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    await forms.drop(tx, person_id, FormKind.LEAVE_LIMIT)  # one reason form at a time
    await forms.save(
        tx, person_id, FormKind.LEAVE_REJECT, {"request_id": request_id, "level": level}, now
    )
    return Outcome.ASK_REASON


async def check_limit(
    tx: Tx, class_id: int, person_id: int, decider_id: int, now: datetime
) -> tuple[Outcome | None, ClassInfo | None]:
    """Why this person may not record a decision on this trainee now (None if they may)."""
    info = await class_info(tx, class_id)
    if info is None or not await permissions.holds(tx, Capability.ASK_LEAVE, class_id, person_id):
        return Outcome.STALE, None
    if person_id == decider_id:
        return Outcome.LIMIT_OWN, info
    if not await permissions.holds(tx, Capability.DECIDE_OVER_LIMIT, class_id, decider_id):
        return Outcome.LIMIT_NOT_DECIDER, info
    if await leave.limit_decision(tx, class_id, person_id) is not None:
        return Outcome.LIMIT_DECIDED, info
    if not (await tally_of(tx, info, person_id, now)).over():
        return Outcome.LIMIT_NOT_OVER, info
    return None, info


async def record_limit_decision(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    decider_id: int,
    class_id: int,
    person_id: int,
    decision: LimitDecision,
    reason: str | None,
    now: datetime,
    pressed: tuple[int, int] | None,
) -> Outcome:
    """Record the decision and edit the other deciders' notices to show it."""
    refusal, info = await check_limit(tx, class_id, person_id, decider_id, now)
    if refusal is not None:
        return refusal
    assert info is not None
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    if not await leave.record_limit_decision(
        tx,
        class_id=class_id,
        person_id=person_id,
        decision=decision.value,
        reason=reason,
        decided_by=decider_id,
        now=now,
    ):
        return Outcome.LIMIT_DECIDED
    await forms.drop(tx, decider_id, FormKind.LEAVE_LIMIT)  # a reason asked for, no longer
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=decider_id,
        action="leave.limit_decision",
        class_id=class_id,
        subject=f"person:{person_id}",
        details={"decision": decision.value, "reason": reason},
    )
    values = await decided_view(tx, info, person_id, now)
    base = leave.limit_notice_key(class_id, person_id, 100)
    for sent in await leave.limit_notices(tx, class_id, person_id):
        if (sent.chat_id, sent.message_id) == pressed:
            continue  # the handler edits the presser's own notice at once
        who = await people.recipient(tx, sent.person_id) if sent.person_id else None
        text = data.texts.render(
            info.locale_of(who, data.config.locale), "leave.limit_decided", **values
        )
        if sent.status == "pending":  # not out yet: send the decided version instead
            await outbox.mark_failed(tx, sent.outbox_id, "dropped", "decision recorded first")
            key, method, payload = f"{base}:decided:to:{sent.person_id}", "sendMessage", {}
        elif sent.status == "sent" and sent.message_id is not None:
            key, method = f"{base}:decided:edit:{sent.outbox_id}", "editMessageText"
            payload = {"message_id": sent.message_id}
        else:
            continue
        await outbox.enqueue(
            tx,
            key=key,
            chat_id=sent.chat_id,
            person_id=sent.person_id,
            method=method,
            payload={**payload, **message(text)},
            now=now,
        )
    return Outcome.DONE


async def ask_limit_reason(
    tx: Tx, *, update_id: int, decider_id: int, class_id: int, person_id: int, now: datetime
) -> Outcome:
    """A 准予继续 press: check it, and keep the form that waits for the reason."""
    refusal, _ = await check_limit(tx, class_id, person_id, decider_id, now)
    if refusal is not None:
        return refusal
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    await forms.drop(tx, decider_id, FormKind.LEAVE_REJECT)  # one reason form at a time
    await forms.save(
        tx, decider_id, FormKind.LEAVE_LIMIT, {"class_id": class_id, "person_id": person_id}, now
    )
    return Outcome.ASK_REASON
