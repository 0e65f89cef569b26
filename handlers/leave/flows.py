"""The work of leave done inside one transaction: check, claim the update, change, audit,
queue what the change tells others. Each returns an ``Outcome``; none talks to Telegram.

Who may do something is asked here, at the moment of the act, in the same transaction as
the change (bot/permissions.py): a button is not a permission. The update is claimed in
the same transaction too (storage/updates.py), so Telegram delivering it twice changes
nothing twice. Timed work follows on its own: the request's changes say so to the database
(``Topic.PLANS``) and the jobs are planned again after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.permissions import Capability
from bot.rules import leave as rules
from bot.rules import leave_limit
from handlers.leave import notify
from handlers.leave.info import ClassInfo, class_info
from handlers.leave.views import request_view
from storage import attendance, audit, forms, leave, sessions, updates
from storage.db import Tx
from storage.forms import FormKind
from storage.sessions import Session


class Outcome(StrEnum):
    """What came of a leave action; each refusal names the text that explains it."""

    DONE = "done"
    STALE = "stale"  # the request, session or form is gone or not the presser's
    DUPLICATE = "duplicate_alert"  # this update was handled before
    TAKEN = "taken"  # a chosen session is in another request already
    CLOSED = "closed"  # decided by someone first, or no longer pending
    OWN_REQUEST = "own_request"
    NOT_DECIDER = "not_decider"
    NOT_ADMIN = "not_admin"
    WAITING_FIRST = "waiting_first"  # level 2 pressed before level 1 approved
    BOTH_LEVELS = "both_levels"  # one person may not decide both levels
    CANNOT_CANCEL = "cannot_cancel"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"
    NOTHING_STARTED = "back_nothing"  # report back with no leave begun
    ASK_REASON = "ask_reason"  # the decision waits for a typed reason
    LIMIT_OWN = "limit_own"  # a decision on oneself
    LIMIT_NOT_DECIDER = "limit_not_decider"
    LIMIT_DECIDED = "limit_decided"  # someone recorded the decision first
    LIMIT_NOT_OVER = "limit_not_over"  # the trainee is not over the limit (now)
    NO_SUCH_TYPE = "no_such_type"  # a leave type the class does not have (any more)


async def send_request(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    form: dict[str, Any],
    now: datetime,
) -> Outcome | int:
    """Turn the form into a pending request and queue the cards; the request's id."""
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    current = await forms.get(tx, person_id, FormKind.LEAVE)
    class_id = form["class_id"]
    if current != form or not await permissions.holds(
        tx, Capability.ASK_LEAVE, class_id, person_id
    ):
        return Outcome.STALE
    info = await class_info(tx, class_id)
    covered = await sessions.by_ids(tx, form["chosen"])
    assert info is not None
    if info.settings.leave_type(form["leave_type"]) is None:
        return Outcome.NO_SUCH_TYPE
    levels = rules.levels_required(covered, info.settings.leave_second_level_hours, info.zone)
    request_id = await create(tx, info, person_id, form, covered, levels, now)
    if request_id is None:
        return Outcome.TAKEN
    await forms.drop(tx, person_id, FormKind.LEAVE)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action="leave.request",
        class_id=class_id,
        subject=f"leave:{request_id}",
        details={
            "sessions": form["chosen"],
            "levels": levels,
            "type": form["leave_type"],
            "after_the_fact": rules.after_the_fact(covered, now),
        },
    )
    request = await leave.get_request(tx, request_id)
    assert request is not None
    await notify.queue_cards(tx, data, info, request, 1, now)
    return request_id


async def create(
    tx: Tx,
    info: ClassInfo,
    person_id: int,
    form: dict[str, Any],
    covered: Sequence[Session],
    levels: int,
    now: datetime,
    *,
    recorded_by: int | None = None,
) -> int | None:
    """Insert the form's request, pending; None if a session is in another request already.

    A request covering a session that had begun is marked as after the fact (补假).
    """
    return await leave.create_request(
        tx,
        class_id=info.row.id,
        person_id=person_id,
        reason=form["reason"],
        attachment_file_id=form.get("attachment_file_id"),
        attachment_kind=form.get("attachment_kind"),
        covered=covered,
        hours=leave_limit.total(s.hours for s in covered),
        levels_required=levels,
        now=now,
        leave_type=form["leave_type"],
        retroactive=rules.after_the_fact(covered, now),
        recorded_by=recorded_by,
    )


async def cancel(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    person_id: int,
    request_id: int,
    now: datetime,
) -> Outcome:
    """Cancel one's pending request, or withdraw one's approved leave before it starts."""
    request = await leave.get_request(tx, request_id)
    if request is None or request.person_id != person_id:
        return Outcome.STALE
    if rules.can_cancel(request.status):
        outcome, action = Outcome.CANCELLED, "leave.cancel"
    elif rules.can_withdraw(request.status, request.sessions, now):
        outcome, action = Outcome.WITHDRAWN, "leave.withdraw"
    else:
        return Outcome.CANNOT_CANCEL
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE
    level = await leave.waiting_level(tx, request)
    await leave.set_status(tx, request_id, request.status, outcome.value, now)
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=person_id,
        action=action,
        class_id=request.class_id,
        subject=f"leave:{request_id}",
        details={"from": request.status},
    )
    info = await class_info(tx, request.class_id)
    assert info is not None
    if level is not None:
        await notify.close_cards(tx, data, info, request_id, level, now)
    after = await leave.get_request(tx, request_id)
    assert after is not None
    view = await request_view(tx, info, after, now)
    deciders = tuple(
        permissions.level_capability(lv) for lv in range(1, request.levels_required + 1)
    )
    key = f"leave:{request_id}:{outcome.value}"
    await notify.tell_staff(tx, data, info, deciders, key, f"staff_{outcome.value}", now, r=view)
    return outcome


async def report_back(
    tx: Tx, *, update_id: int, actor: str, person_id: int, only: int | None, now: datetime
) -> tuple[Outcome, Fraction]:
    """Report back (销假) from every begun leave (or only this one); the hours given back.

    During the leave, reporting back ends it early: the sessions still to come are given
    back, and the ones the trainee checked into too.
    """
    started = [
        r
        for r in await leave.unreported_leave(tx, person_id)
        if r.sessions and rules.first_start(r.sessions) <= now and only in (None, r.id)
    ]
    if not started:
        return Outcome.NOTHING_STARTED, Fraction(0)
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE, Fraction(0)
    given_back = Fraction(0)
    for request in started:
        if rules.last_start(request.sessions) > now and request.ended_early_at is None:
            ids = [s.id for s in request.sessions]
            came = await attendance.checked_in(tx, person_id, ids)
            kept = rules.covered_after_early_end(request.sessions, now, came)
            hours = leave_limit.total(s.hours for s in kept)
            await leave.end_early(tx, request.id, now, [s.id for s in kept], hours)
            given_back += request.hours - hours
        await leave.mark_reported_back(tx, request.id, now)
        await audit.record(
            tx,
            at=now,
            actor=actor,
            actor_id=person_id,
            action="leave.report_back",
            class_id=request.class_id,
            subject=f"leave:{request.id}",
            details={"given_back": str(given_back)},
        )
    return Outcome.DONE, given_back


def over_session(chosen: Sequence[Session], now: datetime, days_back: int) -> Session | None:
    """The first chosen session over for longer than the class allows leave after the fact
    (none such may be covered by a new request)."""
    return next((s for s in chosen if not rules.can_be_chosen(s, now, days_back)), None)
