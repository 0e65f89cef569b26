"""What a check-in does to leave, in the check-in's own transaction.

The leave feature owns this module; check-in calls it so that checking in during one's own
approved leave ends that leave early and counts as reporting back (销假), and a check-in after
the leave counts as reporting back.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from functools import cache

from bot import class_settings, leave_limit, leave_rules
from bot.texts import Texts, parse_locale
from storage import audit, leave, outbox
from storage.db import Tx
from storage.times import from_db


async def after_checkin(
    tx: Tx, *, class_id: int, person_id: int, session_id: int, now: datetime
) -> list[int]:
    """Apply a check-in's effect on the person's leave; return the leave request ids changed.

    A check-in to a session the approved leave covers ends the leave early (the hours of the
    sessions from there on are given back: ``hours`` drops) and marks it reported back; a
    check-in to a session after the leave's sessions marks it reported back.
    """
    here = await tx.fetchone("SELECT starts_at FROM sessions WHERE id = ?", (session_id,))
    if here is None:
        return []
    changed: list[int] = []
    for request in await leave.requests_where(
        tx,
        "class_id = ? AND person_id = ? AND status = 'approved' AND reported_back_at IS NULL",
        (class_id, person_id),
    ):
        ids = [s.id for s in request.sessions]
        if session_id in ids and request.ended_early_at is None:
            attended = await leave.attended_sessions(tx, person_id, ids) | {session_id}
            kept = leave_rules.covered_after_early_end(request.slots, now, attended)
            hours = leave_limit.total(s.hours for s in kept)
            given = await leave.end_early(tx, request.id, now, [s.id for s in kept], hours)
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor="bot",
                action="leave.end_early",
                class_id=class_id,
                subject=f"leave:{request.id}",
                details={
                    "session": session_id,
                    "hours_before": str(request.hours),
                    "hours_after": str(hours),
                    "given_back_sessions": given,
                },
            )
            await _tell(tx, request, request.hours - hours, now)
            changed.append(request.id)
        elif request.sessions and max(s.starts_at for s in request.sessions) < from_db(here[0]):
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor="bot",
                action="leave.report_back",
                class_id=class_id,
                subject=f"leave:{request.id}",
                details={"by_checkin": session_id},
            )
            changed.append(request.id)
    return changed


async def _tell(tx: Tx, request: leave.LeaveRequest, given_back: Fraction, now: datetime) -> None:
    """Queue the trainee's notice that their leave ended early, in their language.

    storage/ never imports telegram, so the payload is written here by hand: plain HTML text.
    """
    who = await leave.recipient(tx, request.person_id)
    if who is None:
        return
    row = await tx.fetchone("SELECT settings FROM classes WHERE id = ?", (request.class_id,))
    locale = parse_locale(who.locale) or class_settings.from_json(row[0] if row else None).locale
    text = _texts().render(locale, "leave.ended_early", given_back=leave_limit.show(given_back))
    await outbox.enqueue(
        tx,
        key=f"leave:{request.id}:ended_early",
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        payload={"text": text, "parse_mode": "HTML"},
        now=now,
    )


@cache
def _texts() -> Texts:
    return Texts()
