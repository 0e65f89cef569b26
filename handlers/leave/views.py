"""How leave looks: the values templates show and the keyboards, for replies and the outbox.

Every view of a request reads it as the database says now (who decided, the trainee's
figures against the limit), so a card sent late or edited after a decision tells the truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot import permissions
from bot.buttons import (
    LeaveApprove,
    LeaveDay,
    LeaveForm,
    LeaveKind,
    LeavePick,
    LeaveReject,
    LeaveStep,
    keyboard,
)
from bot.context import Viewer
from bot.rules import leave as rules
from bot.rules import leave_limit
from bot.rules.class_settings import ClassSettings
from bot.rules.locales import Locale
from bot.texts import Texts
from handlers.leave.figures import missed_among, tally_of
from handlers.leave.info import ClassInfo, class_info
from storage import leave, people
from storage.db import Queryable
from storage.sessions import Session

# -- values for the templates -------------------------------------------------------------


def session_view(session: Session, zone: ZoneInfo, now: datetime | None = None) -> dict[str, Any]:
    """A session as templates show it, in the class's local time (``begun``: at ``now``,
    for leave after the fact)."""
    start = session.starts_at.astimezone(zone)
    return {
        "id": session.id,
        "title": session.title,
        "day": start.date(),
        "start": start.strftime("%H:%M"),
        "end": session.ends_at.astimezone(zone).strftime("%H:%M"),
        "hours": leave_limit.show(session.hours),
        "begun": now is not None and session.starts_at <= now,
    }


def moment_view(moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A moment as templates show it: local day and time."""
    local = moment.astimezone(zone)
    return {"day": local.date(), "time": local.strftime("%H:%M")}


def limit_decision_view(decision: leave.LimitDecisionRow | None, zone: ZoneInfo) -> Any:
    """A recorded over-limit decision as templates show it (None: nothing recorded)."""
    if decision is None:
        return None
    return {
        "decision": decision.decision,
        "reason": decision.reason,
        "name": decision.decider_name,
        "at": moment_view(decision.decided_at, zone),
    }


async def request_view(
    db: Queryable, info: ClassInfo, request: leave.LeaveRequest, now: datetime
) -> dict[str, Any]:
    """Everything a card or notice shows about a request."""
    name, unit = await people.name_and_unit(db, request.person_id)
    tally = await tally_of(db, info, request.person_id, now)
    counts = info.settings.leave_type_counts(request.leave_type)
    counted = request.hours if request.status != "approved" and counts else None
    if counted is not None:  # sessions counted absent now would count as leave instead
        tally = tally.replacing(
            await missed_among(db, info, request.person_id, request.sessions, now)
        )
    recorder = await people.by_id(db, request.recorded_by) if request.recorded_by else None
    decisions = [
        {
            "level": d.level,
            "name": d.decider_name,
            "decision": d.decision,
            "reason": d.reason,
            "at": moment_view(d.decided_at, info.zone),
        }
        for d in await leave.decisions_of(db, request.id)
    ]
    return {
        "id": request.id,
        "class_name": info.row.name,
        "name": name,
        "unit": unit,
        "status": request.status,
        "reason": request.reason,
        "attachment": request.attachment_kind,
        "hours": leave_limit.show(request.hours),
        "levels": request.levels_required,
        "sessions": [session_view(s, info.zone) for s in request.sessions],
        "tally": leave_limit.figures(tally, counted),
        "decisions": decisions,
        "limit_decision": limit_decision_view(
            await leave.limit_decision(db, info.row.id, request.person_id), info.zone
        ),
        "leave_type": request.leave_type,
        "counts": counts,
        "retroactive": request.retroactive,  # 补假
        "recorded_by": recorder.name if recorder else None,
        "over": bool(request.sessions) and rules.leave_ends(request.sessions) <= now,
    }


async def decided_view(
    db: Queryable, info: ClassInfo, person_id: int, now: datetime
) -> dict[str, Any]:
    """The values of the ``limit_decided`` message: the figures now and the decision."""
    name, unit = await people.name_and_unit(db, person_id)
    return {
        "t": leave_limit.figures(await tally_of(db, info, person_id, now)),
        "name": name,
        "unit": unit,
        "class_name": info.row.name,
        "d": limit_decision_view(await leave.limit_decision(db, info.row.id, person_id), info.zone),
    }


# -- keyboards ------------------------------------------------------------------------------


def decide_keyboard(
    texts: Texts, locale: Locale, request_id: int, level: int
) -> InlineKeyboardMarkup:
    """Approve and Reject, for one level of one request."""
    return keyboard(
        [
            [
                (texts.plain(locale, "leave.approve"), LeaveApprove(request_id, level)),
                (texts.plain(locale, "leave.reject"), LeaveReject(request_id, level)),
            ]
        ]
    )


def type_keyboard(texts: Texts, locale: Locale, settings: ClassSettings) -> InlineKeyboardMarkup:
    """One button per leave type of the class, in its order."""
    return keyboard(
        [
            [(texts.plain(locale, "leave.type_button", name=t.name), LeaveKind(i))]
            for i, t in enumerate(settings.leave_types)
        ]
    )


def picker_keyboard(
    texts: Texts,
    locale: Locale,
    zone: ZoneInfo,
    offered: Sequence[Session],
    chosen: set[int],
    now: datetime,
) -> InlineKeyboardMarkup:
    """The sessions on offer grouped by day, a whole day at a time or one by one."""
    rows: list[list[tuple[str, Any]]] = []
    for day, slots in rules.group_by_day(offered, zone):
        whole = all(s.id in chosen for s in slots)
        rows.append(
            [
                (
                    texts.plain(locale, "leave.day_button", day=day, chosen=whole),
                    LeaveDay(day.isoformat()),
                )
            ]
        )
        rows.extend(
            [
                (
                    texts.plain(
                        locale,
                        "leave.session_button",
                        s=session_view(s, zone, now),  # type: ignore[arg-type]
                        chosen=s.id in chosen,
                    ),
                    LeavePick(s.id),
                )
            ]
            for s in slots
        )
    rows.append(
        [
            (texts.plain(locale, "leave.done"), LeaveForm(LeaveStep.DONE)),
            (texts.plain(locale, "leave.abort"), LeaveForm(LeaveStep.ABORT)),
        ]
    )
    return keyboard(rows)


async def waiting_cards(
    db: Queryable, texts: Texts, locale: Locale, viewer: Viewer, now: datetime
) -> list[tuple[str, InlineKeyboardMarkup]]:
    """The cards of every request waiting for this manager (level 1) or admin (level 2),
    oldest first, as /pending lists them (handlers/pending)."""
    levels: dict[int, list[int]] = {}
    for m in viewer.memberships:
        for level in (1, 2):
            if permissions.may(m.roles, permissions.level_capability(level)):
                levels.setdefault(m.klass.id, []).append(level)
    cards = []
    for class_id, can in levels.items():
        info = await class_info(db, class_id)
        for request in await leave.pending_requests(db, class_id):
            level = await leave.waiting_level(db, request)
            if level in can and request.person_id != viewer.person.id:
                view = await request_view(db, info, request, now)
                text = texts.render(locale, "leave.card", r=view, level=level, nudge=None)
                cards.append((text, decide_keyboard(texts, locale, request.id, level)))
    return cards
