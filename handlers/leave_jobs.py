"""Timed work of leave, as the database implies it: nudges, expiry, report-back.

Planned at every start, every 30 minutes (bot/scheduler.py), and at once after a request is
sent, decided, cancelled or withdrawn (``replan``), so nothing lives only in memory; each
job checks the request's state when it runs and queues under keys, so running twice sends
nothing twice. The class settings leave_remind_after_min and report_back_overdue_min say
when the nudge and the overdue notice come.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.callbacks import Action, pack
from bot.context import BotData
from bot.jobs import PlannedJob
from bot.rules import leave as leave_rules
from handlers import leave_notices as notices
from storage import audit, leave
from storage.db import Database, Tx

_LOGGER = logging.getLogger(__name__)

Run = Callable[[BotData, datetime], Awaitable[None]]
# How long after its moment a missed job is still worth running at start-up.
_EXPIRY_GRACE = timedelta(days=30)
_BACK_GRACE = timedelta(days=7)


async def plan_jobs(db: Database, now: datetime) -> list[PlannedJob]:
    """Every leave job the open requests imply."""
    del now  # the jobs' moments come from the requests; the runner filters by time
    jobs: list[PlannedJob] = []
    classes: dict[int, notices.ClassInfo | None] = {}
    for request in await leave.open_requests(db):
        if request.class_id not in classes:
            classes[request.class_id] = await notices.class_info(db, request.class_id)
        info = classes[request.class_id]
        if not request.sessions or info is None:
            continue
        settings = info.settings
        slots = request.slots
        name = f"leave:{request.id}"
        if request.status == "pending":
            expires = leave_rules.expires_at(slots, request.created_at)
            remind_after = timedelta(minutes=settings.leave_remind_after_min)
            for which, at in leave_rules.nudge_times(
                request.created_at, slots, remind_after
            ).items():
                jobs.append(
                    PlannedJob(f"{name}:nudge:{which}", at, expires, _nudge(request.id, which))
                )
            jobs.append(
                PlannedJob(f"{name}:expire", expires, expires + _EXPIRY_GRACE, _expire(request.id))
            )
        elif request.ended_early_at is None:
            ends = leave_rules.leave_ends(slots)
            jobs.append(PlannedJob(f"{name}:ended", ends, ends + _BACK_GRACE, _ended(request.id)))
            overdue = ends + timedelta(minutes=settings.report_back_overdue_min)
            jobs.append(
                PlannedJob(f"{name}:overdue", overdue, overdue + _BACK_GRACE, _overdue(request.id))
            )
    return jobs


async def replan(data: BotData) -> None:
    """Replan every feature's jobs now, after a change of leave (the scheduler's replan).

    The change is committed and answered by then: a failure here is only logged, and the
    scheduler's own replan, every 30 minutes, catches up.
    """
    try:
        await data.scheduler.replan()
    except Exception:
        _LOGGER.exception("replanning after a leave change failed")


def _job(
    request_id: int, body: Callable[[Tx, BotData, leave.LeaveRequest, datetime], Awaitable[None]]
) -> Run:
    async def run(data: BotData, now: datetime) -> None:
        async def op(tx: Tx) -> None:
            request = await leave.get_request(tx, request_id)
            if request is not None:
                await body(tx, data, request, now)

        await data.db.write(op)
        data.outbox.wake()

    return run


def _nudge(request_id: int, which: str) -> Run:
    async def body(tx: Tx, data: BotData, request: leave.LeaveRequest, now: datetime) -> None:
        level = await leave.waiting_level(tx, request)
        if level is None:
            return
        info = await notices.class_info(tx, request.class_id)
        await notices.queue_cards(tx, data, info, request, level, now, nudge=which)

    return _job(request_id, body)


def _expire(request_id: int) -> Run:
    async def body(tx: Tx, data: BotData, request: leave.LeaveRequest, now: datetime) -> None:
        level = await leave.waiting_level(tx, request)
        if not await leave.set_status(tx, request.id, "pending", "expired", now):
            return
        await audit.record(
            tx,
            at=now,
            actor="bot",
            action="leave.expire",
            class_id=request.class_id,
            subject=f"leave:{request.id}",
        )
        info = await notices.class_info(tx, request.class_id)
        if level is not None:
            await notices.close_cards(tx, data, info, request.id, level, now)
        view = await notices.request_view(tx, info, await leave.get_request(tx, request.id), now)
        await notices.tell_person(
            tx, data, info, request.person_id, f"leave:{request.id}:expired", "expired", now, r=view
        )

    return _job(request_id, body)


def _ended(request_id: int) -> Run:
    async def body(tx: Tx, data: BotData, request: leave.LeaveRequest, now: datetime) -> None:
        if request.status != "approved" or request.reported_back_at or request.ended_early_at:
            return
        info = await notices.class_info(tx, request.class_id)
        view = await notices.request_view(tx, info, request, now)
        await notices.tell_person(
            tx,
            data,
            info,
            request.person_id,
            f"leave:{request.id}:ask_back",
            "ask_back",
            now,
            keyboard=("back", pack(Action.LEAVE_BACK, request.id)),
            r=view,
        )

    return _job(request_id, body)


def _overdue(request_id: int) -> Run:
    async def body(tx: Tx, data: BotData, request: leave.LeaveRequest, now: datetime) -> None:
        if request.status != "approved" or request.reported_back_at or request.ended_early_at:
            return
        info = await notices.class_info(tx, request.class_id)
        view = await notices.request_view(tx, info, request, now)
        ended = notices.moment_view(leave_rules.leave_ends(request.slots), info.zone)
        await notices.tell_staff(
            tx,
            data,
            info,
            ("manager",),
            f"leave:{request.id}:overdue",
            "overdue",
            now,
            r=view,
            ended=ended,
        )

    return _job(request_id, body)
