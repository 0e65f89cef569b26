"""Leave a class manager records for a trainee who asked by phone (代请假), in one transaction.

The manager recording it is its first-level approval: the request is created and approved
at level 1 by them at once, audited with their reason. Leave that needs the school's
approval too (leave_second_level_hours) then waits for an admin like any other, whose
cards say who recorded it. The trainee is told either way. Who may record it is asked
here, at the moment of the act: a class manager of the trainee's class, never for oneself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.permissions import Capability
from bot.rules import leave as rules
from handlers.leave import limit, notify
from handlers.leave.flows import Outcome, create
from handlers.leave.info import class_info
from handlers.leave.views import request_view
from storage import audit, forms, leave, sessions, updates
from storage.db import Tx
from storage.forms import FormKind


async def record_for(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    manager_id: int,
    form: dict[str, Any],
    now: datetime,
) -> Outcome | int:
    """Record the form's leave for its trainee, approved by the recording manager; its id."""
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    class_id, person_id = form["class_id"], form["for_person"]
    current = await forms.get(tx, manager_id, FormKind.LEAVE)
    if (
        current != form
        or person_id == manager_id
        or not await permissions.holds(tx, Capability.RECORD_LEAVE, class_id, manager_id)
        or not await permissions.holds(tx, Capability.ASK_LEAVE, class_id, person_id)
    ):
        return Outcome.STALE
    info = await class_info(tx, class_id)
    assert info is not None
    if info.settings.leave_type(form["leave_type"]) is None:
        return Outcome.NO_SUCH_TYPE
    covered = await sessions.by_ids(tx, form["chosen"])
    levels = rules.levels_required(covered, info.settings.leave_second_level_hours, info.zone)
    request_id = await create(
        tx, info, person_id, form, covered, levels, now, recorded_by=manager_id
    )
    if request_id is None:
        return Outcome.TAKEN
    await forms.drop(tx, manager_id, FormKind.LEAVE)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=manager_id,
        action="leave.record_for",
        class_id=class_id,
        subject=f"leave:{request_id}",
        details={
            "person": person_id,
            "sessions": form["chosen"],
            "levels": levels,
            "type": form["leave_type"],
            "reason": form["reason"],
            "after_the_fact": rules.after_the_fact(covered, now),
        },
    )
    await leave.decide(
        tx,
        request_id=request_id,
        level=1,
        decided_by=manager_id,
        decision="approve",
        reason=None,
        now=now,
    )
    after = await leave.get_request(tx, request_id)
    assert after is not None
    key = f"leave:{request_id}:recorded"
    if after.status == "pending":  # the school approves next
        await notify.queue_cards(tx, data, info, after, 2, now)
        view = await request_view(tx, info, after, now)
        await notify.tell_person(tx, data, info, person_id, key, "trainee_recorded", now, r=view)
        return request_id
    if rules.leave_ends(after.sessions) <= now:
        # Leave wholly past: there is nothing to come back from (no report-back prompt).
        await leave.mark_reported_back(tx, request_id, now)
    view = await request_view(tx, info, after, now)
    await notify.tell_person(tx, data, info, person_id, key, "trainee_recorded", now, r=view)
    await limit.warn_limit(tx, data, info, person_id=person_id, now=now)
    return request_id
