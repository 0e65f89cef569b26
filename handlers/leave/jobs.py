"""Timed work of leave, as the database implies it: nudges, expiry, report-back.

Planned at every start, every 30 minutes (bot/scheduler.py), and at once after a request is
sent, decided, cancelled or withdrawn (those changes say ``Topic.PLANS``), so nothing lives
only in memory; each job checks the request's state when it runs and queues under keys, so
running twice sends nothing twice. The class settings leave_remind_after_min and
report_back_overdue_min say when the nudge and the overdue notice come.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.buttons import LeaveBack
from bot.context import BotData
from bot.jobs import PlannedJob
from bot.permissions import Capability
from bot.rules import leave as rules
from handlers.leave import notify
from handlers.leave.info import ClassInfo, class_info
from handlers.leave.views import moment_view, request_view
from storage import audit, leave
from storage.db import Database, Tx
from storage.leave import LeaveRequest

Run = Callable[[BotData, datetime], Awaitable[None]]
Body = Callable[[Tx, BotData, ClassInfo, LeaveRequest, datetime], Awaitable[None]]
# How long after its moment a missed job is still worth running at start-up.
_EXPIRY_GRACE = timedelta(days=30)
_BACK_GRACE = timedelta(days=7)


async def plan(db: Database, now: datetime) -> list[PlannedJob]:
    """Every leave job the open requests imply."""
    del now  # the jobs' moments come from the requests; the runner filters by time
    jobs: list[PlannedJob] = []
    infos: dict[int, ClassInfo | None] = {}
    for request in await leave.open_requests(db):
        if request.class_id not in infos:
            infos[request.class_id] = await class_info(db, request.class_id)
        info = infos[request.class_id]
        if not request.sessions or info is None:
            continue
        covered = request.sessions
        name = f"leave:{request.id}"
        if request.status == "pending":
            expires = rules.expires_at(covered, request.created_at)
            remind_after = timedelta(minutes=info.settings.leave_remind_after_min)
            nudges = rules.nudge_times(request.created_at, covered, remind_after)
            for which, at in nudges.items():
                jobs.append(
                    PlannedJob(
                        f"{name}:nudge:{which}", at, expires, _job(request.id, _nudge(which))
                    )
                )
            jobs.append(
                PlannedJob(
                    f"{name}:expire", expires, expires + _EXPIRY_GRACE, _job(request.id, _expire)
                )
            )
        elif request.ended_early_at is None:
            ends = rules.leave_ends(covered)
            jobs.append(
                PlannedJob(f"{name}:ended", ends, ends + _BACK_GRACE, _job(request.id, _ended))
            )
            overdue = ends + timedelta(minutes=info.settings.report_back_overdue_min)
            jobs.append(
                PlannedJob(
                    f"{name}:overdue", overdue, overdue + _BACK_GRACE, _job(request.id, _overdue)
                )
            )
    return jobs


def _job(request_id: int, body: Body) -> Run:
    """A job that runs ``body`` on the request as it stands, in one write."""

    async def run(data: BotData, now: datetime) -> None:
        async def op(tx: Tx) -> None:
            request = await leave.get_request(tx, request_id)
            info = await class_info(tx, request.class_id) if request else None
            if request is not None and info is not None:
                await body(tx, data, info, request, now)

        await data.db.write(op)

    return run


def _nudge(which: str) -> Body:
    async def body(
        tx: Tx, data: BotData, info: ClassInfo, request: LeaveRequest, now: datetime
    ) -> None:
        level = await leave.waiting_level(tx, request)
        if level is not None:
            await notify.queue_cards(tx, data, info, request, level, now, nudge=which)

    return body


async def _expire(
    tx: Tx, data: BotData, info: ClassInfo, request: LeaveRequest, now: datetime
) -> None:
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
    if level is not None:
        await notify.close_cards(tx, data, info, request.id, level, now)
    expired = await leave.get_request(tx, request.id)
    assert expired is not None
    view = await request_view(tx, info, expired, now)
    key = f"leave:{request.id}:expired"
    await notify.tell_person(tx, data, info, request.person_id, key, "expired", now, r=view)


def _still_away(request: LeaveRequest) -> bool:
    return (
        request.status == "approved" and not request.reported_back_at and not request.ended_early_at
    )


async def _ended(
    tx: Tx, data: BotData, info: ClassInfo, request: LeaveRequest, now: datetime
) -> None:
    if not _still_away(request):
        return
    await notify.tell_person(
        tx,
        data,
        info,
        request.person_id,
        f"leave:{request.id}:ask_back",
        "ask_back",
        now,
        button=("back", LeaveBack(request.id)),
        r=await request_view(tx, info, request, now),
    )


async def _overdue(
    tx: Tx, data: BotData, info: ClassInfo, request: LeaveRequest, now: datetime
) -> None:
    if not _still_away(request):
        return
    await notify.tell_staff(
        tx,
        data,
        info,
        (Capability.FOLLOW_CLASS,),
        f"leave:{request.id}:overdue",
        "overdue",
        now,
        r=await request_view(tx, info, request, now),
        ended=moment_view(rules.leave_ends(request.sessions), info.zone),
    )
