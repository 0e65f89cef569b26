"""What a re-import means for leave: a trainee taken off the roster has no leave to decide.

The import runs in another process; the scheduler finds it in the audit log and hands it
here (an import watcher, as the change notices of reminders are). Each pending request of
someone no longer a trainee of its class is closed ('cancelled', audited as done by the
bot), and the deciders' cards are edited to say so, instead of staying live and answering
every press with an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import permissions
from bot.context import BotData
from bot.permissions import Capability
from handlers.leave import notify
from handlers.leave.info import class_info
from storage import audit, leave
from storage.audit import ImportEntry
from storage.db import Tx


async def close_requests_of_removed(
    data: BotData, imports: Sequence[ImportEntry], now: datetime
) -> int:
    """Close the pending requests of people these imports took off a roster; how many."""
    touched = sorted({entry.class_id for entry in imports if entry.class_id is not None})
    closed = 0
    for class_id in touched:
        for request in await leave.pending_requests(data.db, class_id):
            if not await permissions.holds(
                data.db, Capability.ASK_LEAVE, class_id, request.person_id
            ):
                closed += await data.db.write(lambda tx, r=request: _close(tx, data, r, now))
    return closed


async def _close(tx: Tx, data: BotData, request: leave.LeaveRequest, now: datetime) -> int:
    # Checked again inside the write: a re-import may have put the person back meanwhile.
    if await permissions.holds(tx, Capability.ASK_LEAVE, request.class_id, request.person_id):
        return 0
    level = await leave.waiting_level(tx, request)
    if not await leave.set_status(tx, request.id, "pending", "cancelled", now):
        return 0
    await audit.record(
        tx,
        at=now,
        actor="bot",
        action="leave.close_removed",
        class_id=request.class_id,
        subject=f"leave:{request.id}",
        details={"reason": "no longer a trainee of the class"},
    )
    info = await class_info(tx, request.class_id)
    if info is not None and level is not None:
        await notify.close_cards(tx, data, info, request.id, level, now)
    return 1
