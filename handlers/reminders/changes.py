"""The notice that a re-import moved, cancelled or put back a session.

The import runs in another process (the command line), so the scheduler finds it in the
audit log (bot/scheduler.py) and hands the new entries here. A notice's key names its
cause, the import's audit id and the session, never the session's current state, so
looking at the same imports again (a restart within the scheduler's look-back) queues
nothing new, and a later re-import (even one that only retitles the session) never makes
an earlier notice new again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.outbox import messages
from bot.permissions import Capability
from bot.rules.class_settings import from_json
from bot.rules.locales import Locale
from handlers.reminders import flows
from handlers.reminders.views import session_view
from storage import audit, classes, outbox, sessions
from storage.audit import ImportEntry
from storage.sessions import Session

# Changes a re-import makes that people must hear about at once.
NOTIFIED_FIELDS = frozenset({"starts_at", "ends_at", "location"})


async def notify_changes(data: BotData, imports: Sequence[ImportEntry], now: datetime) -> int:
    """Tell people what these imports changed, as the timetable stands now; rows queued.

    What a notice says is the session's state at this check: a session cancelled and put
    back meanwhile is not reported cancelled, and a session people were told was cancelled
    and that is back gets its own notice, keyed on the cancellation it undoes.
    """
    moved: dict[int, int] = {}  # session id -> the last import here that moved it
    cancelled: dict[int, int] = {}  # session id -> the last import here that cancelled it
    touched: set[int] = set()
    for entry in imports:
        details = json.loads(entry.details or "{}")
        for sid, names in (details.get("session_fields") or {}).items():
            if NOTIFIED_FIELDS & set(names):
                moved[int(sid)] = entry.id
        for sid in details.get("sessions_cancelled") or []:
            cancelled[int(sid)] = entry.id
        if entry.class_id is not None:
            touched.add(entry.class_id)
    notices: list[tuple[str, Session, int]] = []  # (macro, session, cause)
    for session_id in sorted(moved.keys() | cancelled.keys()):
        s = await sessions.by_id(data.db, session_id)
        if s is None or s.ends_at <= now:
            continue  # over: nothing to tell
        if s.cancelled and session_id in cancelled:
            notices.append(("cancelled", s, cancelled[session_id]))
        elif not s.cancelled and session_id in moved:
            notices.append(("changed", s, moved[session_id]))
        # Else cancelled and put back before this check: nobody was told, so nothing to undo.
    for class_id in sorted(touched):
        found = await audit.cancellations_of_active(data.db, class_id, now)
        for session_id, cancelling in found.items():
            told = await _last_told_cancellation(data, session_id, cancelling)
            if told is not None and (s := await sessions.by_id(data.db, session_id)):
                notices.append(("restored", s, told))
    rows = []
    for macro, s, cause in notices:
        rows += await _change_rows(data, s, macro, f"{macro}:session:{s.id}:import:{cause}")
    return await flows.queue(data, rows, now)


async def _last_told_cancellation(
    data: BotData, session_id: int, cancelling: list[int]
) -> int | None:
    """The latest of these cancellations whose notice was queued: what people last heard."""
    for audit_id in reversed(cancelling):
        if await outbox.counts(data.db, f"cancelled:session:{session_id}:import:{audit_id}:"):
            return audit_id
    return None


async def _change_rows(data: BotData, s: Session, macro: str, key: str) -> list[dict[str, Any]]:
    """One notice per person of the session (its trainees and instructors)."""
    trainees = await classes.members(
        data.db, s.class_id, permissions.roles_for(Capability.CHECK_IN)
    )
    teachers = await sessions.instructors(data.db, s.id)
    people = {p.person_id: p for p in [*trainees, *teachers]}
    view = session_view(s, tuple(t.name for t in teachers))

    def render(locale: Locale) -> list[dict[str, Any]]:
        return messages(data.texts.render(locale, f"reminders.{macro}", session=view))

    return flows.rows_for(data, people.values(), from_json(s.settings).locale, key, render)
